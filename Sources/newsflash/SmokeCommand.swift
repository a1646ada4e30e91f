import ArgumentParser
import Foundation
import NewsModel
import Pipeline
import RdKafka

/// `newsflash smoke`: publish real `news.item` events and read them back.
///
/// Until the stages exist this is the demo's end-to-end check: the topics exist,
/// the producer is acknowledged, and what comes back decodes to what was sent.
struct SmokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smoke",
        abstract: "Produce news.item events built from the seed page's BREAKING lines and read them back.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "How many events to produce (the 10 seed lines, repeated with numbered versions).") var count: Int = 10
    @Option(help: "The topic to use.") var topic: String = Topics.newsRaw

    func validate() throws {
        guard (1...10_000).contains(count) else { throw ValidationError("--count must be 1...10000") }
    }

    func run() async throws {
        let setup = try global.setup("newsflash.smoke")
        let logger = setup.logger
        let admin = try await setup.connectedAdmin()
        _ = try await admin.createTopics(TopicPlan.specifications(partitions: 4, replicationFactor: -1).filter { $0.name == topic })
        await admin.close()

        let producer = try KafkaProducer.make(configuration: KafkaProducerConfiguration(client: setup.kafka.client("newsflash-smoke")), logger: logger)
        let now = Date()
        var sent: [String: [UInt8]] = [:]  // event id -> canonical bytes
        var positions: [KafkaTopicPartitionOffset] = []
        let clock = ContinuousClock()
        let start = clock.now
        for index in 0..<count {
            let item = SmokeItems.item(index, fetchedAt: now)
            let output = try StageOutput(topic: topic, key: item.itemId, event: item, occurredAt: now)
            let report = try await producer.send(output.producerMessage)
            sent[item.eventID] = output.value
            if let offset = report.offset {
                positions.append(KafkaTopicPartitionOffset(topic: topic, partition: report.partition, offset: offset))
            }
        }
        let produced = clock.now - start
        await producer.shutdown()

        // Read back exactly the offsets the broker acknowledged.
        let firstPerPartition = Dictionary(grouping: positions, by: \.partition).map { partition, offsets in
            KafkaTopicPartitionOffset(topic: topic, partition: partition, offset: offsets.map(\.offset).min()!)
        }
        let wanted = Set(positions)
        var configuration = KafkaConsumerConfiguration(
            client: setup.kafka.client("newsflash-smoke"), groupID: "newsflash-smoke-\(UUID().uuidString.prefix(8))",
            subscription: .partitions(firstPerPartition))
        configuration.isAutoCommitEnabled = false
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        var received = 0
        let deadline = clock.now + .seconds(30)
        let readStart = clock.now
        let stream = consumer.messages
        let reader = Task {
            var matched = 0
            for try await message in stream {
                let position = KafkaTopicPartitionOffset(topic: message.topic, partition: message.partition, offset: message.offset)
                guard wanted.contains(position) else { continue }
                // Decoding and encoding again must give back the bytes that were sent.
                let envelope = try EventCodec.decode(NewsItem.self, from: message.value)
                guard let original = sent[envelope.eventId], try EventCodec.encode(envelope) == original else {
                    throw CLIError("event at \(position) does not match what was sent")
                }
                matched += 1
                if matched == wanted.count { break }
            }
            return matched
        }
        let timeout = Task {
            try await Task.sleep(until: deadline)
            reader.cancel()
        }
        received = try await reader.value
        timeout.cancel()
        await consumer.close()
        guard received == wanted.count else {
            throw CLIError("read back \(received) of \(wanted.count) events within 30 s")
        }
        print("smoke: \(count) news.item events acknowledged on \(topic) in \(produced.formatted(.units(allowed: [.milliseconds]))), "
              + "all read back and decoded in \((clock.now - readStart).formatted(.units(allowed: [.milliseconds]))) "
              + "(librdkafka \(LibrdkafkaVersion.runtimeString), broker \(setup.kafka.bootstrapServers.joined(separator: ",")))")
    }
}

/// News items for the smoke run, from the BREAKING ticker of the seed page.
enum SmokeItems {
    static let lines = [
        "Al Mayadeen's EU delegate: Belgium categorically refused to touch Russian assets in its banks for fear of a Russian judicial backlash",
        "Al Mayadeen's EU delegate: The European Union has failed to reach an agreement on the use of Russian assets frozen in Belgium",
        "Trump: Will be seeing land action in Venezuela soon",
        "Trump: first question to Xi will be fentanyl",
        "Trump on reports of B1 bombers near Venezuela: Reports are not accurate",
        "Al Mayadeen's correspondent: The death toll from the airstrike that targeted the town of Arabsalim in South Lebanon has risen to two, in addition to four injuries",
        "Al Mayadeen's correspondent in South Lebanon: An Israeli airstrike targeted the town of Arabsalim",
        "Putin on new sanctions against Russia: Russia's energy sector remains confident, though some losses are expected",
        "Putin calls talk of supplying Tomahawk missiles to Kyiv an attempt at escalation",
        "Putin says he discussed with Trump the impact of the situation with Russian oil supplies on global prices, including in the United States",
    ]

    static func item(_ index: Int, fetchedAt: Date) -> NewsItem {
        let line = lines[index % lines.count]
        let guid = "smoke:\(index % lines.count)"
        let itemID = NewsItem.makeItemID(sourceID: "smoke", guid: guid)
        return NewsItem(
            itemId: itemID, sourceId: "smoke", sourceKind: .htmlTicker, guid: guid, title: line, summary: "",
            url: nil, publishedAt: nil, updatedAt: nil, fetchedAt: fetchedAt, language: "en", authors: [], categories: [],
            imageUrl: nil, storyId: "sty_" + String(itemID.dropFirst(4)), version: index / lines.count + 1, hints: nil)
    }
}
