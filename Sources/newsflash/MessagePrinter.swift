import Foundation
import MatchStage
import NewsModel
import RdKafka

/// How operator tools show a Kafka message.
enum MessagePrinter {
    /// `topic[partition]@offset 2026-11-29T08:00:00.000Z key=…` and the event, decoded by its type
    /// (a dead letter with the delivery it carried and every attempt, on indented lines); a message
    /// that is not a pipeline event as it is.
    static func decoded(_ message: KafkaConsumerMessage) -> String {
        var head = "\(message.topic)[\(message.partition)]@\(message.offset)"
        if let timestamp = message.timestampMilliseconds {
            head += " " + RFC3339Time.format(Date(timeIntervalSince1970: Double(timestamp) / 1000))
        }
        if let key = message.keyString { head += " key=\(key)" }
        func tags(_ item: ClassifiedItem) -> String {
            "regions=\(item.regions.map(\.label).joined(separator: ",")) topics=\(item.topics.map(\.label).joined(separator: ",")) urgency=\(item.urgency.rawValue)"
        }
        switch TopicEvents.eventType(of: message) {
        case NewsItem.eventType:
            if let item = try? EventCodec.decode(NewsItem.self, from: message.value).data {
                return "\(head) news.item \(item.itemId) source=\(item.sourceId) \"\(item.title)\""
            }
        case ClassifiedItem.eventType:
            if let item = try? EventCodec.decode(ClassifiedItem.self, from: message.value).data {
                return "\(head) news.classified \(item.item.itemId) \(tags(item)) \"\(item.item.title)\""
            }
        case DeliveryRequest.eventType:
            if let request = try? EventCodec.decode(DeliveryRequest.self, from: message.value).data {
                let flags = [request.isUpdate ? "update" : nil, request.isReplay ? "replay" : nil,
                             request.notBefore.map { "not before \(RFC3339Time.format($0))" }].compactMap { $0 }
                return "\(head) alerts.delivery \(request.deliveryId) \(request.subscriptionId) \(request.channel.rawValue) "
                    + "attempts=\(request.attempts.count)\(flags.isEmpty ? "" : " (\(flags.joined(separator: ", ")))") \"\(request.item.item.title)\""
            }
        case DeliveryReceipt.eventType:
            if let receipt = try? EventCodec.decode(DeliveryReceipt.self, from: message.value).data {
                return "\(head) alerts.receipt \(receipt.eventID) \(receipt.subscriptionId) \(receipt.outcome.rawValue)"
                    + (receipt.statusCode.map { " HTTP \($0)" } ?? "") + (receipt.error.map { ": \($0)" } ?? "")
            }
        case DeadLetter.eventType:
            if let letter = try? EventCodec.decode(DeadLetter.self, from: message.value).data {
                var lines = ["\(head) alerts.dead-letter \(letter.eventID) \(letter.reason.rawValue): \(letter.error)"]
                if let request = letter.delivery {
                    lines.append("  delivery \(request.deliveryId) to \(request.subscriptionId) (\(request.channel.rawValue)): \(tags(request.item)) \"\(request.item.item.title)\"")
                } else {
                    lines.append("  original (\(letter.payloadEncoding.rawValue)): \(letter.payload.prefix(300))")
                }
                for attempt in letter.attempts {
                    lines.append("  attempt \(attempt.attempt) \(RFC3339Time.format(attempt.at)) \(attempt.outcome.rawValue)"
                        + (attempt.statusCode.map { " HTTP \($0)" } ?? "") + (attempt.error.map { ": \($0)" } ?? ""))
                }
                return lines.joined(separator: "\n")
            }
        default:
            break
        }
        return text(message)
    }

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
            // A dead letter's original event, as JSON beside the text the letter keeps it in.
            if let letter = (value as? [String: Any])?["data"] as? [String: Any], letter["payloadEncoding"] as? String == "utf8",
               let payload = letter["payload"] as? String, let original = try? JSONSerialization.jsonObject(with: Data(payload.utf8)) {
                object["original"] = original
            }
        } else {
            object["value"] = String(decoding: message.value, as: UTF8.self)
        }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return "{}"
        }
        return String(decoding: data, as: UTF8.self)
    }
}
