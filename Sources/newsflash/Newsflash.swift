import ArgumentParser

/// The one executable: `newsflash run <stage>` runs a pipeline stage; the other
/// subcommands are operator tools.
@main
struct Newsflash: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "newsflash",
        abstract: "Breaking-news alerts on Kafka: ingest, classify, match, notify.",
        discussion: """
            Kafka settings come from --bootstrap and --kafka-config, or from the environment:
            KAFKA_BOOTSTRAP (default 127.0.0.1:9092). See README.md for every setting.
            """,
        version: version,
        subcommands: [
            UpCommand.self,
            ConfigCommand.self,
            TopicsCommand.self,
            FeedCommand.self,
            ClassifyCommand.self,
            RunCommand.self,
            SourcesCommand.self,
            SubscriptionsCommand.self,
            KeysCommand.self,
            TailCommand.self,
            SmokeCommand.self,
            VersionCommand.self,
        ]
    )
}
