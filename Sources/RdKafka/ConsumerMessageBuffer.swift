import Synchronization

/// Messages fetched by a consumer's poll thread and not yet taken by the application.
///
/// The poll thread appends; one async iterator takes. The buffer is bounded
/// by the poll thread, which pauses fetching (and keeps polling) while
/// ``wantsMessages`` is false.
final class ConsumerMessageBuffer: Sendable {
    private struct State {
        var messages: [KafkaConsumerMessage] = []
        var head = 0
        var waiter: CheckedContinuation<Void, Never>?
        var finished = false
        var failure: KafkaError?
        var count: Int { messages.count - head }
    }

    private let state = LockedBox(State())
    /// Set with `finished`, read without the lock for every message handed out.
    private let ended = Atomic<Bool>(false)
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Whether more messages are wanted: the buffer is neither full nor finished.
    var wantsMessages: Bool { state.withLock { !$0.finished && $0.count < capacity } }

    /// Whether fetching, paused on a full buffer, may resume: the buffer is at most half full
    /// (and not finished). librdkafka drops a paused partition's prefetched messages and fetches
    /// them again on resume, so resuming at the first free slot paused and refetched for every
    /// few messages taken (the consume benchmark fell from about 300,000 to 40,000 messages/s).
    var wantsMessagesAfterHoldingBack: Bool { state.withLock { !$0.finished && $0.count <= capacity / 2 } }

    /// Whether an iterator is waiting for messages (tests wait for this instead of for a while).
    var hasWaiter: Bool { state.withLock { $0.waiter != nil } }

    /// Adds fetched messages and wakes the waiting iterator.
    func append(_ batch: [KafkaConsumerMessage]) {
        guard !batch.isEmpty else { return }
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.finished else { return nil }
            state.messages.append(contentsOf: batch)
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Drops buffered messages of these partitions (after a revoke or a seek).
    func remove(partitions: Set<KafkaTopicPartition>) {
        guard !partitions.isEmpty else { return }
        state.withLock { state in
            let kept = state.messages[state.head...].filter { !partitions.contains($0.topicPartition) }
            state.messages = Array(kept)
            state.head = 0
        }
    }

    /// Ends the sequence at once, dropping what is buffered: those messages were
    /// not processed, so their offsets were not stored and they are read again later.
    func finish(failure: KafkaError? = nil) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            ended.store(true, ordering: .releasing)
            state.finished = true
            state.failure = state.failure ?? failure
            state.messages = []
            state.head = 0
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Whether ``finish(failure:)`` was called.
    var isFinished: Bool { ended.load(ordering: .acquiring) }

    enum Take {
        case messages(ArraySlice<KafkaConsumerMessage>)
        case finished(KafkaError?)
        case empty
    }

    /// Takes up to `limit` messages. The result never shares storage with the
    /// buffer, so the poll thread's next append does not copy what is buffered.
    func take(limit: Int) -> Take {
        state.withLock { state in
            if state.finished { return .finished(state.failure) }
            guard state.count > 0 else { return .empty }
            if state.head == 0, state.messages.count <= limit {
                defer { state.messages = [] }
                return .messages(state.messages[...])
            }
            let end = min(state.messages.count, state.head + limit)
            let taken = Array(state.messages[state.head..<end])
            state.head = end
            if state.head == state.messages.count {
                state.messages.removeAll(keepingCapacity: true)
                state.head = 0
            } else if state.head > 4096, state.head * 2 > state.messages.count {
                state.messages.removeFirst(state.head)
                state.head = 0
            }
            return .messages(taken[...])
        }
    }

    /// Suspends until a message arrives, the buffer finishes, or the task is cancelled.
    func waitForMessages() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Bool in
                    if state.finished || state.count > 0 || Task.isCancelled { return true }
                    state.waiter = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}

/// The messages of a ``KafkaConsumer``, in partition order, as they are fetched.
///
/// Iterate from one task only, and once: an iterator takes messages from the buffer
/// in batches, and those it has not handed out when it is dropped (a `break` out of
/// the loop) are not seen by a later iterator of the same consumer. A group member
/// reads them again from its committed offsets after a restart; a reader of assigned
/// partitions does not. The sequence ends when the consumer closes (or throws when
/// the consumer fails fatally); messages that were buffered but not processed then
/// are read again from the committed offsets later.
public struct KafkaConsumerMessages: AsyncSequence, Sendable {
    public typealias Element = KafkaConsumerMessage
    let buffer: ConsumerMessageBuffer

    public struct AsyncIterator: AsyncIteratorProtocol {
        let buffer: ConsumerMessageBuffer
        var local: ArraySlice<KafkaConsumerMessage> = []

        /// The next message; nil once the consumer closed or ended its messages, and
        /// at once when the task is cancelled, even with messages buffered (they were
        /// not handed out, so their offsets are not stored and they are read again).
        public mutating func next(isolation actor: isolated (any Actor)?) async throws(KafkaError) -> KafkaConsumerMessage? {
            while true {
                if Task.isCancelled {
                    local = []
                    return nil
                }
                if buffer.isFinished { local = [] }  // what this iterator took but did not hand out goes too
                if let message = local.popFirst() { return message }
                switch buffer.take(limit: 1024) {
                case .messages(let batch):
                    local = batch
                case .finished(let failure):
                    if let failure { throw failure }
                    return nil
                case .empty:
                    await buffer.waitForMessages()
                }
            }
        }

        public mutating func next() async throws(KafkaError) -> KafkaConsumerMessage? {
            try await next(isolation: nil)
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(buffer: buffer)
    }
}
