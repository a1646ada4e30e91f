import Foundation
import NewsModel
import RdKafka
import Testing
import TestSupport

/// Events produced by the Swift code are read from the broker by a Python
/// confluent-kafka consumer and validated against Schemas/events.
@Suite(TestBroker.available, .enabled(if: Repository.hasPython, "the project's Python tools are not installed"))
struct SchemaContractBrokerTests {
    @Test func aPythonConsumerReadsAndValidatesEveryEventType() async throws {
        let topic = try await TestBroker.makeTopic("contract", partitions: 2)
        let producer = try TestBroker.producer()
        func send<Event: NewsEvent>(_ event: Event, key: String) async throws {
            try await producer.send(KafkaProducerMessage(
                topic: topic, key: key, value: try EventCodec.encode(event, occurredAt: Date()),
                headers: EventHeaders.values(for: Event.self).map { KafkaHeader(key: $0.0, value: $0.1) }))
        }
        try await send(SampleEvents.newsItem, key: SampleEvents.newsItem.itemId)
        try await send(SampleEvents.classifiedItem, key: SampleEvents.newsItem.itemId)
        try await send(SampleEvents.deliveryRequest, key: SampleEvents.deliveryRequest.subscriptionId)
        try await send(SampleEvents.deliveryReceipt, key: SampleEvents.deliveryReceipt.subscriptionId)
        try await send(SampleEvents.deadLetter, key: SampleEvents.deliveryRequest.subscriptionId)
        await producer.shutdown()

        let python = try #require(Repository.python)
        let result = try await Subprocess.run(python, [
            Repository.script("Tests/Support/consume_validate.py"), "--bootstrap", try #require(TestBroker.bootstrap),
            "--topic", topic, "--count", "5", "--timeout", "40",
        ], timeout: 60)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("5 events read, 0 problems"))
        for type in ["news.item", "news.classified", "alerts.delivery", "alerts.receipt", "alerts.dead-letter"] {
            #expect(result.stdout.contains("ok \(type) "))
        }
    }
}
