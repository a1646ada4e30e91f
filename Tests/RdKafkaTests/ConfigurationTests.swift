@testable import RdKafka
import Logging
import Testing

@Suite struct ConfigurationTests {
    let client = KafkaClientConfiguration(bootstrapServers: ["127.0.0.1:9092", "127.0.0.1:9093"], clientID: "unit")

    @Test func producerDefaultsAreSafe() {
        let properties = KafkaProducerConfiguration(client: client).properties()
        #expect(properties["bootstrap.servers"] == "127.0.0.1:9092,127.0.0.1:9093")
        #expect(properties["enable.idempotence"] == "true")
        #expect(properties["acks"] == "all")
        #expect(properties["linger.ms"] == "5")
        #expect(properties["message.timeout.ms"] == "30000")
        #expect(properties["statistics.interval.ms"] == nil)
    }

    @Test func consumerStoresOffsetsOnlyWhenTheApplicationSaysSo() {
        var configuration = KafkaConsumerConfiguration(client: client, groupID: "g", subscription: .group(topics: ["news.raw"]))
        configuration.sessionTimeout = .milliseconds(6_000)
        let properties = configuration.properties()
        #expect(properties["enable.auto.offset.store"] == "false")
        #expect(properties["enable.auto.commit"] == "true")
        #expect(properties["group.id"] == "g")
        #expect(properties["session.timeout.ms"] == "6000")
        #expect(properties["auto.offset.reset"] == "earliest")
    }

    @Test func additionalConfigIsPassedThroughAndWins() {
        var withSecurity = client
        withSecurity.statisticsInterval = .seconds(5)
        withSecurity.additionalConfig = [
            "security.protocol": "SASL_SSL", "sasl.mechanisms": "SCRAM-SHA-512", "acks": "1",
        ]
        let properties = KafkaProducerConfiguration(client: withSecurity).properties()
        #expect(properties["security.protocol"] == "SASL_SSL")
        #expect(properties["sasl.mechanisms"] == "SCRAM-SHA-512")
        #expect(properties["acks"] == "1")
        #expect(properties["statistics.interval.ms"] == "5000")
    }

    @Test func unknownKeyIsRefusedWithItsName() {
        var bad = client
        bad.additionalConfig = ["no.such.property": "1"]
        do {
            _ = try KafkaProducer.make(configuration: KafkaProducerConfiguration(client: bad), logger: Logger(label: "unit"))
            Issue.record("an unknown property was accepted")
        } catch {
            #expect(error.code == .invalidConfiguration)
            #expect(error.message.contains("no.such.property"))
        }
    }

    @Test func secretsAreNotRepeatedInErrors() {
        var bad = client
        bad.additionalConfig = ["sasl.password": "hunter2", "security.protocol": "NOT_A_PROTOCOL"]
        do {
            _ = try KafkaProducer.make(configuration: KafkaProducerConfiguration(client: bad), logger: Logger(label: "unit"))
            Issue.record("an invalid protocol was accepted")
        } catch {
            #expect(error.code == .invalidConfiguration)
            #expect(!error.description.contains("hunter2"))
        }
    }

    @Test func durationsBecomeWholeMilliseconds() {
        #expect(Duration.milliseconds(1500).milliseconds == 1500)
        #expect(Duration.seconds(2).milliseconds == 2000)
        #expect(Duration.microseconds(999).milliseconds == 0)
    }
}
