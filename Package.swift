// swift-tools-version:6.1
import Foundation
import PackageDescription

let package = Package(
    name: "newsflash",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "newsflash", targets: ["newsflash"]),
        .library(name: "RdKafka", targets: ["RdKafka"]),
        .library(name: "NewsModel", targets: ["NewsModel"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // librdkafka from Debian's librdkafka-dev, found with pkg-config.
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        // The Swift face of librdkafka: producer, consumer, admin, errors, configuration.
        .target(
            name: "RdKafka",
            dependencies: [
                "CRdKafka",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Event types, topic names and codecs; mirrors Schemas/.
        .target(name: "NewsModel", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // Shared stage plumbing: consume, process concurrently, produce with acknowledgement,
        // store offsets in order, dead-letter poison messages.
        .target(
            name: "Pipeline",
            dependencies: [
                "RdKafka",
                "NewsModel",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "RdKafka", "NewsModel", "TestSupport", .product(name: "MetricsTestKit", package: "swift-metrics")]),
        // libxml2 from Debian's libxml2-dev, for feeds and ticker pages.
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        // FeedParsing: RSS, Atom, JSON Feed, CDF and ticker pages to plain items; pure (libxml2 only).
        .target(name: "FeedParsing", dependencies: ["CLibXML2"]),
        // Ingest: item identity and story sketches, polling, the seen-set, publishing.
        .target(
            name: "Ingest",
            dependencies: [
                "FeedParsing",
                "SQLiteFile",
                "NewsModel",
                "Pipeline",
                "RdKafka",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Classifier: gazetteer, taxonomy, topic model and urgency rules; pure.
        .target(name: "Classifier", dependencies: ["NewsModel"], exclude: ["Generator"], resources: [.copy("Resources")]),
        .executableTarget(name: "classifier-bench", dependencies: ["Classifier"]),
        // Release-build feed parsing throughput (Tests/Benchmarks/feeds/run.sh).
        .executableTarget(
            name: "feed-bench",
            dependencies: ["FeedParsing", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "ClassifierTests", dependencies: ["Classifier", "NewsModel"], resources: [.copy("Fixtures")]),
        // Subscriptions: the filter language, the match index (pure) and the keyring that seals subscribers' secrets.
        .target(name: "Subscriptions", dependencies: ["NewsModel", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "SubscriptionsTests", dependencies: ["Subscriptions", "NewsModel"]),
        // Release-build matcher throughput over 1,000,000 generated subscriptions (Tests/Benchmarks/match/run.sh).
        .executableTarget(
            name: "match-bench",
            dependencies: ["Subscriptions", "NewsModel", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // Subscriptions in SQLite (GRDB): definitions with a version cursor, and what was sent.
        .target(
            name: "SubscriptionStore",
            dependencies: ["Subscriptions", "NewsModel", "SQLiteFile", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // How both SQLite stores (ingest state, subscriptions) open their files.
        .target(name: "SQLiteFile", dependencies: [.product(name: "GRDB", package: "GRDB.swift")]),
        // The store test suite, run against SQLite and PostgreSQL ($NEWSFLASH_TEST_POSTGRES_URL).
        .testTarget(
            name: "SubscriptionStoreTests",
            dependencies: [
                "SubscriptionStore", "Subscriptions", "NewsModel", "TestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // The HTTP API (Hummingbird): subscriptions.
        .target(
            name: "Server",
            dependencies: ["Subscriptions", "SubscriptionStore", "NewsModel", .product(name: "Hummingbird", package: "hummingbird")]
        ),
        // Notifier: webhook signing (Standard Webhooks), the address policy (SSRF protection),
        // the webhook sender, the retry schedule and the notify stage.
        .target(
            name: "Notifier",
            dependencies: [
                "NewsModel", "Subscriptions", "SubscriptionStore", "Pipeline", "RdKafka", "Mailer",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .testTarget(name: "NotifierTests", dependencies: ["Notifier", "NewsModel", "TestSupport"]),
        // Mailer: the SMTP client (SwiftNIO, STARTTLS, AUTH), MIME messages and the mail templates.
        .target(
            name: "Mailer",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Templates")]
        ),
        .testTarget(
            name: "MailerTests",
            dependencies: [
                "Mailer",
                "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The match stage: news.classified -> alerts.deliveries.
        .target(
            name: "MatchStage",
            dependencies: [
                "Subscriptions", "SubscriptionStore", "Pipeline", "NewsModel", "RdKafka",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Replay's routing rules (pure: no broker).
        .testTarget(name: "MatchStageTests", dependencies: ["MatchStage", "Subscriptions", "NewsModel", "RdKafka"]),
        // The classify stage: news.raw -> news.classified.
        .target(name: "ClassifyStage", dependencies: ["Classifier", "Pipeline", "NewsModel", "RdKafka"]),
        // Every process's settings: the one configuration file, environment variables, flags (pure).
        .target(name: "NewsflashConfig"),
        .testTarget(name: "NewsflashConfigTests", dependencies: ["NewsflashConfig"]),
        .executableTarget(
            name: "newsflash",
            dependencies: [
                "NewsflashConfig",
                "RdKafka",
                "NewsModel",
                "FeedParsing",
                "Ingest",
                "Classifier",
                "ClassifyStage",
                "Pipeline",
                "Subscriptions",
                "SubscriptionStore",
                "MatchStage",
                "Server",
                "Notifier",
                "Mailer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Release-build throughput benchmark of the Kafka layer (see README, Benchmarks).
        .executableTarget(
            name: "newsflash-bench",
            dependencies: [
                "RdKafka",
                "NewsModel",
                "Notifier",
                "Subscriptions",
                "SubscriptionStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "RdKafkaTests",
            dependencies: [
                "RdKafka",
                "TestSupport",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        // Helpers shared by the test targets: subprocesses, the repository's paths and Python.
        .target(
            name: "TestSupport",
            dependencies: ["Mailer", .product(name: "MetricsTestKit", package: "swift-metrics"), .product(name: "CoreMetrics", package: "swift-metrics")],
            path: "Tests/TestSupport"),
        .testTarget(name: "NewsModelTests", dependencies: ["NewsModel", "TestSupport"]),
        .testTarget(
            name: "IngestTests",
            dependencies: ["FeedParsing", "Ingest", "NewsModel", "TestSupport"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "SubscriptionStore", "Subscriptions", "NewsModel", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "FeedParsing",
                "Mailer",
                "RdKafka",
                "NewsModel",
                "Ingest",
                "Classifier",
                "ClassifyStage",
                "Pipeline",
                "Subscriptions",
                "SubscriptionStore",
                "MatchStage",
                "Server",
                "Notifier",
                "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// PostgreSQL for the subscription store (PostgresSubscriptionStore), beside SQLite.
package.targets.first { $0.name == "SubscriptionStore" }?.dependencies += [
    .product(name: "PostgresNIO", package: "postgres-nio"),
    .product(name: "Logging", package: "swift-log"),
]

// Fuzzing (Tests/Fuzz, `make fuzz`): the targets' properties, replayed over the seeds and every
// crasher found by FuzzTests in every build, and libFuzzer drivers only when NEWSFLASH_FUZZ is set,
// built with `-sanitize=fuzzer,address` (they call libFuzzer's driver, which only such a build links).
package.targets += [
    .target(name: "FuzzTargets", dependencies: ["FeedParsing", "NewsModel", "Subscriptions"], path: "Tests/Fuzz/FuzzTargets"),
    .testTarget(name: "FuzzTests", dependencies: ["FuzzTargets", "TestSupport"]),
]
if ProcessInfo.processInfo.environment["NEWSFLASH_FUZZ"] != nil {
    package.targets.append(.target(name: "CFuzzerDriver", path: "Tests/Fuzz/CFuzzerDriver"))
    for name in ["feed-parser", "ticker-reader", "filter", "event-decoder", "webhook-body"] {
        package.targets.append(.executableTarget(name: "fuzz-\(name)", dependencies: ["FuzzTargets", "CFuzzerDriver"], path: "Tests/Fuzz/Drivers/\(name)"))
        package.products.append(.executable(name: "fuzz-\(name)", targets: ["fuzz-\(name)"]))
    }
}
