import NewsModel
import Pipeline
import RdKafka
import SubscriptionStore

/// Feeds the delivery log: stores every `alerts.receipt` from `alerts.receipts`
/// in the subscription store (once per receipt id), where
/// `GET /v1/subscriptions/{id}/deliveries` reads it.
public struct ReceiptRecorder: StageProcessor {
    public let store: any DeliveryLog

    public init(store: any DeliveryLog) {
        self.store = store
    }

    public func process(_ message: KafkaConsumerMessage) async throws(StageError) -> [StageOutput] {
        let receipt: DeliveryReceipt
        do {
            receipt = try EventCodec.decode(DeliveryReceipt.self, from: message.value).data
        } catch {
            throw StageError(.poison, "not an alerts.receipt v1 event: \(error.message)")
        }
        do {
            try await store.recordReceipt(receipt)
        } catch {
            throw StageError(.transient, "subscription store: \(error)")
        }
        return []
    }
}
