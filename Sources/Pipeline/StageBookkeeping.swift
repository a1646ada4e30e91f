import Foundation
import RdKafka

/// The bookkeeping of a ``StageRunner``, as a plain value: which messages are in
/// flight, held (not due yet), done or abandoned, and which offset each partition
/// may store. No I/O: the runner asks it what to do and does it.
///
/// The rule it keeps: a partition's stored offset never passes a message that was
/// handed over and not done (processed or dead-lettered). A message is "not done"
/// while it is in flight, and for good once it was skipped (the stage was
/// stopping, or it came after a held message) or abandoned (the stop's deadline
/// passed): the offset to store stops below it, so it is read again by whoever
/// owns the partition next. A seek back to it (a held message's rewind) lifts that
/// floor, since everything from there is read again in order.
///
/// Each partition's state belongs to one assignment
/// (``KafkaConsumerMessage/assignment``): a message of a newer assignment starts
/// the partition afresh, and a message of an older one is neither started nor
/// counted, so a late task of a revoked assignment can never store an offset.
public struct StageBookkeeping: Sendable {
    /// Whether the stage takes new work.
    public enum Phase: Sendable, Equatable {
        case running
        /// Told to stop: nothing new is started; what is in flight finishes or is abandoned.
        case draining
    }

    /// What to do with a message the consumer handed over.
    public enum Intake: Sendable, Equatable {
        /// Process it: it is in flight now.
        case process
        /// Not due yet: pause its partition, rewind it to this message and call
        /// ``release(_:hold:)`` with this number when it is due.
        case hold(until: Date, hold: UInt64)
        /// Leave it: it is read again later (the stage is stopping, its partition
        /// is held, or its assignment is over).
        case skip
    }

    /// How a message's processing ended.
    public enum Outcome: Sendable, Equatable {
        case processed
        case deadLettered
        /// Not done (the stop's deadline passed, or the task was cancelled).
        case abandoned

        var isDone: Bool { self != .abandoned }
    }

    private struct PartitionState: Sendable {
        var assignment: UInt64
        /// Offsets in flight, ascending; `done` holds those finished behind the first.
        var started: [Int64] = []
        var head = 0
        var done: Set<Int64> = []
        var highestStarted: Int64 = -1
        /// The lowest offset handed over and left undone (skipped, held or abandoned).
        var floor: Int64?
        /// The held message's offset and the hold's number.
        var held: (offset: Int64, hold: UInt64)?
        /// Where the partition was rewound to for a hold, until that message is read again:
        /// later messages fetched before the rewind may still arrive (also after the
        /// release) and are skipped, since they are read again in order after it.
        var rereadFrom: Int64?
        /// The last offset returned to store; at first, where the assignment started reading.
        var stored: Int64

        init(assignment: UInt64, firstOffset: Int64) {
            self.assignment = assignment
            self.stored = firstOffset
        }

        var lowestInFlight: Int64? { head < started.count ? started[head] : nil }

        mutating func lowerFloor(to offset: Int64) {
            floor = min(floor ?? offset, offset)
        }

        mutating func start(_ offset: Int64) {
            if let floor, offset <= floor { self.floor = nil }  // read again from here on, in order
            if let last = started.last, head < started.count, offset <= last {
                // Read again after a seek back while later ones are in flight: keep the order.
                let index = started[head...].firstIndex { $0 > offset } ?? started.count
                started.insert(offset, at: index)
            } else {
                started.append(offset)
            }
            highestStarted = max(highestStarted, offset)
        }

        /// Removes a finished offset; false when it was not in flight.
        mutating func remove(_ offset: Int64) -> Bool {
            guard head < started.count else { return false }
            if started[head] == offset {
                head += 1
                while head < started.count, done.remove(started[head]) != nil { head += 1 }
                if head == started.count {
                    started.removeAll(keepingCapacity: true)
                    head = 0
                } else if head > 1024, head * 2 > started.count {
                    started.removeFirst(head)
                    head = 0
                }
                return true
            }
            guard started[head...].contains(offset), !done.contains(offset) else { return false }
            done.insert(offset)
            return true
        }

        /// The next offset to read that every earlier message allows, if it moved on.
        mutating func advance() -> Int64? {
            var position = lowestInFlight ?? highestStarted + 1
            if let floor { position = min(position, floor) }
            guard position > stored else { return nil }
            stored = position
            return position
        }
    }

    public private(set) var phase: Phase = .running
    private var partitions: [KafkaTopicPartition: PartitionState] = [:]
    private var lastHold: UInt64 = 0
    /// Messages started and not yet finished.
    public private(set) var inFlightCount = 0

    public init() {}

    /// Decides what to do with a message the consumer handed over. `due` is when a
    /// delay-topic message may be processed (nil: now).
    public mutating func receive(_ message: KafkaConsumerMessage, due: Date? = nil, now: Date = Date()) -> Intake {
        let key = message.topicPartition
        var state = partitions[key] ?? PartitionState(assignment: message.assignment, firstOffset: message.offset)
        if state.assignment != message.assignment {
            guard message.assignment > state.assignment else { return .skip }  // an older assignment's leftover
            inFlightCount -= state.started.count - state.head - state.done.count
            state = PartitionState(assignment: message.assignment, firstOffset: message.offset)
        }
        defer { partitions[key] = state }
        if phase == .draining {
            state.lowerFloor(to: message.offset)
            return .skip
        }
        if let held = state.held, message.offset >= held.offset {
            state.lowerFloor(to: message.offset)
            return .skip
        }
        if let from = state.rereadFrom {
            if message.offset > from {
                // Fetched before the rewind: taking it (let alone holding it, which would rewind past
                // the first held message) would leave that message unread. It comes again after it.
                state.lowerFloor(to: message.offset)
                return .skip
            }
            if message.offset == from { state.rereadFrom = nil }  // the read again has begun
        }
        if let due, due.timeIntervalSince(now) > 0.05 {
            lastHold += 1
            state.held = (message.offset, lastHold)
            state.rereadFrom = message.offset
            state.lowerFloor(to: message.offset)
            return .hold(until: due, hold: lastHold)
        }
        state.start(message.offset)
        inFlightCount += 1
        return .process
    }

    /// Records how a started message ended; returns the offset to store for its
    /// partition (the next to read) when that moved on, else nil.
    public mutating func finish(_ message: KafkaConsumerMessage, _ outcome: Outcome) -> Int64? {
        let key = message.topicPartition
        guard var state = partitions[key], state.assignment == message.assignment, state.remove(message.offset) else { return nil }
        defer { partitions[key] = state }
        inFlightCount -= 1
        if !outcome.isDone { state.lowerFloor(to: message.offset) }
        return state.advance()
    }

    /// Ends a hold when it is due; true when it is still the partition's hold (then
    /// resume the partition), false when a newer assignment or hold replaced it.
    public mutating func release(_ partition: KafkaTopicPartition, hold: UInt64) -> Bool {
        guard partitions[partition]?.held?.hold == hold else { return false }
        partitions[partition]?.held = nil
        return true
    }

    /// The rewind of a hold failed: the partition goes on from where it was, so what
    /// follows the held message is taken as it comes (the stored offset still never
    /// passes the held message, which is read again by the partition's next owner).
    public mutating func rewindFailed(_ partition: KafkaTopicPartition, hold: UInt64) {
        guard partitions[partition]?.held?.hold == hold else { return }
        partitions[partition]?.rereadFrom = nil
    }

    /// Stops starting messages: from now on every one handed over is skipped.
    public mutating func beginDraining() {
        phase = .draining
    }

    /// The partitions with a hold, for tests and logs.
    public var heldPartitions: Set<KafkaTopicPartition> {
        Set(partitions.compactMap { $0.value.held == nil ? nil : $0.key })
    }
}
