import NewsModel
import RdKafka

extension EventHeaders {
    /// The Kafka headers for an event of type `Payload`.
    static func kafkaHeaders<Payload: NewsEvent>(for type: Payload.Type, traceparent: String? = nil) -> [KafkaHeader] {
        KafkaHeader.list(values(for: type, traceparent: traceparent))
    }
}
