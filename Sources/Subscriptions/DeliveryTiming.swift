import Foundation
import NewsModel

extension Subscription {
    /// When an alert for this subscription should go out: nil for now, or the
    /// time it waits for (it is then sent with the others held for that time, as
    /// one digest).
    ///
    /// - Digest mode (hourly or daily): the next digest time.
    /// - Quiet hours (in ``timeZone``): the end of the quiet hours, unless the
    ///   alert is flash and ``QuietHours/allowFlash``.
    /// - Over ``maxAlertsPerHour`` (`sentInLastHour` alerts already sent
    ///   immediately in the trailing hour): the start of the next hour.
    public func holdUntil(urgency: Urgency, now: Date, sentInLastHour: Int) -> Date? {
        if let digest = nextDigest(after: now) { return digest }
        if let quiet = quietHours, quiet.contains(minuteOfDay: minuteOfDay(now)), !(urgency == .flash && quiet.allowFlash) {
            return next(hour: quiet.endMinute / 60, minute: quiet.endMinute % 60, after: now)
        }
        if let limit = maxAlertsPerHour, sentInLastHour >= limit {
            return calendar.nextDate(after: now, matching: DateComponents(minute: 0, second: 0), matchingPolicy: .nextTime) ?? now.addingTimeInterval(3600)
        }
        return nil
    }

    /// The next digest time after `now` in digest mode; nil in immediate mode.
    public func nextDigest(after now: Date) -> Date? {
        switch mode {
        case .immediate:
            return nil
        case .hourly(let minute):
            return calendar.nextDate(after: now, matching: DateComponents(minute: minute, second: 0), matchingPolicy: .nextTime)
        case .daily(let hour, let minute):
            return next(hour: hour, minute: minute, after: now)
        }
    }

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = location
        return calendar
    }

    private func minuteOfDay(_ date: Date) -> Int {
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        return (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
    }

    /// The next local hour:minute after `now` (a time skipped by a DST change moves to the next valid time).
    private func next(hour: Int, minute: Int, after now: Date) -> Date? {
        calendar.nextDate(after: now, matching: DateComponents(hour: hour, minute: minute, second: 0), matchingPolicy: .nextTime)
    }
}
