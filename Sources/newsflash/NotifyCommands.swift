import ArgumentParser
import Foundation
import Logging
import NewsModel
import Notifier
import Pipeline
import RdKafka
import ServiceLifecycle

/// Settings every notifier shares.
struct NotifierOptions: ParsableArguments {
    @Option(help: "Deliveries in flight at once, per consumed topic.")
    var window = 512

    @Option(help: "Disable an endpoint or address that has failed without a success for this many days.")
    var disableAfterDays: Double = 5

    func validate() throws {
        guard window > 0 else { throw ValidationError("--window must be positive") }
        guard disableAfterDays > 0 else { throw ValidationError("--disable-after-days must be positive") }
    }
}

extension RunCommand {
    struct NotifyWebhook: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "notify-webhook",
            abstract: "Deliver alerts.deliveries to webhook subscriptions, signed (Standard Webhooks), with retries through the alerts.retry.* delay topics.",
            discussion: """
                Every attempt publishes a receipt to alerts.receipts; a delivery whose retries are exhausted goes to alerts.dlq \\
                with its attempt history. Webhook hosts are resolved once and every address is checked: loopback, private, \\
                link-local, CGNAT, multicast, IPv4-mapped/NAT64 and metadata addresses are refused unless --allow-address \\
                (or NEWSFLASH_WEBHOOK_ALLOW, comma-separated) lists them. Scale by running more copies.
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var files: SubscriptionFiles
        @OptionGroup var notifier: NotifierOptions
        @OptionGroup var observability: ObservabilityOptions

        @Option(help: "Consumer group of alerts.deliveries (delay topics use <group>.<topic>).")
        var group = "newsflash-notify-webhook"

        @Option(help: "Allow webhook addresses in this CIDR range though the SSRF policy refuses them (e.g. 127.0.0.0/8 for a local demo). Repeatable.")
        var allowAddress: [String] = []

        @Option(help: "Seconds to wait for a connection.")
        var connectTimeout: Double = 5

        @Option(help: "Seconds for a whole attempt, from connecting to the end of the response.")
        var timeout: Double = 15

        @Option(help: "Deliveries in flight to one endpoint; more are deferred 5 s without an attempt.")
        var perEndpoint = 64

        @Option(help: "Keep-alive connections to one endpoint.")
        var connectionsPerEndpoint = 8

        func validate() throws {
            for range in allowedRanges where AddressPolicy.Range(range) == nil {
                throw ValidationError("--allow-address \(range) is not a CIDR range such as 127.0.0.0/8 or ::1/128")
            }
            guard connectTimeout > 0, timeout > 0, perEndpoint > 0, connectionsPerEndpoint > 0 else {
                throw ValidationError("timeouts and limits must be positive")
            }
        }

        var allowedRanges: [String] {
            allowAddress + (ProcessInfo.processInfo.environment["NEWSFLASH_WEBHOOK_ALLOW"] ?? "").split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            }.filter { !$0.isEmpty }
        }

        func run() async throws {
            let logger = global.makeLogger("newsflash.notify-webhook")
            let admin = try await global.connectedAdmin(logger: logger)
            await admin.close()
            let store = try files.open()
            let cache = SubscriptionCache(store: store, logger: logger)
            try await cache.refresh()
            var senderConfiguration = WebhookSender.Configuration()
            senderConfiguration.connectTimeout = .milliseconds(Int64(connectTimeout * 1000))
            senderConfiguration.totalTimeout = .milliseconds(Int64(timeout * 1000))
            senderConfiguration.connectionsPerEndpoint = connectionsPerEndpoint
            senderConfiguration.policy = AddressPolicy(allowed: allowedRanges)
            let sender = WebhookSender(configuration: senderConfiguration, logger: logger)
            var settings = WebhookProcessor.Settings()
            settings.disableAfter = notifier.disableAfterDays * 86_400
            let processor = WebhookProcessor(
                cache: cache, store: store, sender: sender, gate: EndpointGate(limit: perEndpoint), settings: settings, logger: logger)
            let client = global.kafkaClient("newsflash-notify-webhook")
            let producer = try KafkaProducer.make(configuration: KafkaProducerConfiguration(client: client), logger: logger)
            let stage = try NotifierStage(
                name: "notify-webhook", client: client, group: group, producer: producer, processor: processor, window: notifier.window, logger: logger)
            let digests = DigestRunner(channel: .webhook, store: store, cache: cache, producer: producer, flow: DeliveryFlow(), logger: logger) {
                await processor.sendDigest($0, $1, at: $2)
            }
            let metrics = Observability.server(observability, checks: [
                Observability.brokerCheck(global.kafkaClient("newsflash-notify-webhook-health"), logger: logger),
                Observability.storeCheck { _ = try await store.count(ownedBy: "") },
            ], logger: logger)
            let extra: [any Service] = [PeriodicTask(name: "subscriptions refresh", logger: logger) { try await cache.refresh() }, digests]
                + (metrics.map { [$0] } ?? [])
            let group = ServiceGroup(configuration: ServiceGroupConfiguration(
                services: stage.services(producer: producer, extra: extra).map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            logger.info("notify-webhook running", metadata: ["kafka.group": "\(self.group)", "allowed": "\(allowedRanges)"])
            try await group.run()
            await sender.shutdown()
        }
    }
}
