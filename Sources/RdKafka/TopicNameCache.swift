internal import CRdKafka

/// Topic names by librdkafka topic handle, so that hot paths (delivery reports,
/// consumed messages) do not build a new `String` per message. librdkafka keeps
/// a topic handle alive as long as the client uses the topic.
final class TopicNameCache: Sendable {
    private let names = LockedBox([UInt: String]())

    func name(of topic: OpaquePointer) -> String {
        let key = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(topic)))
        if let name = names.withLock({ $0[key] }) { return name }
        let name = String(cString: rd_kafka_topic_name(topic))
        names.withLock { $0[key] = name }
        return name
    }
}
