import Foundation
import NewsModel
import RdKafka

/// How operator tools show a Kafka message.
enum MessagePrinter {
    /// `topic[partition]@offset 2026-11-29T08:00:00.000Z key=… value`
    static func text(_ message: KafkaConsumerMessage) -> String {
        var line = "\(message.topic)[\(message.partition)]@\(message.offset)"
        if let timestamp = message.timestampMilliseconds {
            line += " " + RFC3339Time.format(Date(timeIntervalSince1970: Double(timestamp) / 1000))
        }
        if let key = message.keyString { line += " key=\(key)" }
        return line + " " + String(decoding: message.value, as: UTF8.self)
    }

    /// One JSON object; a value that is JSON is embedded as JSON, else as a string.
    static func json(_ message: KafkaConsumerMessage) -> String {
        var object: [String: Any] = [
            "topic": message.topic, "partition": Int(message.partition), "offset": Int(message.offset),
            "headers": Dictionary(message.headers.map { ($0.key, $0.value.map { String(decoding: $0, as: UTF8.self) } ?? "") }) { _, last in last },
        ]
        if let timestamp = message.timestampMilliseconds {
            object["timestamp"] = RFC3339Time.format(Date(timeIntervalSince1970: Double(timestamp) / 1000))
        }
        if let key = message.keyString { object["key"] = key }
        if let value = try? JSONSerialization.jsonObject(with: Data(message.value), options: [.fragmentsAllowed]) {
            object["value"] = value
        } else {
            object["value"] = String(decoding: message.value, as: UTF8.self)
        }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return "{}"
        }
        return String(decoding: data, as: UTF8.self)
    }
}
