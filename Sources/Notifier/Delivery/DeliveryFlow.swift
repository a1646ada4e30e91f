import Foundation
import NewsModel
import Pipeline
import RdKafka

/// What follows a delivery attempt, for every channel: the receipt on
/// `alerts.receipts`, the re-publication to a delay topic, or the dead letter
/// with the whole attempt history.
public struct DeliveryFlow: Sendable {
    /// The header that says when a delay-topic message is due (milliseconds since 1970).
    public static let notBeforeHeader = "newsflash-not-before"

    public var schedule: RetrySchedule
    public var receiptsTopic: String
    public var deadLetterTopic: String
    /// How long a delivery deferred without an attempt (its endpoint is busy) waits.
    public var deferral: Duration

    public init(schedule: RetrySchedule = RetrySchedule(), receiptsTopic: String = Topics.alertsReceipts,
                deadLetterTopic: String = Topics.alertsDLQ, deferral: Duration = .seconds(5)) {
        self.schedule = schedule
        self.receiptsTopic = receiptsTopic
        self.deadLetterTopic = deadLetterTopic
        self.deferral = deferral
    }

    /// When a delay-topic message is due, from its header; nil for other messages.
    public static func dueTime(_ message: KafkaConsumerMessage) -> Date? {
        guard let header = message.headers.first(where: { $0.key == notBeforeHeader }), let value = header.value,
              let milliseconds = Int64(String(decoding: value, as: UTF8.self)) else { return nil }
        return Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// The outcome of one attempt, as a channel reports it.
    public enum Verdict: Sendable, Hashable {
        case delivered
        /// Worth another try (5xx, 3xx, other 4xx, timeouts, connection errors, SMTP 4xx).
        case failed(retryAfter: Double?)
        /// Never worth another try for this delivery (SMTP 5xx): to the DLQ now.
        case permanent
        /// The receiver asked to stop (HTTP 410) or failed for too long: the subscription is disabled.
        case disable(reason: String)
    }

    /// Where a delivery was read, for its dead letter.
    public struct Origin: Sendable, Hashable {
        public var topic: String
        public var partition: Int
        public var offset: Int64
        public var key: [UInt8]?
        public var value: [UInt8]

        public init(topic: String, partition: Int, offset: Int64, key: [UInt8]?, value: [UInt8]) {
            self.topic = topic
            self.partition = partition
            self.offset = offset
            self.key = key
            self.value = value
        }

        public init(_ message: KafkaConsumerMessage) {
            self.init(topic: message.topic, partition: Int(message.partition), offset: message.offset, key: message.key, value: message.value)
        }
    }

    /// The outputs after attempt number `request.attempts.count + 1` (made at `now`, answered
    /// at `answeredAt`, from which the next attempt's delay and a Retry-After count) came to `verdict`.
    public func conclude(
        _ request: DeliveryRequest, from message: KafkaConsumerMessage, verdict: Verdict, statusCode: Int?, error: String?,
        latencyMs: Double, at now: Date, answeredAt: Date? = nil, random: Double = Double.random(in: 0..<1)
    ) throws -> [StageOutput] {
        try conclude(request, from: Origin(message), verdict: verdict, statusCode: statusCode, error: error, latencyMs: latencyMs, at: now,
                     answeredAt: answeredAt, random: random)
    }

    public func conclude(
        _ request: DeliveryRequest, from message: Origin, verdict: Verdict, statusCode: Int?, error: String?,
        latencyMs: Double, at now: Date, answeredAt: Date? = nil, random: Double = Double.random(in: 0..<1), retries: Bool = true
    ) throws -> [StageOutput] {
        let number = request.attempts.count + 1
        var nextAttemptAt: Date?
        var outputs: [StageOutput] = []
        let outcome: DeliveryOutcome
        var history = request.attempts
        func record(_ outcome: DeliveryOutcome) {
            history.append(DeliveryAttempt(attempt: number, at: now, outcome: outcome, statusCode: statusCode, error: error, latencyMs: latencyMs))
        }
        switch verdict {
        case .delivered:
            outcome = .delivered
            record(outcome)
        case .failed where !retries:
            // A digest: the caller keeps it and tries again; the receipt says when.
            outcome = .retry
            record(outcome)
        case .failed(let retryAfter):
            switch schedule.decide(afterFailedAttempt: number, retryAfter: retryAfter, now: answeredAt ?? now, random: random) {
            case .retry(let at, let topic):
                outcome = .retry
                nextAttemptAt = at
                record(outcome)
                var again = request
                again.attempts = history
                again.notBefore = at
                outputs.append(try delayed(again, until: at, topic: topic))
            case .deadLetter:
                outcome = .deadLettered
                record(outcome)
                outputs.append(try deadLetter(request, history, message, reason: .retriesExhausted, error: error ?? "failed", now: now))
            }
        case .permanent:
            outcome = .deadLettered
            record(outcome)
            outputs.append(try deadLetter(request, history, message, reason: .permanentFailure, error: error ?? "refused", now: now))
        case .disable(let reason):
            outcome = .disabled
            record(outcome)
            outputs.append(try deadLetter(request, history, message, reason: .permanentFailure, error: reason, now: now))
        }
        let receipt = DeliveryReceipt(
            deliveryId: request.deliveryId, subscriptionId: request.subscriptionId, storyId: request.storyId, channel: request.channel,
            version: request.version, attempt: number, outcome: outcome, statusCode: statusCode, error: error, latencyMs: latencyMs,
            attemptedAt: now, nextAttemptAt: nextAttemptAt, replayedAt: request.replayedAt)
        return [try output(receipt, at: now)] + outputs
    }

    /// A delivery that was not attempted (the subscription is gone or paused): one receipt saying why.
    public func notSent(_ request: DeliveryRequest, reason: String, at now: Date) throws -> [StageOutput] {
        [try receipt(request, outcome: .failed, error: reason, at: now)]
    }

    /// A delivery held for the subscriber's digest until `until`: one receipt saying so.
    public func held(_ request: DeliveryRequest, until: Date, at now: Date) throws -> [StageOutput] {
        [try receipt(request, outcome: .held, next: until, at: now)]
    }

    /// A receipt for attempt number `request.attempts.count + 1` that made no HTTP or SMTP exchange.
    func receipt(_ request: DeliveryRequest, outcome: DeliveryOutcome, error: String? = nil, next: Date? = nil, at now: Date) throws -> StageOutput {
        let receipt = DeliveryReceipt(
            deliveryId: request.deliveryId, subscriptionId: request.subscriptionId, storyId: request.storyId, channel: request.channel,
            version: request.version, attempt: request.attempts.count + 1, outcome: outcome, error: error, latencyMs: 0, attemptedAt: now,
            nextAttemptAt: next, replayedAt: request.replayedAt)
        return try output(receipt, at: now)
    }

    /// A receipt as the message on ``receiptsTopic``; encoded without `JSONEncoder`, as there is one per attempt.
    func output(_ receipt: DeliveryReceipt, at now: Date) throws -> StageOutput {
        StageOutput(
            topic: receiptsTopic, key: receipt.subscriptionId, value: try EventCodec.encodeReceipt(receipt, occurredAt: now),
            headers: Self.receiptHeaders)
    }

    private static let receiptHeaders = KafkaHeader.list(EventHeaders.values(for: DeliveryReceipt.self))

    /// The same delivery, not attempted, back on the shortest delay topic (its endpoint is busy).
    public func deferred(_ request: DeliveryRequest, at now: Date) throws -> [StageOutput] {
        let at = now.addingTimeInterval(Double(deferral.components.seconds))
        var again = request
        again.notBefore = at
        return [try delayed(again, until: at, topic: schedule.topic(forDelay: Double(deferral.components.seconds)))]
    }

    func delayed(_ request: DeliveryRequest, until at: Date, topic: String) throws -> StageOutput {
        var output = try StageOutput(topic: topic, key: request.subscriptionId, event: request)
        output.headers.append(KafkaHeader(key: Self.notBeforeHeader, value: Array(String(Int64((at.timeIntervalSince1970 * 1000).rounded())).utf8)))
        return output
    }

    func deadLetter(_ request: DeliveryRequest, _ history: [DeliveryAttempt], _ message: Origin,
                    reason: DeadLetter.Reason, error: String, now: Date) throws -> StageOutput {
        var final = request
        final.attempts = history
        final.notBefore = nil
        let letter = DeadLetter(
            reason: reason, error: error, originalTopic: message.topic, partition: message.partition, offset: message.offset,
            rawKey: message.key, rawPayload: message.value, delivery: final, attempts: history, deadLetteredAt: now)
        return try StageOutput.deadLetter(letter, topic: deadLetterTopic, key: request.subscriptionId, occurredAt: now)
    }
}

extension DeliveryFlow {
    /// The common start of a notifier's work on a message: decodes the delivery (poison
    /// when it is not one), skips other channels, and runs `deliver`, turning its
    /// errors into transient ones (the runner tries the message again).
    public func handle(
        _ message: KafkaConsumerMessage, channel: DeliveryChannel,
        _ deliver: (DeliveryRequest) async throws -> [StageOutput]
    ) async throws(StageError) -> [StageOutput] {
        let request: DeliveryRequest
        do {
            request = try EventCodec.decodeDelivery(message.value).data
        } catch {
            throw StageError(.poison, "not an alerts.delivery v1 event: \(error.message)")
        }
        guard request.channel == channel else { return [] }
        do {
            return try await deliver(request)
        } catch let error as StageError {
            throw error
        } catch {
            throw StageError(.transient, "\(error)")
        }
    }
}

/// Milliseconds from `start` to now, for an attempt's `latencyMs`.
func millisecondsSince(_ start: ContinuousClock.Instant) -> Double {
    let spent = ContinuousClock.now - start
    return Double(spent.components.seconds) * 1000 + Double(spent.components.attoseconds) / 1e15
}
