/// Collects the delivery reports librdkafka hands over during one poll and
/// passes them on as one batch, so that a reader of ``KafkaDeliveryReports``
/// is woken once per poll rather than once per message.
///
/// `add` is called from delivery callbacks and `flush` after each poll, both
/// on the producer's poll thread.
final class DeliveryReportBatcher: Sendable {
    private let pending = LockedBox([KafkaDeliveryReport]())
    private let continuation: AsyncStream<[KafkaDeliveryReport]>.Continuation

    init(continuation: AsyncStream<[KafkaDeliveryReport]>.Continuation) {
        self.continuation = continuation
    }

    func add(_ report: KafkaDeliveryReport) {
        pending.withLock { $0.append(report) }
    }

    func flush() {
        let batch = pending.withLock { pending in
            defer { pending = [] }
            return pending
        }
        if !batch.isEmpty { continuation.yield(batch) }
    }

    func finish() {
        flush()
        continuation.finish()
    }
}

/// Delivery reports of ``KafkaProducer/sendAndForget(_:)``, in the order the
/// broker acknowledged them; ends when the producer shuts down. Iterate from one task.
public struct KafkaDeliveryReports: AsyncSequence, Sendable {
    public typealias Element = KafkaDeliveryReport
    let stream: AsyncStream<[KafkaDeliveryReport]>

    public struct AsyncIterator: AsyncIteratorProtocol {
        var batches: AsyncStream<[KafkaDeliveryReport]>.Iterator
        var local: ArraySlice<KafkaDeliveryReport> = []

        public mutating func next() async -> KafkaDeliveryReport? {
            while local.isEmpty {
                guard let batch = await batches.next() else { return nil }
                local = batch[...]
            }
            return local.popFirst()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(batches: stream.makeAsyncIterator())
    }
}
