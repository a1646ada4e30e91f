import ArgumentParser
import Foundation
import Mailer
import NewsflashConfig
import Notifier

/// What both notifiers take: the store, their own section's flags (`notifyWebhook`, `notifyEmail`)
/// and the metrics endpoint.
struct NotifierOptions: ParsableArguments {
    @OptionGroup var store: StoreOptions

    @Option(help: "Deliveries in flight at once, per consumed topic. Default: <section>.window, else 512.") var window: Int?

    @Option(help: "Disable an endpoint or address that has failed without a success for this many days. Default: <section>.disableAfterDays, else 5.")
    var disableAfterDays: Double?

    @Option(help: "Multiply every retry delay (5 s, 5 min, … 10 h) and the Retry-After bounds by this; 0.001 runs the whole schedule in about a minute, for chaos and load tests. Keep 1 in production. Default: <section>.retryScale, else 1.")
    var retryScale: Double?

    @Option(help: "Consumer group of alerts.deliveries (delay topics use <group>.<topic>). Default: <section>.group, else newsflash-notify-webhook or newsflash-notify-email.")
    var group: String?

    @OptionGroup var observability: ObservabilityOptions

    /// Sets up `run <stage>`: these flags in `section`, and the command's own `flags` over them.
    func setup(_ stage: String, section: String, flags: [String: String?]) throws -> CommandSetup {
        let shared: [String: String?] = [
            "\(section).window": window.map(String.init), "\(section).disableAfterDays": disableAfterDays.map { String($0) },
            "\(section).retryScale": retryScale.map { String($0) }, "\(section).group": group,
        ]
        return try store.setup("newsflash.\(stage)", flags: shared.merging(observability.flags) { $1 }.merging(flags) { $1 })
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
                (or notifyWebhook.allowAddress, $NEWSFLASH_WEBHOOK_ALLOW comma-separated) lists them. Scale by running more copies. \
                Every flag is also a setting of the configuration file's notifyWebhook section and of the environment \
                (newsflash config check --process notify-webhook prints them).
                """)

        @OptionGroup var notifier: NotifierOptions

        @Option(help: "Allow webhook addresses in this CIDR range though the SSRF policy refuses them (e.g. 127.0.0.0/8 for a local demo). Repeatable. Default: notifyWebhook.allowAddress, $NEWSFLASH_WEBHOOK_ALLOW, else none.")
        var allowAddress: [String] = []

        @Option(help: "Seconds to wait for a connection. Default: 5.") var connectTimeout: Double?
        @Option(help: "Seconds for a whole attempt, from connecting to the end of the response. Default: 15.") var timeout: Double?
        @Option(help: "Deliveries in flight to one endpoint; more are deferred 5 s without an attempt. Default: 64.") var perEndpoint: Int?
        @Option(help: "Keep-alive connections to one endpoint. Default: 8.") var connectionsPerEndpoint: Int?

        func run() async throws {
            let setup = try notifier.setup("notify-webhook", section: "notifyWebhook", flags: [
                "notifyWebhook.allowAddress": allowAddress.isEmpty ? nil : allowAddress.joined(separator: ","),
                "notifyWebhook.connectTimeout": connectTimeout.map { String($0) }, "notifyWebhook.timeout": timeout.map { String($0) },
                "notifyWebhook.perEndpoint": perEndpoint.map(String.init), "notifyWebhook.connectionsPerEndpoint": connectionsPerEndpoint.map(String.init),
            ])
            // The settings are checked before the broker is touched.
            let settings = try Stages.WebhookSettings(setup.config)
            let keys = try setup.secretKeys()
            try await setup.runStoreStage("notify-webhook") { store, mirror, context in
                var services = try await Stages.notifyWebhook(settings, store: store, mirror: mirror, keys: keys, context)
                services.metadata["allowed"] = "\(settings.sender.policy)"
                return services
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
                that a notifier disabled. SMTP 4xx replies are retried; 5xx go to alerts.dlq and mark the address as failing. \
                Every flag is also a setting of the configuration file's notifyEmail section and of the environment \
                (newsflash config check --process notify-email prints them).
                """)

        @OptionGroup var notifier: NotifierOptions

        @Option(help: "SMTP server: smtp://[user:password@]host[:port] (STARTTLS required; add ?tls=none for a local sink without TLS) or smtps:// (TLS from the start). Default: notifyEmail.smtpURL, $NEWSFLASH_SMTP_URL (keep a password out of flags).")
        var smtpURL: String?

        @Option(help: "Trust only the CA certificates in this PEM file for the SMTP server (default: the system's). Default: notifyEmail.smtpCAFile, $NEWSFLASH_SMTP_CA_FILE.")
        var smtpCAFile: String?

        @Option(help: "SMTP connections kept open. Default: 4.") var smtpConnections: Int?

        @Option(help: "The From address, e.g. 'Newsflash <alerts@example.com>' or alerts@example.com. Default: notifyEmail.from, $NEWSFLASH_MAIL_FROM.")
        var from: String?

        @Option(help: "The API's public base URL, for confirmation and unsubscribe links. Default: notifyEmail.publicURL, $NEWSFLASH_PUBLIC_URL, else http://127.0.0.1:8080.")
        var publicURL: String?

        func run() async throws {
            let setup = try notifier.setup("notify-email", section: "notifyEmail", flags: [
                "notifyEmail.smtpURL": smtpURL, "notifyEmail.smtpCAFile": smtpCAFile, "notifyEmail.smtpConnections": smtpConnections.map(String.init),
                "notifyEmail.from": from, "notifyEmail.publicURL": publicURL,
            ])
            let settings = try Stages.EmailSettings(setup.config)
            let keys = try setup.secretKeys()
            try await setup.runStoreStage("notify-email") { store, mirror, context in
                try await Stages.notifyEmail(settings, store: store, mirror: mirror, keys: keys, context)
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
            throw CLIError("notifyEmail.from is not an email address: \(error)")
        }
    }
}
