import ArgumentParser
import Foundation
import NewsModel

/// `newsflash-bench codec`: what a notifier attempt spends in JSON, with the project's codec
/// (the hand-written `EventCodec.decodeDelivery`; `encodeReceipt` and `WebhookPayload.encoded`,
/// which stream `Codable` into `JSONWriter`) and with Foundation's (`EventCodec.decode`,
/// `encode`, `encodeValue`), side by side in one process, so that the choice between them rests on a figure
/// from the toolchain in use.
struct CodecBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codec",
        abstract: "Decode alerts.delivery, encode alerts.receipt events and webhook bodies with the project's codec and with Foundation's; print ns per event.")

    @Option(help: "Events per round.") var count = 20_000
    @Option(help: "Rounds (the median is reported).") var rounds = 5

    func validate() throws {
        guard (1...1_000_000).contains(count), (1...50).contains(rounds) else { throw ValidationError("--count 1...1000000, --rounds 1...50") }
    }

    func run() throws {
        let delivery = try EventCodec.encode(SampleEvents.deliveryRequest, occurredAt: SampleEvents.fetchedAt)
        let receipt = SampleEvents.deliveryReceipt
        let webhook = WebhookPayload(
            type: .alert, subscriptionId: SampleEvents.deliveryRequest.subscriptionId, sentAt: SampleEvents.fetchedAt,
            alerts: [WebhookPayload.Alert(SampleEvents.deliveryRequest)])
        // Both paths must give the same answers before their speed means anything.
        guard try EventCodec.decodeDelivery(delivery).data == EventCodec.decode(DeliveryRequest.self, from: delivery).data,
              try EventCodec.encodeReceipt(receipt, occurredAt: receipt.attemptedAt) == EventCodec.encode(receipt, occurredAt: receipt.attemptedAt),
              try webhook.encoded() == EventCodec.encodeValue(webhook)
        else { throw ValidationError("the two codecs disagree") }
        print("alerts.delivery: \(delivery.count) bytes; \(count) events a round, \(rounds) rounds, median ns/event")
        let cases: [(String, () throws -> Void)] = [
            ("decode alerts.delivery, hand-written", { _ = try EventCodec.decodeDelivery(delivery) }),
            ("decode alerts.delivery, JSONDecoder", { _ = try EventCodec.decode(DeliveryRequest.self, from: delivery) }),
            ("encode alerts.receipt, JSONWriter", { _ = try EventCodec.encodeReceipt(receipt, occurredAt: receipt.attemptedAt) }),
            ("encode alerts.receipt, JSONEncoder", { _ = try EventCodec.encode(receipt, occurredAt: receipt.attemptedAt) }),
            ("encode webhook body, JSONWriter", { _ = try webhook.encoded() }),
            ("encode webhook body, JSONEncoder", { _ = try EventCodec.encodeValue(webhook) }),
        ]
        for (name, body) in cases {
            var perEvent: [Double] = []
            for _ in 0..<rounds {
                let start = ContinuousClock.now
                for _ in 0..<count { try body() }
                let elapsed = ContinuousClock.now - start
                perEvent.append(Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9)
            }
            let sorted = perEvent.map { $0 / Double(count) }.sorted()
            print("\(name.padding(toLength: 40, withPad: " ", startingAt: 0)) \(String(format: "%8.0f", sorted[sorted.count / 2])) ns  (min \(String(format: "%.0f", sorted[0])), max \(String(format: "%.0f", sorted[sorted.count - 1])))")
        }
    }
}
