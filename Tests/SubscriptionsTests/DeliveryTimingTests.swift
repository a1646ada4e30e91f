import Foundation
import NewsModel
import Subscriptions
import Testing

@Suite struct DeliveryTimingTests {
    /// 2026-11-29 21:30 UTC = 22:30 in Paris (CET, UTC+1).
    let evening = ISO8601DateFormatter().date(from: "2026-11-29T21:30:00Z")!

    func subscription(_ configure: (inout Subscription) -> Void) -> Subscription {
        var subscription = Subscription(name: "s", filter: "topic:Sports", channel: .webhook(url: "https://h.example.com/"))
        configure(&subscription)
        return subscription
    }

    func utc(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    @Test func immediateWithoutLimitsSendsNow() {
        #expect(subscription { _ in }.holdUntil(urgency: .routine, now: evening, sentInLastHour: 1000) == nil)
    }

    @Test func digestsWaitForTheNextLocalTime() {
        let daily = subscription { $0.mode = .daily(hour: 7, minute: 30); $0.timeZone = "Europe/Paris" }
        #expect(daily.holdUntil(urgency: .flash, now: evening, sentInLastHour: 0) == utc("2026-11-30T06:30:00Z"))
        let hourly = subscription { $0.mode = .hourly(minute: 15); $0.timeZone = "Asia/Kolkata" }  // UTC+5:30: local :15 is UTC :45
        #expect(hourly.holdUntil(urgency: .routine, now: evening, sentInLastHour: 0) == utc("2026-11-29T21:45:00Z"))
    }

    @Test func quietHoursHoldUntilTheyEndExceptFlashWhenAllowed() {
        let quiet = subscription {
            $0.timeZone = "Europe/Paris"
            $0.quietHours = Subscription.QuietHours(startMinute: 22 * 60, endMinute: 7 * 60, allowFlash: true)
        }
        #expect(quiet.holdUntil(urgency: .urgent, now: evening, sentInLastHour: 0) == utc("2026-11-30T06:00:00Z"))
        #expect(quiet.holdUntil(urgency: .flash, now: evening, sentInLastHour: 0) == nil)
        var strict = quiet
        strict.quietHours?.allowFlash = false
        #expect(strict.holdUntil(urgency: .flash, now: evening, sentInLastHour: 0) == utc("2026-11-30T06:00:00Z"))
        // 21:30 in Paris is before the window.
        #expect(quiet.holdUntil(urgency: .routine, now: utc("2026-11-29T20:30:00Z"), sentInLastHour: 0) == nil)
        // A window that does not wrap midnight.
        let lunch = subscription { $0.quietHours = Subscription.QuietHours(startMinute: 12 * 60, endMinute: 13 * 60) }
        #expect(lunch.holdUntil(urgency: .routine, now: utc("2026-11-29T12:10:00Z"), sentInLastHour: 0) == utc("2026-11-29T13:00:00Z"))
        #expect(lunch.holdUntil(urgency: .routine, now: utc("2026-11-29T13:00:00Z"), sentInLastHour: 0) == nil)
    }

    @Test func overTheRateLimitWaitsForTheNextHour() {
        let limited = subscription { $0.maxAlertsPerHour = 3 }
        #expect(limited.holdUntil(urgency: .routine, now: evening, sentInLastHour: 2) == nil)
        #expect(limited.holdUntil(urgency: .routine, now: evening, sentInLastHour: 3) == utc("2026-11-29T22:00:00Z"))
    }

    @Test func daylightSavingChangesKeepTheLocalTime() {
        // New York: 2027-03-14 02:00 does not exist; 08:00 stays 08:00 local across the change.
        let daily = subscription { $0.mode = .daily(hour: 8, minute: 0); $0.timeZone = "America/New_York" }
        #expect(daily.nextDigest(after: utc("2027-03-13T14:00:00Z")) == utc("2027-03-14T12:00:00Z"))  // EDT, UTC-4
        #expect(daily.nextDigest(after: utc("2027-03-12T14:00:00Z")) == utc("2027-03-13T13:00:00Z"))  // EST, UTC-5
    }
}
