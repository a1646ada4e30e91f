import ArgumentParser
import Foundation
import NewsModel
import Pipeline

/// The retained `news.item` events a classify command reads (`classify shadow`, `classify hints`):
/// from --since to the end of --topic as it was when the command started, at most --max items,
/// with a consumer of its own that publishes nothing and joins no consumer group.
struct RetainedItemsOptions: ParsableArguments {
    /// What the commands' help says of the reading.
    static let discussion = """
        Reads the topic from --since (an RFC 3339 time, checked against record timestamps, or \
        'beginning') up to the end as it was when the command started; publishes nothing and \
        joins no consumer group.
        """

    @Option(help: "Where to start: an RFC 3339 time or 'beginning'.") var since: String
    @Option(help: "Topic to read.") var topic: String = Topics.newsRaw
    @Option(help: "Stop after this many items.") var max: Int = 100_000

    func validate() throws {
        guard since == "beginning" || RFC3339Time.parse(since) != nil else { throw ValidationError("--since must be an RFC 3339 time or 'beginning'") }
        guard max > 0 else { throw ValidationError("--max must be positive") }
    }

    /// Calls `handle` with each item, in offset order per partition, until --max items; returns how
    /// many messages were not news.item events (skipped). Stops too after 5 s without a message, as
    /// Tansu's high watermark can lag a batch.
    func read(_ setup: CommandSetup, client: String, _ handle: @escaping @Sendable (NewsItem) async -> Void) async throws -> Int {
        let admin = try await setup.connectedAdmin()
        let described = try await admin.listTopics().first { $0.name == topic }
        await admin.close()
        guard described != nil else { throw CLIError("no topic named \(topic)") }
        let reader = RetainedTopicReader(client: setup.kafka.client(client), topic: topic, idleTimeout: .seconds(5), logger: setup.logger)
        let counts = Counts()
        let limit = max
        try await reader.read(from: RFC3339Time.parse(since).map { .time($0) } ?? .beginning) { message in
            guard let item = try? EventCodec.decode(NewsItem.self, from: message.value).data else {
                await counts.skip()
                return true
            }
            await handle(item)
            return await counts.handled() < limit
        }
        return await counts.skipped
    }

    private actor Counts {
        var read = 0
        var skipped = 0

        func skip() { skipped += 1 }

        func handled() -> Int {
            read += 1
            return read
        }
    }
}
