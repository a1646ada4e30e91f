import ArgumentParser
import Foundation
import Hummingbird
import Server
import ServiceLifecycle

/// `newsflash keys create [--admin]`: an API key, shown once.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage API keys.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API key; prints its id and secret (the secret is not stored, only its SHA-256).")
        @OptionGroup var files: SubscriptionFiles

        @Flag(help: "An admin key (every subscription) instead of a subscriber key (its own).")
        var admin = false

        func run() async throws {
            let (key, secret) = try await files.open().createKey(role: admin ? .admin : .subscriber)
            print("\(key.id) \(key.role.rawValue) \(secret)")
        }
    }
}

extension RunCommand {
    struct API: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "api", abstract: "Serve the subscriptions HTTP API (Schemas/openapi.yaml).")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var files: SubscriptionFiles

        @Option(help: "Address to listen on.")
        var host = "127.0.0.1"

        @Option(help: "Port to listen on.")
        var port = 8080

        func run() async throws {
            let logger = global.makeLogger("newsflash.api")
            let router = SubscriptionAPI.buildRouter(store: try files.open(), parser: try SubscriptionFiles.filterParser())
            let app = Application(router: router, configuration: .init(address: .hostname(host, port: port)), logger: logger)
            let group = ServiceGroup(configuration: ServiceGroupConfiguration(
                services: [.init(service: app)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            logger.info("api listening", metadata: ["http.address": "\(host):\(port)"])
            try await group.run()
        }
    }
}
