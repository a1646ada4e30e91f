import Classifier
import ClassifyStage
import Foundation
import NewsModel
import Pipeline
import RdKafka
import ServiceLifecycle
import Testing
import TestSupport

/// The classify stage through the real broker: news.item in, news.classified out,
/// valid against its schema; poison goes to the dead-letter topic.
@Suite(.serialized, TestBroker.available)
struct ClassifyStageTests {
    @Test func classifiesEveryItemAndDeadLettersPoison() async throws {
        let input = try await TestBroker.makeTopic("raw", partitions: 2)
        let output = try await TestBroker.makeTopic("classified", partitions: 2)
        let dlq = try await TestBroker.makeTopic("dlq", partitions: 1)
        let producer = try TestBroker.producer()
        let lines = [
            "Al Mayadeen's correspondent in South Lebanon: An Israeli airstrike targeted the town of Arabsalim",
            "Trump: Will be seeing land action in Venezuela soon",
            "Putin calls talk of supplying Tomahawk missiles to Kyiv an attempt at escalation",
        ]
        let tickerItems = lines.enumerated().map { NewsItem.headline($1, guid: "ticker:\($0)", source: "seed", kind: .htmlTicker) }
        try await TestBroker.send(tickerItems, to: input, with: producer)
        // Feed items whose publishers filed them under sections the taxonomy lists: the categories and
        // URL travel with the item, and the sections decide what the words alone leave unsure.
        let filed = NewsItem.headline(
            "Warrington leave it late again", guid: "rl-1", source: "wire", url: "https://news.example.org/sport/rugby-league/rl-1",
            categories: ["Rugby League"])
        let desk = NewsItem.headline(
            "Minister resigns over expenses claims", guid: "uk-1", source: "wire", url: "https://news.example.org/uk-news/2026/dec/06/minister")
        // A publisher of a country-code domain: its story that names no place is its country's.
        let national = NewsItem.headline(
            "Junior minister quits after expenses row", guid: "ie-1", source: "wire", url: "https://www.example.ie/news/2026/dec/06/junior-minister")
        try await TestBroker.send([filed, desk, national], to: input, with: producer)
        try await producer.send(KafkaProducerMessage(topic: input, key: "junk", value: Array("not an event".utf8)))

        let consumer = try TestBroker.groupConsumer(group: TestBroker.unique("classify"), topic: input)
        let stageProducer = try TestBroker.producer()
        let stage = StageRunner(
            name: "classify-test", consumer: consumer, producer: stageProducer,
            processor: ClassifyProcessor(classifier: try NewsClassifier.bundled(), outputTopic: output),
            deadLetterTopic: dlq, logger: TestBroker.logger)
        let running = Task { try await stage.run() }

        let reader = try TestBroker.partitionConsumer(topic: output, partitions: [0, 1])
        let classified = try await TestBroker.read(6, from: reader, timeout: .seconds(60)).map {
            try EventCodec.decode(ClassifiedItem.self, from: $0.value).data
        }
        await reader.close()
        let dlqReader = try TestBroker.partitionConsumer(topic: dlq, partitions: [0])
        let letters = try await TestBroker.read(1, from: dlqReader).map { try EventCodec.decode(DeadLetter.self, from: $0.value).data }
        await dlqReader.close()
        running.cancel()
        _ = try? await running.value
        await stageProducer.shutdown()
        await consumer.close()
        await producer.shutdown()

        #expect(letters.first?.reason == .poison)
        #expect(letters.first?.payload == "not an event")
        let strike = try #require(classified.first { $0.item.title.contains("Arabsalim") })
        #expect(strike.regions.map(\.label).contains("MENA"))
        #expect(strike.urgency >= .urgent)
        #expect(!strike.explanation.isEmpty)
        let venezuela = try #require(classified.first { $0.item.title.contains("Venezuela") })
        #expect(venezuela.regions.map(\.label).contains("Latin America"))
        let rugby = try #require(classified.first { $0.item.title.contains("Warrington") })
        #expect(rugby.topics.first?.label == "Sports")
        #expect(rugby.explanation.contains {
            $0.kind == .topic && $0.tag == "Sports" && $0.field == .source && $0.rule == "section:category" && $0.phrase == "Rugby League"
        })
        let minister = try #require(classified.first { $0.item.title.contains("Minister") })
        #expect(minister.regions.map(\.label) == ["Europe"])
        #expect(minister.explanation.contains { $0.kind == .region && $0.rule == "section:url" && $0.phrase == "uk-news" })
        let junior = try #require(classified.first { $0.item.title.contains("Junior") })
        #expect(junior.regions == [ScoredLabel(label: "Europe", score: 0.5)])
        #expect(junior.explanation.contains { $0.kind == .region && $0.rule == "domain:IE" && $0.phrase == "www.example.ie" })

        // The events validate against Schemas/events with the reference validator.
        if let python = Repository.python {
            let text = try classified.map { String(decoding: try EventCodec.encode($0, occurredAt: Date()), as: UTF8.self) }.joined(separator: "\n")
            let result = try await Subprocess.run(python, [Repository.script("Tests/Support/validate_events.py"), Repository.schemas, "-"], stdin: text + "\n")
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        } else {
            #expect(!Repository.isCI)
        }
    }

    /// An operator's taxonomy or model runs in the stage without a rebuild: `run classify --taxonomy`
    /// (`classify.taxonomy`) reads the file's sections; a file that cannot load, or whose labels are
    /// not the ones filters are checked against, stops the stage before it takes any message.
    @Test func runClassifyUsesTheConfiguredTaxonomyAndRefusesOneWithOtherLabels() async throws {
        let bootstrap = try #require(TestBroker.bootstrap)
        let scratch = ScratchDirectory("classify-taxonomy")
        defer { scratch.remove() }
        var taxonomy = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: Repository.root.appendingPathComponent("Sources/Classifier/Resources/taxonomy.json"))) as? [String: Any])
        taxonomy["version"] = "operators-1"
        var topics = try #require(taxonomy["topics"] as? [[String: Any]])
        let sports = try #require(topics.firstIndex { $0["label"] as? String == "Sports" })
        topics[sports]["sections"] = ["the back page"]
        taxonomy["topics"] = topics
        let custom = scratch.path("taxonomy.json")
        try JSONSerialization.data(withJSONObject: taxonomy).write(to: URL(fileURLWithPath: custom))
        var relabelled = taxonomy
        topics[sports]["label"] = "Sport"
        relabelled["topics"] = topics
        let wrong = scratch.path("relabelled.json")
        try JSONSerialization.data(withJSONObject: relabelled).write(to: URL(fileURLWithPath: wrong))

        let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("NEWSFLASH_") }.merging(["NEWSFLASH_METRICS_PORT": "-1"]) { $1 }
        for (arguments, message) in [
            (["--taxonomy", scratch.path("missing.json")], "cannot load the classifier from classify.taxonomy \(scratch.path("missing.json"))"),
            (["--taxonomy", wrong], "has the topic labels Politics, Economy, Sport,"),
            (["--model", custom], "cannot load the classifier from classify.model"),
        ] {
            let run = try await NewsflashCLI.run(["run", "classify", "--bootstrap", bootstrap] + arguments, environment: environment, timeout: 30)
            #expect(run.status != 0, "\(arguments)")
            #expect(run.stderr.contains(message), "\(arguments): \(run.stderr)")
        }

        let input = try await TestBroker.makeTopic("raw", partitions: 1)
        let output = try await TestBroker.makeTopic("classified", partitions: 1)
        let producer = try TestBroker.producer()
        let item = NewsItem.headline("Warrington leave it late again", guid: "bp-1", source: "wire", categories: ["The Back Page"])
        try await TestBroker.send([item], to: input, with: producer)
        await producer.shutdown()
        let process = Process()
        process.executableURL = NewsflashCLI.executable
        process.environment = environment.merging(["NEWSFLASH_CLASSIFY_TAXONOMY": custom]) { $1 }
        process.arguments = ["run", "classify", "--bootstrap", bootstrap, "--input", input, "--output", output, "--group", TestBroker.unique("operators")]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let reader = try TestBroker.partitionConsumer(topic: output, partitions: [0])
        let classified = try await TestBroker.read(1, from: reader, timeout: .seconds(60)).map { try EventCodec.decode(ClassifiedItem.self, from: $0.value).data }
        await reader.close()
        kill(process.processIdentifier, SIGTERM)
        for _ in 0..<150 where process.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        #expect(!process.isRunning && process.terminationStatus == 0)
        let result = try #require(classified.first)
        #expect(result.classifierVersion.contains("/taxonomy-operators-1/"))
        #expect(result.topics.first?.label == "Sports")
        #expect(result.explanation.contains { $0.rule == "section:category" && $0.phrase == "The Back Page" })
    }
}
