import ArgumentParser

/// Release-build benchmarks; each prints its figures (see README, Benchmarks).
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "newsflash-bench",
        abstract: "Newsflash benchmarks (run them in a release build).",
        subcommands: [KafkaBenchmark.self, WebhookBenchmark.self, WebhookReceiverCommand.self, CodecBenchmark.self])
}
