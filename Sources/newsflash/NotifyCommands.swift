import ArgumentParser
import Foundation
import Mailer
import Notifier

/// Settings every notifier shares.
struct NotifierOptions: ParsableArguments {
    @Option(help: "Deliveries in flight at once, per consumed topic.")
    var window = 512

    @Option(help: "Disable an endpoint or address that has failed without a success for this many days.")
    var disableAfterDays: Double = 5

    @Option(help: "Multiply every retry delay (5 s, 5 min, … 10 h) and the Retry-After bounds by this; 0.001 runs the whole schedule in about a minute, for chaos and load tests. Keep 1 in production.")
    var retryScale: Double = 1

    func validate() throws {
        guard window > 0 else { throw ValidationError("--window must be positive") }
        guard disableAfterDays > 0 else { throw ValidationError("--disable-after-days must be positive") }
        guard retryScale > 0, retryScale <= 1 else { throw ValidationError("--retry-scale must be above 0 and at most 1") }
    }

    /// These settings for the notifier whose consumer group is `group`.
    func settings(group: String) -> Stages.NotifierSettings {
        Stages.NotifierSettings(group: group, window: window, disableAfterDays: disableAfterDays, retryScale: retryScale)
    }
}

extension RunCommand {
    struct NotifyWebhook: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "notify-webhook",
            abstract: "Deliver alerts.deliveries to webhook subscriptions, signed (Standard Webhooks), with retries through the alerts.retry.* delay topics.",
            discussion: """
                Every attempt publishes a receipt to alerts.receipts; a delivery whose retries are exhausted goes to alerts.dlq \
                with its attempt history. Webhook hosts are resolved once and every address is checked: loopback, private, \
                link-local, CGNAT, multicast, IPv4-mapped/NAT64 and metadata addresses are refused unless --allow-address \
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
            try await global.checkBroker(logger: logger)
            var settings = Stages.WebhookSettings(notifier: notifier.settings(group: group), perEndpoint: perEndpoint)
            settings.sender.connectTimeout = .milliseconds(Int64(connectTimeout * 1000))
            settings.sender.totalTimeout = .milliseconds(Int64(timeout * 1000))
            settings.sender.connectionsPerEndpoint = connectionsPerEndpoint
            settings.sender.policy = AddressPolicy(allowed: allowedRanges)
            try await files.withStore(logger: logger) { store in
                let context = try StageContext(global: global, producerID: "newsflash-notify-webhook", logger: logger)
                var services = try await Stages.notifyWebhook(settings, store: store, context)
                services.metadata["allowed"] = "\(allowedRanges)"
                try await context.run(services, name: "notify-webhook", observability: observability)
            }
        }
    }
}

extension RunCommand {
    struct NotifyEmail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "notify-email",
            abstract: "Mail alerts.deliveries to email subscriptions over SMTP, with retries through the alerts.retry.* delay topics.",
            discussion: """
                Sends the double opt-in confirmation to every new email subscription first (nothing else goes to an address \
                before it confirms), multipart text and HTML mails with a stable Message-ID and one-click List-Unsubscribe \
                (RFC 8058) links to --public-url, digests when due, and the notice to the contact address of a subscription \
                that a notifier disabled. SMTP 4xx replies are retried; 5xx go to alerts.dlq and mark the address as failing.
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var files: SubscriptionFiles
        @OptionGroup var notifier: NotifierOptions
        @OptionGroup var observability: ObservabilityOptions

        @Option(help: "Consumer group of alerts.deliveries (delay topics use <group>.<topic>).")
        var group = "newsflash-notify-email"

        @Option(help: "SMTP server: smtp://[user:password@]host[:port] (STARTTLS required; add ?tls=none for a local sink without TLS) or smtps:// (TLS from the start). Default: $NEWSFLASH_SMTP_URL.")
        var smtpURL: String?

        @Option(help: "Trust only the CA certificates in this PEM file for the SMTP server (default: the system's). Default: $NEWSFLASH_SMTP_CA_FILE.")
        var smtpCAFile: String?

        @Option(help: "SMTP connections kept open.")
        var smtpConnections = 4

        @Option(help: "The From address, e.g. 'Newsflash <alerts@example.com>' or alerts@example.com. Default: $NEWSFLASH_MAIL_FROM.")
        var from: String?

        @Option(help: "The API's public base URL, for confirmation and unsubscribe links. Default: $NEWSFLASH_PUBLIC_URL, else http://127.0.0.1:8080.")
        var publicURL: String?

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            guard let smtpText = smtpURL ?? environment["NEWSFLASH_SMTP_URL"] else { throw CLIError("give --smtp-url or NEWSFLASH_SMTP_URL") }
            var smtp = try SMTPURL.parse(smtpText)
            smtp.maxConnections = smtpConnections
            if let ca = smtpCAFile ?? environment["NEWSFLASH_SMTP_CA_FILE"] { smtp.trust = .caFile(ca) }
            guard let fromText = from ?? environment["NEWSFLASH_MAIL_FROM"] else { throw CLIError("give --from or NEWSFLASH_MAIL_FROM") }
            let sender = try SMTPURL.address(fromText)
            let base = publicURL ?? environment["NEWSFLASH_PUBLIC_URL"] ?? "http://127.0.0.1:8080"
            guard let parsed = URL(string: base), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
                throw CLIError("--public-url must be an absolute http(s) URL")
            }

            let logger = global.makeLogger("newsflash.notify-email")
            try await global.checkBroker(logger: logger)
            let settings = Stages.EmailSettings(notifier: notifier.settings(group: group), smtp: smtp, from: sender, publicURL: base)
            try await files.withStore(logger: logger) { store in
                let context = try StageContext(global: global, producerID: "newsflash-notify-email", logger: logger)
                let services = try await Stages.notifyEmail(settings, store: store, context)
                try await context.run(services, name: "notify-email", observability: observability)
            }
        }
    }
}

/// `smtp://user:password@host:port`, `smtps://…`, `?tls=none`.
enum SMTPURL {
    static func parse(_ text: String) throws -> SMTPConfiguration {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(), ["smtp", "smtps"].contains(scheme),
              let host = components.host, !host.isEmpty
        else { throw CLIError("the SMTP URL must look like smtp://user:password@host:587 or smtps://host:465") }
        let plain = components.queryItems?.contains { $0.name == "tls" && $0.value == "none" } == true
        let security: SMTPConfiguration.Security = scheme == "smtps" ? .implicitTLS : (plain ? .none : .startTLS)
        let port = components.port ?? (scheme == "smtps" ? 465 : 587)
        return SMTPConfiguration(
            host: host, port: port, security: security, username: components.user?.removingPercentEncoding,
            password: components.password?.removingPercentEncoding, heloName: ProcessInfo.processInfo.hostName)
    }

    /// `Name <address>` or `address`.
    static func address(_ text: String) throws -> EmailAddress {
        do {
            if let open = text.lastIndex(of: "<"), text.hasSuffix(">") {
                let name = text[..<open].trimmingCharacters(in: .whitespaces)
                return try EmailAddress(String(text[text.index(after: open)..<text.index(before: text.endIndex)]), name: name.isEmpty ? nil : name)
            }
            return try EmailAddress(text.trimmingCharacters(in: .whitespaces))
        } catch {
            throw CLIError("--from is not an email address: \(error)")
        }
    }
}
