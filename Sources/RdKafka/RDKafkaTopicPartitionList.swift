internal import CRdKafka

/// Conversions between Swift partition lists and `rd_kafka_topic_partition_list_t`.
enum RDKafkaTopicPartitionList {
    /// Calls `body` with a new C list holding `positions`, destroyed afterwards.
    static func with<T>(_ positions: [KafkaTopicPartitionOffset], _ body: (UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) throws(KafkaError) -> T) throws(KafkaError) -> T {
        let list = rd_kafka_topic_partition_list_new(Int32(clamping: positions.count))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for position in positions {
            let element = rd_kafka_topic_partition_list_add(list, position.topic, position.partition)!
            element.pointee.offset = position.offset
        }
        return try body(list)
    }

    /// The positions in a C list, with each element's error.
    static func read(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> [(KafkaTopicPartitionOffset, rd_kafka_resp_err_t)] {
        (0..<Int(list.pointee.cnt)).map { index in
            let element = list.pointee.elems[index]
            return (
                KafkaTopicPartitionOffset(topic: String(cString: element.topic), partition: element.partition, offset: element.offset),
                element.err
            )
        }
    }

    /// The positions, throwing the first per-partition error.
    static func positions(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>, operation: String) throws(KafkaError) -> [KafkaTopicPartitionOffset] {
        var result: [KafkaTopicPartitionOffset] = []
        for (position, err) in read(list) {
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError(err, operation: operation, detail: position.topicPartition.description)
            }
            result.append(position)
        }
        return result
    }
}
