import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import NewsModel
import Notifier
import RdKafka
import SubscriptionStore
import Subscriptions
import Synchronization

/// Signed webhook deliveries per second through the notifier's delivery path
/// (decode the alerts.delivery, look up the subscription, sign, POST over
/// keep-alive connections, classify the answer, build the receipt) to a local
/// receiver process that verifies every signature.
struct WebhookBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks",
        abstract: "Signed webhook deliveries per second to a local keep-alive receiver (a second process) that verifies them.")

    @Option(help: "Seconds to measure.") var seconds: Double = 10
    @Option(help: "Deliveries in flight.") var concurrency = 256
    @Option(help: "Subscriptions (endpoints on the receiver) the deliveries go to.") var subscriptions = 50
    /// 8 (the notifier's default): 50 endpoints x 8 is more connections than deliveries in flight, so
    /// none waits in AsyncHTTPClient's pool queue, which cost about 15% more CPU per delivery at 4.
    @Option(help: "Keep-alive connections per endpoint.") var connectionsPerEndpoint = 8
    @Option(help: "Use a receiver already listening on this port instead of starting one.") var receiverPort: Int?
    @Flag(help: "Store the signing secrets in plain text, as rows from before sealing: the baseline of sealed secrets' cost.")
    var plainSecrets = false

    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    func run() async throws {
        var logger = Logger(label: "webhook-bench")
        logger.logLevel = .error
        var child: Process?
        let port: Int
        if let receiverPort {
            port = receiverPort
        } else {
            let portFile = FileManager.default.temporaryDirectory.appendingPathComponent("webhook-bench-\(UUID().uuidString).port")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
            process.arguments = ["webhook-receiver", "--port-file", portFile.path]
            try process.run()
            child = process
            port = try await Self.waitForPort(portFile)
        }
        defer { child?.terminate() }

        let store = try SQLiteSubscriptionStore(path: ":memory:")
        // Sealed as in production: each delivery opens its secret.
        let keys = SecretKeySource(try SecretKeyring(text: SecretKeyring.newKeyLine()))
        var ids: [String] = []
        for index in 0..<subscriptions {
            var subscription = Subscription(name: "bench \(index)", filter: "region:MENA", channel: .webhook(url: "http://127.0.0.1:\(port)/hook/\(index)"))
            subscription.secrets = [
                plainSecrets
                    ? Subscription.SigningSecret(legacySecret: Self.secret)
                    : Subscription.SigningSecret(sealed: keys.keyring.seal(Self.secret, for: .signingSecret(subscription.id)))
            ]
            try await store.save(subscription)
            ids.append(subscription.id)
        }
        var configuration = WebhookSender.Configuration()
        configuration.policy = .allowLoopback
        configuration.connectionsPerEndpoint = connectionsPerEndpoint
        let sender = WebhookSender(configuration: configuration, logger: logger)
        let mirror = SubscriptionMirror(store: store, logger: logger)
        try await mirror.refresh()
        let processor = WebhookProcessor(
            channel: WebhookChannel(sender: sender, gate: EndpointGate(limit: 1_000_000), keys: keys), mirror: mirror, store: store, logger: logger)
        // One delivery per (subscription, story): 2,000 distinct messages, cycled.
        let messages: [KafkaConsumerMessage] = try (0..<2_000).map { index in
            let subscriptionID = ids[index % ids.count]
            var item = SampleEvents.classifiedItem
            item.item.storyId = StableID.make(prefix: "sty", ["bench", String(index)])
            let request = DeliveryRequest.init(
                deliveryId: DeliveryRequest.makeDeliveryID(subscriptionID: subscriptionID, storyID: item.item.storyId, version: 1),
                subscriptionId: subscriptionID, channel: .webhook, storyId: item.item.storyId, version: 1, isUpdate: false, isReplay: false,
                item: item, match: MatchExplanation(filter: "region:MENA", matchedTerms: ["region:mena"]), createdAt: Date())
            return KafkaConsumerMessage(
                topic: Topics.alertsDeliveries, partition: 0, offset: Int64(index), key: Array(subscriptionID.utf8),
                value: try EventCodec.encode(request, occurredAt: Date()), headers: [], timestampMilliseconds: nil)
        }
        // Warm up: open the connections.
        for message in messages.prefix(ids.count) { _ = try await processor.process(message) }
        let before = try await Self.receiverCount(port)

        let counters = Counters()
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    while ContinuousClock.now < deadline {
                        let index = counters.next.add(1, ordering: .relaxed).newValue
                        let outputs = try await processor.process(messages[index % messages.count])
                        // A delivered attempt yields its receipt alone (a failure adds a retry or a dead letter).
                        let delivered = outputs.count == 1 && Self.isDelivered(outputs[0].value)
                        if delivered { counters.delivered.add(1, ordering: .relaxed) } else { counters.failed.add(1, ordering: .relaxed) }
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let after = try await Self.receiverCount(port)
        await sender.shutdown()
        let count = counters.delivered.load(ordering: .relaxed)
        print("webhook deliveries: \(Int((Double(count) / seconds).rounded())) per second (\(count) delivered, \(counters.failed.load(ordering: .relaxed)) failed in \(String(format: "%.2f", seconds)) s, \(concurrency) in flight, \(subscriptions) endpoints, \(plainSecrets ? "plain-text" : "sealed") secrets)")
        print("receiver verified: \(after.verified - before.verified), rejected: \(after.rejected - before.rejected)")
    }

    private static let deliveredOutcome = Array(#""outcome":"delivered""#.utf8)

    /// The receipt says `delivered`. A plain scan: Foundation's generic `firstRange(of:)` cost the
    /// measuring loop 4% of the sender's CPU.
    static func isDelivered(_ receipt: [UInt8]) -> Bool {
        let needle = deliveredOutcome
        guard receipt.count >= needle.count else { return false }
        for start in 0...(receipt.count - needle.count) where receipt[start] == needle[0] {
            if receipt[start..<start + needle.count].elementsEqual(needle) { return true }
        }
        return false
    }

    static func waitForPort(_ file: URL) async throws -> Int {
        for _ in 0..<400 {
            if let text = try? String(contentsOf: file, encoding: .utf8), let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) { return port }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw ValidationError("the receiver did not start")
    }

    static func receiverCount(_ port: Int) async throws -> (verified: Int, rejected: Int) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/count"), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1024)
        let parts = String(buffer: body).split(separator: " ").compactMap { Int($0) }
        return (parts.first ?? 0, parts.last ?? 0)
    }
}

final class Counters: Sendable {
    let delivered = Atomic<Int>(0)
    let failed = Atomic<Int>(0)
    let next = Atomic<Int>(0)
}
