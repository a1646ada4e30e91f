internal import CRdKafka
import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// Reads messages from Kafka as a member of a consumer group (or from fixed
/// partitions), at least once.
///
/// A dedicated thread polls librdkafka and fills a bounded buffer that
/// ``messages`` drains; rebalances, seeks and the final commit run on that
/// thread too, so they are ordered with the messages. Process a message, then
/// call ``storeOffset(for:)``; stored offsets are committed in the background,
/// on revoke and on close; commits' results, the background ones' too, are
/// counted (`kafka_consumer_commits_total{client,outcome}`), a failed one also
/// logged. A message whose offset was not stored is read again after a restart
/// or a rebalance.
///
/// While the buffer is full, or after ``endMessages()``, the poll thread pauses
/// the assigned partitions and goes on polling, so the group never sees this
/// member stall (`max.poll.interval.ms`) and rebalances are still served.
///
/// Every message carries the number of its partition's assignment; an offset is
/// stored only while that assignment lasts (checked atomically with the rebalance
/// callback), so work that finishes after its partition was revoked can never
/// store an offset for the partition's next owner, nor move one backwards.
///
/// The consumer is a `Service`: on graceful shutdown it commits stored offsets,
/// leaves the group (both within `closeTimeout`) and ends ``messages``. Run the services that process its
/// messages after it in the `ServiceGroup`, so that they stop first.
public final class KafkaConsumer: Service, Sendable {
    /// Work queued for the poll thread, and state only that thread reads.
    private struct Control {
        var commands: [@Sendable (OpaquePointer) -> Void] = []
        var floors = TimestampFloor()
        var closed = false
        /// When the close must be over (set by ``close()``; else the poll thread's exit plus `closeTimeout`).
        var closeDeadline: ContinuousClock.Instant?
        /// False once a close ran out of time before leaving the group.
        var leftGroup = true
        /// The number of each assigned partition's current assignment.
        var assignments: [KafkaTopicPartition: UInt64] = [:]
        var lastAssignment: UInt64 = 0
        /// Partitions the application paused (``pause(_:)``).
        var paused: Set<KafkaTopicPartition> = []
        /// Partitions the poll thread paused while the buffer wanted no messages.
        var heldBack: Set<KafkaTopicPartition> = []
        /// How often a full buffer has paused fetching.
        var holdBacks = 0

        /// Marks the consumer closed; returns when its close must be over (set by the first caller).
        mutating func close(within timeout: Duration) -> ContinuousClock.Instant {
            closed = true
            let deadline = closeDeadline ?? .now + timeout
            closeDeadline = deadline
            return deadline
        }

        mutating func assign(_ partitions: [KafkaTopicPartition]) {
            for partition in partitions {
                lastAssignment += 1
                assignments[partition] = lastAssignment
                paused.remove(partition)
                heldBack.remove(partition)
            }
        }

        mutating func unassign(_ partitions: [KafkaTopicPartition]) {
            for partition in partitions {
                assignments[partition] = nil
                paused.remove(partition)
                heldBack.remove(partition)
            }
        }
    }

    public let configuration: KafkaConsumerConfiguration
    /// The messages, in order per partition. Iterate from one task.
    public let messages: KafkaConsumerMessages
    /// Rebalances, partition ends and errors.
    public let events: KafkaConsumerEvents
    private let handle: RDKafkaHandle
    private let buffer: ConsumerMessageBuffer
    private let control: LockedBox<Control>
    private let pollThread: PollThread
    private let logger: Logger

    public init(configuration: KafkaConsumerConfiguration, logger: Logger) throws(KafkaError) {
        self.configuration = configuration
        self.logger = logger
        let buffer = ConsumerMessageBuffer(capacity: configuration.bufferedMessages)
        var initial = Control()
        if case .partitions(let positions) = configuration.subscription { initial.assign(positions.map(\.topicPartition)) }
        let control = LockedBox(initial)
        let (eventStream, events) = AsyncStream<KafkaConsumerEvent>.makeStream(bufferingPolicy: .bufferingNewest(1024))
        self.buffer = buffer
        self.control = control
        self.messages = KafkaConsumerMessages(buffer: buffer)
        self.events = KafkaConsumerEvents(stream: eventStream)
        let groupID = configuration.groupID
        let isGroup: Bool
        if case .group = configuration.subscription { isGroup = true } else { isGroup = false }
        // Only a group member commits.
        let commits = isGroup ? CommitReporter(clientID: configuration.client.clientID, group: groupID, logger: logger) : nil
        let context = RDKafkaCallbackContext(
            logger: logger,
            statistics: configuration.client.statisticsInterval.map { _ in KafkaStatisticsReporter(clientLabel: configuration.client.clientID, group: groupID) },
            onRebalance: { rk, err, list in
                KafkaConsumer.rebalance(rk, err, list, buffer: buffer, control: control, events: events, logger: logger, groupID: groupID)
            },
            onError: { error in events.yield(.error(error)) },
            onCommit: commits.map { commits in { @Sendable error, partitions in commits.report(error: error, partitions: partitions) } }
        )
        let handle = try RDKafkaHandle(kind: .consumer, properties: configuration.properties(), context: context)
        self.handle = handle
        rd_kafka_poll_set_consumer(handle.pointer)
        try KafkaConsumer.start(handle: handle, subscription: configuration.subscription)

        let consumed = Counter(label: "kafka_consumer_messages_total", dimensions: [("client", configuration.client.clientID)])
        let holdBacks = Counter(label: "kafka_consumer_fetch_pauses_total", dimensions: [("client", configuration.client.clientID)])
        self.pollThread = PollThread(name: "kafka-consumer-poll") { thread in
            KafkaConsumer.pollLoop(
                thread: thread, handle: handle, buffer: buffer, control: control, events: events,
                consumed: consumed, holdBacks: holdBacks, logger: logger, commitOnClose: isGroup, closeTimeout: configuration.closeTimeout)
        }
    }

    deinit {
        pollThread.requestStop()
    }

    // MARK: Offsets

    /// Marks `message` processed: its offset + 1 is committed with the next commit.
    ///
    /// - Throws: when the assignment that fetched the message is over (the
    ///   partition was revoked or lost meanwhile; its owner reads the message again).
    /// How often a buffer full for a second has paused fetching (`kafka_consumer_fetch_pauses_total`):
    /// each pause makes librdkafka fetch again what it had prefetched, so a consumer that keeps up
    /// with its partitions should show none.
    public var fetchPauses: Int { control.withLock { $0.holdBacks } }

    public func storeOffset(for message: KafkaConsumerMessage) throws(KafkaError) {
        try storeOffset(message.offset + 1, assignmentOf: message)
    }

    /// Stores `offset` (the next message to read) for `message`'s partition, to be
    /// committed with the next commit, if the partition's assignment that fetched
    /// `message` still lasts.
    ///
    /// - Throws: ``KafkaError/Code/state`` when that assignment is over (the
    ///   partition was revoked or lost, and maybe assigned again since); nothing
    ///   is stored then.
    public func storeOffset(_ offset: Int64, assignmentOf message: KafkaConsumerMessage) throws(KafkaError) {
        let handle = self.handle
        let partition = message.topicPartition
        let position = KafkaTopicPartitionOffset(topic: message.topic, partition: message.partition, offset: offset)
        // Under the lock the rebalance callback takes before it gives a partition up.
        let failure: KafkaError? = control.withLock { control in
            guard message.assignment != 0, control.assignments[partition] == message.assignment else {
                return KafkaError(
                    code: .state, operation: "store offset \(position)",
                    message: "the assignment that read offset \(message.offset) of \(partition) is over; its owner reads it again")
            }
            do throws(KafkaError) {
                try RDKafkaTopicPartitionList.with([position]) { list throws(KafkaError) in
                    let err = try handle.borrow("store offset") { rk in rd_kafka_offsets_store(rk, list) }
                    _ = try RDKafkaTopicPartitionList.positions(list, operation: "store offset")
                    guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, operation: "store offset") }
                }
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }

    /// Ends ``messages`` for a graceful stop: the iterator hands out nothing more,
    /// even what is buffered (those offsets are not stored, so the messages are read
    /// again by whoever owns their partitions next), and the poll thread pauses
    /// fetching. The consumer stays in its group and still stores offsets of work
    /// that finishes, until ``close()`` commits them and leaves.
    public func endMessages() {
        buffer.finish()
    }

    /// Commits the stored offsets now and waits for the broker's answer.
    public func commit() async throws(KafkaError) {
        let handle = self.handle
        try await handle.blocking("commit offsets") { rk throws(KafkaError) in
            let err = rd_kafka_commit(rk, nil, 0)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__NO_OFFSET else {
                throw KafkaError(err, operation: "commit offsets")
            }
        }
    }

    /// The group's committed offsets for these partitions (``KafkaTopicPartitionOffset/invalid`` when none).
    public func committedOffsets(for partitions: [KafkaTopicPartition], timeout: Duration = .seconds(10)) async throws(KafkaError) -> [KafkaTopicPartitionOffset] {
        let handle = self.handle
        return try await handle.blocking("read committed offsets") { rk throws(KafkaError) in
            try RDKafkaTopicPartitionList.with(partitions.map { KafkaTopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: KafkaTopicPartitionOffset.invalid) }) { list throws(KafkaError) in
                let err = rd_kafka_committed(rk, list, Int32(clamping: timeout.milliseconds))
                guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw handle.unreachableError("read committed offsets", err) }
                return try RDKafkaTopicPartitionList.positions(list, operation: "read committed offsets")
            }
        }
    }

    /// The low and high watermarks of a partition, asked of the broker.
    public func watermarks(for partition: KafkaTopicPartition, timeout: Duration = .seconds(10)) async throws(KafkaError) -> (low: Int64, high: Int64) {
        let handle = self.handle
        return try await handle.blocking("query watermarks") { _ throws(KafkaError) in
            try handle.queryWatermarks(partition, timeoutMilliseconds: Int32(clamping: timeout.milliseconds))
        }
    }

    /// Messages not yet committed per assigned partition: high watermark minus
    /// committed offset (minus the low watermark when nothing is committed).
    public func lag(timeout: Duration = .seconds(10)) async throws(KafkaError) -> [KafkaTopicPartition: Int64] {
        let partitions = try assignment()
        let committed = try await committedOffsets(for: partitions, timeout: timeout)
        var lag: [KafkaTopicPartition: Int64] = [:]
        for position in committed {
            let (low, high) = try await watermarks(for: position.topicPartition, timeout: timeout)
            let from = position.offset >= 0 ? position.offset : low
            lag[position.topicPartition] = max(0, high - from)
        }
        return lag
    }

    // MARK: Position

    /// The partitions currently assigned to this member.
    public func assignment() throws(KafkaError) -> [KafkaTopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        let err = try handle.borrow("read assignment") { rk in rd_kafka_assignment(rk, &list) }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { throw KafkaError(err, operation: "read assignment") }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        return RDKafkaTopicPartitionList.read(list).map { $0.0.topicPartition }
    }

    /// Moves the read position of assigned partitions. Buffered messages of those
    /// partitions are dropped; the next message of each comes from its new offset.
    public func seek(to positions: [KafkaTopicPartitionOffset], timeout: Duration = .seconds(10)) async throws(KafkaError) {
        let buffer = self.buffer
        let control = self.control
        try await onPollThread("seek") { rk throws(KafkaError) in
            try KafkaConsumer.seekNow(rk, positions, timeout: timeout)
            let partitions = Set(positions.map(\.topicPartition))
            buffer.remove(partitions: partitions)
            control.withLock { $0.floors.clear(partitions) }
        }
    }

    /// The first offset of each partition whose record timestamp is at or after
    /// `milliseconds`, as the broker answers it (``KafkaTopicPartitionOffset/end`` when none).
    /// Some brokers answer an earlier offset; ``seek(toTimestampMilliseconds:partitions:timeout:)`` corrects for that.
    public func offsets(forTimestampMilliseconds milliseconds: Int64, partitions: [KafkaTopicPartition], timeout: Duration = .seconds(10)) async throws(KafkaError) -> [KafkaTopicPartitionOffset] {
        let handle = self.handle
        return try await handle.blocking("look up offsets for a time") { _ throws(KafkaError) in
            try handle.queryOffsets(atTimestampMilliseconds: milliseconds, partitions, timeoutMilliseconds: Int32(clamping: timeout.milliseconds))
        }
    }

    /// Moves each partition to its first record whose timestamp is at or after
    /// `milliseconds`, checking the broker's answer against the records' own
    /// timestamps (see ``TimestampFloor``). Returns the offsets the broker answered.
    @discardableResult
    public func seek(toTimestampMilliseconds milliseconds: Int64, partitions: [KafkaTopicPartition], timeout: Duration = .seconds(10)) async throws(KafkaError) -> [KafkaTopicPartitionOffset] {
        let answered = try await offsets(forTimestampMilliseconds: milliseconds, partitions: partitions, timeout: timeout)
        let buffer = self.buffer
        let control = self.control
        try await onPollThread("seek to time") { rk throws(KafkaError) in
            let targets = answered.map { position in
                KafkaTopicPartitionOffset(
                    topic: position.topic, partition: position.partition,
                    offset: position.offset >= 0 ? position.offset : KafkaTopicPartitionOffset.end)
            }
            try KafkaConsumer.seekNow(rk, targets, timeout: timeout)
            buffer.remove(partitions: Set(targets.map(\.topicPartition)))
            control.withLock { control in
                for target in targets {
                    control.floors.clear([target.topicPartition])
                    if target.offset >= 0 { control.floors.set(target.topicPartition, milliseconds: milliseconds) }
                }
            }
        }
        return answered
    }

    /// Stops fetching these partitions (already buffered messages are still delivered)
    /// until ``resume(_:)``, or until they are revoked and assigned again.
    public func pause(_ partitions: [KafkaTopicPartition]) throws(KafkaError) {
        let handle = self.handle
        control.withLock { $0.paused.formUnion(partitions) }
        try RDKafkaTopicPartitionList.with(partitions.map { KafkaTopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: KafkaTopicPartitionOffset.invalid) }) { list throws(KafkaError) in
            let err = try handle.borrow("pause partitions") { rk in rd_kafka_pause_partitions(rk, list) }
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, operation: "pause partitions") }
            _ = try RDKafkaTopicPartitionList.positions(list, operation: "pause partitions")
        }
    }

    /// Resumes fetching paused partitions (while the buffer is full the poll thread
    /// holds them back until there is room).
    public func resume(_ partitions: [KafkaTopicPartition]) throws(KafkaError) {
        let handle = self.handle
        control.withLock { $0.paused.subtract(partitions) }
        try RDKafkaTopicPartitionList.with(partitions.map { KafkaTopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: KafkaTopicPartitionOffset.invalid) }) { list throws(KafkaError) in
            let err = try handle.borrow("resume partitions") { rk in rd_kafka_resume_partitions(rk, list) }
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, operation: "resume partitions") }
            _ = try RDKafkaTopicPartitionList.positions(list, operation: "resume partitions")
        }
    }

    // MARK: Lifecycle

    /// Runs until graceful shutdown (or cancellation), then ``close()``.
    public func run() async throws {
        try? await gracefulShutdown()
        await close()
    }

    /// Commits stored offsets, leaves the group, ends ``messages`` and destroys the
    /// librdkafka client (its threads are gone when this returns). Idempotent.
    ///
    /// Takes at most `closeTimeout` (and then about a second to be sure): a consumer that cannot
    /// reach its group coordinator in that time is destroyed without leaving, and a poll thread or
    /// a destroy that still waits for a request in flight is left to finish in the background
    /// (cancelling the calling task leaves it at once).
    public func close() async {
        let deadline = control.withLock { $0.close(within: configuration.closeTimeout) }
        pollThread.requestStop()
        let limit = { max(deadline - .now, .seconds(1)) }
        // The poll thread uses the handle until it returns: no destroy before.
        guard await pollThread.join(within: limit()) else {
            return logStillClosing("the poll thread (a rebalance callback's commit)")
        }
        let leftGroup = control.withLock { $0.leftGroup }
        guard await handle.destroyOffPool(leavingGroup: leftGroup, within: limit()) else {
            return logStillClosing("librdkafka's destroy (a request in flight)")
        }
    }

    private func logStillClosing(_ what: String) {
        logger.warning("kafka consumer still closing after its close timeout; left to finish in the background", metadata: [
            "kafka.client": "\(configuration.client.clientID)", "kafka.close_timeout": "\(configuration.closeTimeout)", "kafka.waiting_for": "\(what)",
        ])
    }

    // MARK: The poll thread

    private func onPollThread<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (OpaquePointer) throws(KafkaError) -> T) async throws(KafkaError) -> T {
        let result: Result<T, KafkaError> = await withCheckedContinuation { continuation in
            let accepted = control.withLock { control -> Bool in
                guard !control.closed else { return false }
                control.commands.append { rk in
                    do throws(KafkaError) {
                        continuation.resume(returning: .success(try body(rk)))
                    } catch {
                        continuation.resume(returning: .failure(error))
                    }
                }
                return true
            }
            if !accepted { continuation.resume(returning: .failure(.closed(operation))) }
        }
        return try result.get()
    }

    private static func start(handle: RDKafkaHandle, subscription: KafkaConsumerConfiguration.Subscription) throws(KafkaError) {
        switch subscription {
        case .group(let topics):
            try RDKafkaTopicPartitionList.with(topics.map { KafkaTopicPartitionOffset(topic: $0, partition: newsflash_partition_unassigned, offset: KafkaTopicPartitionOffset.invalid) }) { list throws(KafkaError) in
                let err = rd_kafka_subscribe(handle.pointer, list)
                guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, operation: "subscribe to \(topics.joined(separator: ","))") }
            }
        case .partitions(let positions):
            try RDKafkaTopicPartitionList.with(positions) { list throws(KafkaError) in
                let err = rd_kafka_assign(handle.pointer, list)
                guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, operation: "assign partitions") }
            }
        }
    }

    private static func seekNow(_ rk: OpaquePointer, _ positions: [KafkaTopicPartitionOffset], timeout: Duration) throws(KafkaError) {
        try RDKafkaTopicPartitionList.with(positions) { list throws(KafkaError) in
            if let error = rd_kafka_seek_partitions(rk, list, Int32(clamping: timeout.milliseconds)) {
                throw KafkaError(consuming: error, operation: "seek")
            }
            _ = try RDKafkaTopicPartitionList.positions(list, operation: "seek")
        }
    }

    private static func pollLoop(
        thread: PollThread, handle: RDKafkaHandle, buffer: ConsumerMessageBuffer, control: LockedBox<Control>,
        events: AsyncStream<KafkaConsumerEvent>.Continuation, consumed: Counter, holdBacks: Counter, logger: Logger, commitOnClose: Bool,
        closeTimeout: Duration
    ) {
        let rk = handle.pointer
        let topicNames = TopicNameCache()
        var failure: KafkaError?
        func runCommands() {
            let commands = control.withLock { control in
                defer { control.commands = [] }
                return control.commands
            }
            for command in commands { command(rk) }
        }
        // Batches from the consumer queue, up to 512 messages. Rebalance callbacks are
        // served inside these calls, on this thread.
        let queue = rd_kafka_queue_get_consumer(rk)
        var slots = [UnsafeMutablePointer<rd_kafka_message_t>?](repeating: nil, count: 512)
        var holdingBack = false
        polling: while !thread.isStopping {
            runCommands()
            // A full (or ended) buffer pauses fetching instead of polling: polls go on, so
            // the group keeps this member (max.poll.interval.ms) and rebalances are served.
            // A full buffer first gets a second to drain: librdkafka keeps fetching into its own
            // bounded queue meanwhile, where pausing would drop what it has prefetched and fetch
            // it again on resume (at full speed that cost 5 of every 6 messages' worth of time).
            if !holdingBack, !buffer.isFinished, !buffer.wantsMessages {
                let deadline = ContinuousClock.now + .seconds(1)
                while !buffer.wantsMessages, !buffer.isFinished, !thread.isStopping, ContinuousClock.now < deadline {
                    runCommands()
                    usleep(500)
                }
            }
            let wanted = holdingBack ? buffer.wantsMessagesAfterHoldingBack : buffer.wantsMessages
            if !wanted || holdingBack {
                if !wanted, !holdingBack {
                    holdBacks.increment()
                    control.withLock { $0.holdBacks += 1 }
                }
                holdingBack = !wanted
                holdBack(rk, wanted: wanted, control: control, logger: logger)
            }
            // One message as soon as there is one, then whatever else is queued without waiting:
            // rd_kafka_consume_batch_queue alone waits its whole timeout for a full batch, which at
            // a trickle added up to 50 ms to every hop of the pipeline.
            guard let first = rd_kafka_consume_queue(queue, wanted ? 50 : 100) else { continue }
            slots[0] = first
            let more = slots.withUnsafeMutableBufferPointer { rd_kafka_consume_batch_queue(queue, 0, $0.baseAddress! + 1, $0.count - 1) }
            let count = 1 + max(0, more)
            var batch: [KafkaConsumerMessage] = []
            batch.reserveCapacity(count)
            let assignments = control.withLock { $0.assignments }
            var last: (rkt: OpaquePointer?, partition: Int32, assignment: UInt64) = (nil, -1, 0)
            for index in 0..<count {
                guard let message = slots[index] else { continue }
                defer { rd_kafka_message_destroy(message) }
                let pointee = message.pointee
                if pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                    var copied = copy(pointee, message, names: topicNames)
                    if pointee.rkt != last.rkt || pointee.partition != last.partition {
                        last = (pointee.rkt, pointee.partition, assignments[copied.topicPartition] ?? 0)
                    }
                    copied.assignment = last.assignment
                    batch.append(copied)
                } else if pointee.err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
                    let topic = pointee.rkt.map { topicNames.name(of: $0) } ?? ""
                    events.yield(.partitionEOF(KafkaTopicPartitionOffset(topic: topic, partition: pointee.partition, offset: pointee.offset)))
                } else {
                    let text = pointee.payload.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: pointee.len), as: UTF8.self) }
                    var error = KafkaError(pointee.err, operation: "consume", detail: text)
                    if pointee.err == RD_KAFKA_RESP_ERR__FATAL { error.isFatal = true }
                    logger.warning("kafka consume error", metadata: ["kafka.error": "\(error)"])
                    events.yield(.error(error))
                    if error.isFatal, failure == nil { failure = error }
                }
            }
            if !batch.isEmpty {
                let admitted = control.withLock { control -> [KafkaConsumerMessage] in
                    guard !control.floors.isEmpty else { return batch }
                    return batch.filter { control.floors.admits($0.topicPartition, timestampMilliseconds: $0.timestampMilliseconds) }
                }
                consumed.increment(by: admitted.count)
                buffer.append(admitted)
            }
            if failure != nil { break polling }
        }
        if let queue { rd_kafka_queue_destroy(queue) }
        let deadline = control.withLock { $0.close(within: closeTimeout) }
        runCommands()
        if !close(rk, commit: commitOnClose && failure == nil, deadline: deadline, logger: logger) {
            control.withLock { $0.leftGroup = false }
            logger.warning("kafka consumer close timed out; destroying it without leaving the group", metadata: [
                "kafka.close_timeout": "\(closeTimeout)",
                "kafka.consequence": "the group drops this member after its session timeout; what was not committed is read again",
            ])
        }
        buffer.finish(failure: failure)
        events.finish()
    }

    /// Commits the stored offsets and leaves the group (`rd_kafka_consumer_close_queue`), serving
    /// the rebalance and commit callbacks this brings, until `deadline`. False when the deadline
    /// came first: the group coordinator could not be reached in time.
    ///
    /// Every step is asynchronous: `rd_kafka_commit` and `rd_kafka_consumer_close` block until the
    /// coordinator answers, and during a network partition that is `socket.timeout.ms` or longer,
    /// past any graceful stop's deadline. (The revoke callback commits asynchronously while closing,
    /// for the same reason; the close waits for those commits.)
    private static func close(_ rk: OpaquePointer, commit: Bool, deadline: ContinuousClock.Instant, logger: Logger) -> Bool {
        if commit {
            let err = rd_kafka_commit(rk, nil, 1)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET {
                logger.warning("kafka commit on close failed", metadata: ["kafka.error": "\(KafkaError(err, operation: "commit offsets"))"])
            }
        }
        guard let queue = rd_kafka_queue_new(rk) else { return false }
        defer { rd_kafka_queue_destroy(queue) }
        if let error = rd_kafka_consumer_close_queue(rk, queue) {
            logger.warning("kafka consumer close failed", metadata: ["kafka.error": "\(KafkaError(consuming: error, operation: "close consumer"))"])
            return true
        }
        while rd_kafka_consumer_closed(rk) == 0 {
            let left = deadline - .now
            guard left > .zero else { return false }
            _ = rd_kafka_queue_poll_callback(queue, Int32(clamping: min(left.milliseconds, 100)))
        }
        return true
    }

    /// Pauses the assigned partitions the application has not paused itself while
    /// the buffer wants no messages; resumes them once it does.
    private static func holdBack(_ rk: OpaquePointer, wanted: Bool, control: LockedBox<Control>, logger: Logger) {
        let change: (pause: [KafkaTopicPartition], resume: [KafkaTopicPartition]) = control.withLock { control in
            if wanted {
                defer { control.heldBack = [] }
                return ([], control.heldBack.subtracting(control.paused).sorted { $0.description < $1.description })
            }
            let more = Set(control.assignments.keys).subtracting(control.paused).subtracting(control.heldBack)
            control.heldBack.formUnion(more)
            return (more.sorted { $0.description < $1.description }, [])
        }
        for (partitions, pause) in [(change.pause, true), (change.resume, false)] where !partitions.isEmpty {
            let positions = partitions.map { KafkaTopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: KafkaTopicPartitionOffset.invalid) }
            _ = try? RDKafkaTopicPartitionList.with(positions) { list in
                let err = pause ? rd_kafka_pause_partitions(rk, list) : rd_kafka_resume_partitions(rk, list)
                if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                    logger.warning(pause ? "kafka pause on a full buffer failed" : "kafka resume after a full buffer failed", metadata: [
                        "kafka.partitions": "\(partitions.map(\.description).joined(separator: ","))",
                        "kafka.error": "\(KafkaError(err, operation: pause ? "pause partitions" : "resume partitions"))",
                    ])
                }
            }
        }
    }

    private static func copy(_ pointee: rd_kafka_message_t, _ message: UnsafeMutablePointer<rd_kafka_message_t>, names: TopicNameCache) -> KafkaConsumerMessage {
        let topic = pointee.rkt.map { names.name(of: $0) } ?? ""
        let value = pointee.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: pointee.len)) } ?? []
        let key = pointee.key.map { Array(UnsafeRawBufferPointer(start: $0, count: pointee.key_len)) }
        var headers: [KafkaHeader] = []
        var list: OpaquePointer?
        if rd_kafka_message_headers(message, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list {
            var index = 0
            var name: UnsafePointer<CChar>?
            var headerValue: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(list, index, &name, &headerValue, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                headers.append(KafkaHeader(
                    key: name.map { String(cString: $0) } ?? "",
                    value: headerValue.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }))
                index += 1
            }
        }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &timestampType)
        return KafkaConsumerMessage(
            topic: topic, partition: pointee.partition, offset: pointee.offset, key: key, value: value,
            headers: headers, timestampMilliseconds: timestamp >= 0 ? timestamp : nil)
    }

    /// Handles librdkafka's rebalance callback on the poll thread: assigns, or
    /// commits stored offsets and drops buffered messages before giving partitions up.
    private static func rebalance(
        _ rk: OpaquePointer, _ err: rd_kafka_resp_err_t, _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>,
        buffer: ConsumerMessageBuffer, control: LockedBox<Control>, events: AsyncStream<KafkaConsumerEvent>.Continuation,
        logger: Logger, groupID: String
    ) {
        let partitions = RDKafkaTopicPartitionList.read(list).map { $0.0.topicPartition }
        let cooperative = String(cString: rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE"
        let metadata: Logger.Metadata = [
            "kafka.group": "\(groupID)",
            "kafka.partitions": "\(partitions.map(\.description).joined(separator: ","))",
        ]
        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            control.withLock { $0.assign(partitions) }
            if cooperative {
                if let error = rd_kafka_incremental_assign(rk, list) {
                    logger.error("kafka incremental assign failed", metadata: metadata.merging(["kafka.error": "\(KafkaError(consuming: error, operation: "assign"))"]) { $1 })
                }
            } else {
                rd_kafka_assign(rk, list)
            }
            // A partition paused by its last assignment here (held, or held back) starts afresh.
            rd_kafka_resume_partitions(rk, list)
            logger.info("kafka partitions assigned", metadata: metadata)
            events.yield(.assigned(partitions))
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            let lost = rd_kafka_assignment_lost(rk) != 0
            buffer.remove(partitions: Set(partitions))
            // From here on no offset of these partitions is stored (storeOffset takes this lock).
            control.withLock { control in
                control.floors.clear(partitions)
                control.unassign(partitions)
            }
            if !lost {
                // Synchronous, so that the partitions' next owner starts where this one ended; while
                // closing, asynchronous (see close(_:commit:deadline:logger:)).
                let closing = control.withLock { $0.closed }
                let commit = rd_kafka_commit(rk, nil, closing ? 1 : 0)
                if commit != RD_KAFKA_RESP_ERR_NO_ERROR && commit != RD_KAFKA_RESP_ERR__NO_OFFSET {
                    logger.warning("kafka commit on revoke failed", metadata: metadata.merging(["kafka.error": "\(KafkaError(commit, operation: "commit"))"]) { $1 })
                }
            }
            if cooperative {
                if let error = rd_kafka_incremental_unassign(rk, list) {
                    logger.error("kafka incremental unassign failed", metadata: metadata.merging(["kafka.error": "\(KafkaError(consuming: error, operation: "unassign"))"]) { $1 })
                }
            } else {
                rd_kafka_assign(rk, nil)
            }
            logger.info(lost ? "kafka partitions lost" : "kafka partitions revoked", metadata: metadata)
            events.yield(lost ? .lost(partitions) : .revoked(partitions))
        default:
            logger.error("kafka rebalance failed", metadata: metadata.merging(["kafka.error": "\(KafkaError(err, operation: "rebalance"))"]) { $1 })
            control.withLock { control in
                let all = Array(control.assignments.keys)
                control.unassign(all)
            }
            rd_kafka_assign(rk, nil)
            events.yield(.error(KafkaError(err, operation: "rebalance")))
        }
    }
}
