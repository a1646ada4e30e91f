internal import CRdKafka
import Logging

/// Creates, deletes and describes topics and reads consumer groups.
///
/// Each request runs on a blocking queue outside Swift's cooperative pool and
/// waits at most ``KafkaAdminConfiguration/requestTimeout``. Call ``close()``
/// when done.
public final class KafkaAdmin: Sendable {
    public let configuration: KafkaAdminConfiguration
    private let handle: RDKafkaHandle
    private let pollThread: PollThread

    public init(configuration: KafkaAdminConfiguration, logger: Logger) throws(KafkaError) {
        self.configuration = configuration
        let handle = try RDKafkaHandle(kind: .producer, properties: configuration.properties(), context: RDKafkaCallbackContext(logger: logger))
        self.handle = handle
        // Serves client-level errors and logs.
        self.pollThread = PollThread(name: "kafka-admin-poll") { thread in
            while !thread.isStopping { rd_kafka_poll(handle.pointer, 100) }
        }
    }

    deinit {
        pollThread.requestStop()
    }

    /// Stops the poll thread and destroys the librdkafka client (its threads are gone when this returns).
    public func close() async {
        pollThread.requestStop()
        await pollThread.join()
        await handle.destroyOffPool()
    }

    private var timeoutMilliseconds: Int32 { Int32(clamping: configuration.requestTimeout.milliseconds) }

    /// Waits until a broker answers a metadata request.
    /// - Throws: ``KafkaError`` with code ``KafkaError/Code/incompatibleLibrary`` and the fix
    ///   when the librdkafka in use cannot talk to the broker, else the transport error.
    public func waitUntilReachable(timeout: Duration = .seconds(15)) async throws(KafkaError) {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            do {
                _ = try await metadata(allTopics: false, timeout: min(.seconds(1), timeout))
                return
            } catch {
                // An old librdkafka never gets through: say so at once instead of waiting out the timeout.
                if error.code == .incompatibleLibrary || clock.now >= deadline { throw error }
            }
        }
    }

    /// All topics, sorted by name. Internal topics (`__…`) are left out unless asked for.
    public func listTopics(includeInternal: Bool = false) async throws(KafkaError) -> [KafkaTopicDescription] {
        try await metadata(allTopics: true, timeout: configuration.requestTimeout)
            .filter { includeInternal || !$0.name.hasPrefix("__") }
            .sorted { $0.name < $1.name }
    }

    /// These topics with their partitions and configuration.
    /// - Throws: ``KafkaError/Code/unknownTopicOrPartition`` for a topic that does not exist.
    public func describeTopics(_ names: [String]) async throws(KafkaError) -> [KafkaTopicDescription] {
        let all = try await metadata(allTopics: true, timeout: configuration.requestTimeout)
        var result: [KafkaTopicDescription] = []
        for name in names {
            guard var topic = all.first(where: { $0.name == name }) else {
                throw KafkaError(code: .unknownTopicOrPartition, operation: "describe topic \(name)", message: "no topic named \(name)")
            }
            topic.configs = try await topicConfigs(name)
            result.append(topic)
        }
        return result
    }

    /// Creates topics; a topic that exists already counts as success (``KafkaTopicCreation/alreadyExisted``).
    public func createTopics(_ topics: [KafkaTopicSpecification]) async throws(KafkaError) -> [String: KafkaTopicCreation] {
        guard !topics.isEmpty else { return [:] }
        let handle = self.handle
        let timeout = timeoutMilliseconds
        return try await handle.blocking("create topics") { _ throws(KafkaError) in
            var newTopics: [OpaquePointer?] = []
            defer { for topic in newTopics { rd_kafka_NewTopic_destroy(topic) } }
            for spec in topics {
                var errorBuffer = [CChar](repeating: 0, count: 512)
                guard let topic = rd_kafka_NewTopic_new(spec.name, spec.partitions, spec.replicationFactor, &errorBuffer, errorBuffer.count) else {
                    throw KafkaError(code: .invalidArgument, operation: "create topic \(spec.name)", message: String(cBuffer: errorBuffer))
                }
                newTopics.append(topic)
                for (key, value) in spec.configs.sorted(by: { $0.key < $1.key }) {
                    let err = rd_kafka_NewTopic_set_config(topic, key, value)
                    guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, operation: "create topic \(spec.name)", detail: key) }
                }
            }
            return try KafkaAdmin.request(handle, RD_KAFKA_ADMIN_OP_CREATETOPICS, "create topics", timeout: timeout) { rk, options, queue in
                newTopics.withUnsafeMutableBufferPointer { rd_kafka_CreateTopics(rk, $0.baseAddress, $0.count, options, queue) }
            } read: { event throws(KafkaError) in
                var outcome: [String: KafkaTopicCreation] = [:]
                for result in KafkaAdmin.results({ rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), $0) }) {
                    let name = String(cString: rd_kafka_topic_result_name(result))
                    switch rd_kafka_topic_result_error(result) {
                    case RD_KAFKA_RESP_ERR_NO_ERROR: outcome[name] = .created
                    case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS: outcome[name] = .alreadyExisted
                    case let err:
                        throw KafkaError(err, operation: "create topic \(name)", detail: rd_kafka_topic_result_error_string(result).map { String(cString: $0) })
                    }
                }
                return outcome
            }
        }
    }

    /// Deletes topics; a topic that does not exist is not an error.
    public func deleteTopics(_ names: [String]) async throws(KafkaError) {
        guard !names.isEmpty else { return }
        let handle = self.handle
        let timeout = timeoutMilliseconds
        try await handle.blocking("delete topics") { _ throws(KafkaError) in
            var deletions: [OpaquePointer?] = names.map { rd_kafka_DeleteTopic_new($0) }
            defer { for deletion in deletions { rd_kafka_DeleteTopic_destroy(deletion) } }
            try KafkaAdmin.request(handle, RD_KAFKA_ADMIN_OP_DELETETOPICS, "delete topics", timeout: timeout) { rk, options, queue in
                deletions.withUnsafeMutableBufferPointer { rd_kafka_DeleteTopics(rk, $0.baseAddress, $0.count, options, queue) }
            } read: { event throws(KafkaError) in
                for result in KafkaAdmin.results({ rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(event), $0) }) {
                    let err = rd_kafka_topic_result_error(result)
                    guard err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART else {
                        throw KafkaError(err, operation: "delete topic \(String(cString: rd_kafka_topic_result_name(result)))")
                    }
                }
            }
        }
    }

    /// A topic's configuration as the broker reports it.
    public func topicConfigs(_ name: String) async throws(KafkaError) -> [String: String] {
        let handle = self.handle
        let timeout = timeoutMilliseconds
        return try await handle.blocking("describe topic configs") { _ throws(KafkaError) in
            var resources: [OpaquePointer?] = [rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name)]
            defer { rd_kafka_ConfigResource_destroy(resources[0]) }
            return try KafkaAdmin.request(handle, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, "describe configs of \(name)", timeout: timeout) { rk, options, queue in
                resources.withUnsafeMutableBufferPointer { rd_kafka_DescribeConfigs(rk, $0.baseAddress, $0.count, options, queue) }
            } read: { event throws(KafkaError) in
                var configs: [String: String] = [:]
                for resource in KafkaAdmin.results({ rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(event), $0) }) {
                    let err = rd_kafka_ConfigResource_error(resource)
                    guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, operation: "describe configs of \(name)") }
                    for entry in KafkaAdmin.results({ rd_kafka_ConfigResource_configs(resource, $0) }) {
                        guard let value = rd_kafka_ConfigEntry_value(entry) else { continue }
                        configs[String(cString: rd_kafka_ConfigEntry_name(entry))] = String(cString: value)
                    }
                }
                return configs
            }
        }
    }

    /// The low and high watermarks of a partition: the first offset still kept and the next to be written.
    public func watermarks(for partition: KafkaTopicPartition) async throws(KafkaError) -> (low: Int64, high: Int64) {
        let handle = self.handle
        let timeout = timeoutMilliseconds
        return try await handle.blocking("query watermarks") { _ throws(KafkaError) in try handle.queryWatermarks(partition, timeoutMilliseconds: timeout) }
    }

    /// The consumer groups the brokers know, sorted by name.
    public func listGroups() async throws(KafkaError) -> [KafkaGroupDescription] {
        let handle = self.handle
        let timeout = timeoutMilliseconds
        return try await handle.blocking("list groups") { _ throws(KafkaError) in
            var list: UnsafePointer<rd_kafka_group_list>?
            let err = rd_kafka_list_groups(handle.pointer, nil, &list, timeout)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { throw handle.unreachableError("list groups", err) }
            defer { rd_kafka_group_list_destroy(list) }
            return (0..<Int(list.pointee.group_cnt)).map { index in
                let group = list.pointee.groups[index]
                func text(_ pointer: UnsafeMutablePointer<CChar>?) -> String { pointer.map { String(cString: $0) } ?? "" }
                let protocolType = text(group.protocol_type)
                return KafkaGroupDescription(
                    name: text(group.group), state: text(group.state), protocolType: protocolType,
                    assignmentProtocol: text(group.protocol),
                    members: (0..<Int(group.member_cnt)).map { index in
                        let member = group.members[index]
                        var assignment: [KafkaTopicPartition] = []
                        if protocolType == "consumer", let bytes = member.member_assignment, member.member_assignment_size > 0 {
                            let raw = UnsafeRawBufferPointer(start: bytes, count: Int(member.member_assignment_size))
                            assignment = KafkaGroupDescription.Member.consumerAssignment(Array(raw)) ?? []
                        }
                        return KafkaGroupDescription.Member(
                            id: text(member.member_id), clientID: text(member.client_id), host: text(member.client_host), assignment: assignment)
                    })
            }.sorted { $0.name < $1.name }
        }
    }

    /// A group's committed offsets: for `partitions`, or for every partition it committed when `nil`.
    public func groupOffsets(_ group: String, partitions: [KafkaTopicPartition]? = nil) async throws(KafkaError) -> [KafkaTopicPartitionOffset] {
        let handle = self.handle
        let timeout = timeoutMilliseconds
        return try await handle.blocking("read group offsets") { _ throws(KafkaError) in
            func submit(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) throws(KafkaError) -> [KafkaTopicPartitionOffset] {
                var requests: [OpaquePointer?] = [rd_kafka_ListConsumerGroupOffsets_new(group, list)]
                defer { rd_kafka_ListConsumerGroupOffsets_destroy(requests[0]) }
                return try KafkaAdmin.request(handle, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, "list offsets of group \(group)", timeout: timeout) { rk, options, queue in
                    requests.withUnsafeMutableBufferPointer { rd_kafka_ListConsumerGroupOffsets(rk, $0.baseAddress, $0.count, options, queue) }
                } read: { event throws(KafkaError) in
                    try KafkaAdmin.groupPositions(
                        KafkaAdmin.results { rd_kafka_ListConsumerGroupOffsets_result_groups(rd_kafka_event_ListConsumerGroupOffsets_result(event), $0) },
                        operation: "list offsets of group \(group)"
                    ) { list, _ in RDKafkaTopicPartitionList.read(list).map(\.0) }
                }
            }
            guard let partitions else { return try submit(nil) }
            return try RDKafkaTopicPartitionList.with(partitions.map { KafkaTopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: KafkaTopicPartitionOffset.invalid) }) { list throws(KafkaError) in
                try submit(list)
            }
        }
    }

    /// Sets a group's committed offsets (the group must have no members: the broker refuses a
    /// change under a live group's feet). Returns the offsets as committed.
    public func alterGroupOffsets(_ group: String, to positions: [KafkaTopicPartitionOffset]) async throws(KafkaError) -> [KafkaTopicPartitionOffset] {
        let handle = self.handle
        let timeout = timeoutMilliseconds
        let operation = "set the offsets of group \(group)"
        return try await handle.blocking("alter group offsets") { _ throws(KafkaError) in
            try RDKafkaTopicPartitionList.with(positions) { list throws(KafkaError) in
                var requests: [OpaquePointer?] = [rd_kafka_AlterConsumerGroupOffsets_new(group, list)]
                defer { rd_kafka_AlterConsumerGroupOffsets_destroy(requests[0]) }
                return try KafkaAdmin.request(handle, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, operation, timeout: timeout) { rk, options, queue in
                    requests.withUnsafeMutableBufferPointer { rd_kafka_AlterConsumerGroupOffsets(rk, $0.baseAddress, $0.count, options, queue) }
                } read: { event throws(KafkaError) in
                    try KafkaAdmin.groupPositions(
                        KafkaAdmin.results { rd_kafka_AlterConsumerGroupOffsets_result_groups(rd_kafka_event_AlterConsumerGroupOffsets_result(event), $0) },
                        operation: operation, read: RDKafkaTopicPartitionList.positions)
                }
            }
        }
    }

    // MARK: Requests

    private func metadata(allTopics: Bool, timeout: Duration) async throws(KafkaError) -> [KafkaTopicDescription] {
        let handle = self.handle
        return try await handle.blocking("read cluster metadata") { _ throws(KafkaError) in
            var metadata: UnsafePointer<rd_kafka_metadata>?
            let err = rd_kafka_metadata(handle.pointer, allTopics ? 1 : 0, nil, &metadata, Int32(clamping: timeout.milliseconds))
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else { throw handle.unreachableError("read cluster metadata", err) }
            defer { rd_kafka_metadata_destroy(metadata) }
            return (0..<Int(metadata.pointee.topic_cnt)).map { index in
                let topic = metadata.pointee.topics[index]
                let partitions = (0..<Int(topic.partition_cnt)).map { partitionIndex in
                    let partition = topic.partitions[partitionIndex]
                    return KafkaTopicDescription.Partition(
                        id: partition.id, leader: partition.leader,
                        replicas: Array(UnsafeBufferPointer(start: partition.replicas, count: Int(partition.replica_cnt))),
                        inSyncReplicas: Array(UnsafeBufferPointer(start: partition.isrs, count: Int(partition.isr_cnt))))
                }.sorted { $0.id < $1.id }
                return KafkaTopicDescription(name: String(cString: topic.topic), partitions: partitions, configs: [:])
            }
        }
    }

    /// The elements of an array that a librdkafka result accessor returns with its count
    /// (`rd_kafka_CreateTopics_result_topics(result, &count)` and the like).
    private static func results(_ accessor: (UnsafeMutablePointer<Int>) -> UnsafeMutablePointer<OpaquePointer?>?) -> [OpaquePointer] {
        var count = 0
        guard let array = accessor(&count) else { return [] }
        return (0..<count).compactMap { array[$0] }
    }

    /// The positions in a group offsets request's group results, sorted, or the first group's error.
    private static func groupPositions(
        _ groups: [OpaquePointer], operation: String,
        read: (UnsafePointer<rd_kafka_topic_partition_list_t>, String) throws(KafkaError) -> [KafkaTopicPartitionOffset]
    ) throws(KafkaError) -> [KafkaTopicPartitionOffset] {
        var positions: [KafkaTopicPartitionOffset] = []
        for result in groups {
            if let error = rd_kafka_group_result_error(result) {
                throw KafkaError(code: .init(rawValue: rd_kafka_error_code(error).rawValue), operation: operation, message: String(cString: rd_kafka_error_string(error)))
            }
            if let list = rd_kafka_group_result_partitions(result) {
                positions += try read(list, operation)
            }
        }
        return positions.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
    }

    /// Submits one admin request on a private queue and reads its result event.
    private static func request<T>(
        _ handle: RDKafkaHandle, _ op: rd_kafka_admin_op_t, _ operation: String, timeout: Int32,
        submit: (OpaquePointer, OpaquePointer, OpaquePointer) -> Void,
        read: (OpaquePointer) throws(KafkaError) -> T
    ) throws(KafkaError) -> T {
        let queue = rd_kafka_queue_new(handle.pointer)!
        defer { rd_kafka_queue_destroy(queue) }
        let options = rd_kafka_AdminOptions_new(handle.pointer, op)!
        defer { rd_kafka_AdminOptions_destroy(options) }
        var errorBuffer = [CChar](repeating: 0, count: 512)
        _ = rd_kafka_AdminOptions_set_request_timeout(options, timeout, &errorBuffer, errorBuffer.count)
        if op == RD_KAFKA_ADMIN_OP_CREATETOPICS || op == RD_KAFKA_ADMIN_OP_DELETETOPICS {
            _ = rd_kafka_AdminOptions_set_operation_timeout(options, timeout, &errorBuffer, errorBuffer.count)
        }
        submit(handle.pointer, options, queue)
        guard let event = rd_kafka_queue_poll(queue, timeout + 5_000) else {
            throw KafkaError(code: .timedOut, operation: operation, message: "no answer within \(timeout) ms", isRetriable: true)
        }
        defer { rd_kafka_event_destroy(event) }
        let err = rd_kafka_event_error(event)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            if err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__TRANSPORT {
                throw handle.unreachableError(operation, err)
            }
            throw KafkaError(err, operation: operation, detail: rd_kafka_event_error_string(event).map { String(cString: $0) })
        }
        return try read(event)
    }
}
