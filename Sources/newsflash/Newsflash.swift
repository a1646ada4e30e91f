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
            Every setting comes from a flag, else the environment, else the configuration file (--config, \
            $NEWSFLASH_CONFIG, else newsflash.json when there is one), else its default: Kafka is --bootstrap, \
            $KAFKA_BOOTSTRAP or kafka.bootstrap (default 127.0.0.1:9092). `newsflash config describe` lists every \
            setting; `newsflash config check` prints the ones in effect.
            """,
        version: version,
        subcommands: [
            UpCommand.self,
            ConfigCommand.self,
            TopicsCommand.self,
            GroupsCommand.self,
            DLQCommand.self,
            ReplayCommand.self,
            StatusCommand.self,
            FeedCommand.self,
            ClassifyCommand.self,
            RunCommand.self,
            SourcesCommand.self,
            SubscriptionsCommand.self,
            KeysCommand.self,
            SecretsCommand.self,
            TailCommand.self,
            SmokeCommand.self,
            VersionCommand.self,
        ]
    )
}
