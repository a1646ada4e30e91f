import ArgumentParser
import Foundation
import Logging
import RdKafka

/// Throughput of the Kafka layer: produce N messages of S bytes to a new topic
/// (fire-and-forget, timed until every delivery report arrived), then consume
/// them all back from the beginning. Prints one line per run and the medians.
/// Run it in a release build against the same broker as the Python baseline
/// (`Tests/Benchmarks/kafka/run.sh` does both).
struct KafkaBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kafka",
        abstract: "Measure produce and consume throughput of the Swift Kafka layer.")

    @Option(help: "Broker to use.") var bootstrap: String = ProcessInfo.processInfo.environment["KAFKA_BOOTSTRAP"] ?? "127.0.0.1:9092"
    @Option(help: "Messages per run.") var messages: Int = 200_000
    @Option(help: "Bytes per message value.") var size: Int = 200
    @Option(help: "Partitions of each run's topic.") var partitions: Int32 = 4

    @Option(help: "Messages the consumer buffers for the application (KafkaConsumerConfiguration.bufferedMessages) before fetching waits.")
    var buffered = KafkaConsumerConfiguration.defaultBufferedMessages

    @Option(help: "Runs; the medians are reported.") var runs: Int = 3
    @Option(help: "Give up on a run after this many seconds.") var timeout: Int = 120

    mutating func run() async throws {
        guard messages > 0, messages <= 5_000_000, size > 0, size <= 1_000_000, runs > 0, runs <= 20 else {
            throw ValidationError("messages must be 1...5000000, size 1...1000000, runs 1...20")
        }
        var logger = Logger(label: "newsflash.bench")
        logger.logLevel = .error
        let client = KafkaClientConfiguration(bootstrapServers: [bootstrap], clientID: "newsflash-bench")
        let admin = try KafkaAdmin(configuration: KafkaAdminConfiguration(client: client), logger: logger)
        try await admin.waitUntilReachable()
        print("librdkafka \(LibrdkafkaVersion.runtimeString), \(messages) messages x \(size) B, \(partitions) partitions, broker \(bootstrap)")
        var produceRates: [Double] = []
        var consumeRates: [Double] = []
        for run in 1...runs {
            let topic = "bench-swift-\(UUID().uuidString.prefix(8).lowercased())"
            _ = try await admin.createTopics([KafkaTopicSpecification(name: topic, partitions: partitions)])
            let produce = try await measureProduce(topic: topic, client: client, logger: logger)
            let consume = try await measureConsume(topic: topic, client: client, logger: logger)
            try? await admin.deleteTopics([topic])
            produceRates.append(produce)
            consumeRates.append(consume)
            print(String(format: "run %d: produce %.0f msg/s (%.1f MB/s), consume %.0f msg/s (%.1f MB/s)",
                         run, produce, produce * Double(size) / 1e6, consume, consume * Double(size) / 1e6))
        }
        await admin.close()
        let produce = median(produceRates)
        let consume = median(consumeRates)
        print(String(format: "swift median: produce %.0f msg/s (%.1f MB/s), consume %.0f msg/s (%.1f MB/s)",
                     produce, produce * Double(size) / 1e6, consume, consume * Double(size) / 1e6))
    }

    private func measureProduce(topic: String, client: KafkaClientConfiguration, logger: Logger) async throws -> Double {
        var configuration = KafkaProducerConfiguration(client: client)
        configuration.compression = .none
        configuration.queueMaxMessages = 500_000
        let (producer, reports) = try KafkaProducer.makeWithDeliveryReports(configuration: configuration, logger: logger)
        let payload = [UInt8](repeating: UInt8(ascii: "x"), count: size)
        let count = messages
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + .seconds(timeout)
        let delivered = Task {
            var acknowledged = 0
            for await report in reports {
                if let error = report.error { throw BenchmarkError("delivery failed: \(error)") }
                acknowledged += 1
                if acknowledged == count { break }
            }
            return acknowledged
        }
        var sent = 0
        while sent < count {
            let queued = try enqueue(producer, KafkaProducerMessage(topic: topic, key: nil, value: payload))
            if queued {
                sent += 1
            } else {
                guard clock.now < deadline else { throw BenchmarkError("produce timed out") }
                try await Task.sleep(for: .microseconds(200))
            }
        }
        _ = try await delivered.value
        let elapsed = clock.now - start
        await producer.shutdown()
        return Double(count) / elapsed.seconds
    }

    /// Enqueues one message; false when the local queue is full.
    private func enqueue(_ producer: KafkaProducer, _ message: KafkaProducerMessage) throws -> Bool {
        do {
            try producer.sendAndForget(message)
            return true
        } catch {
            if error.code == .queueFull { return false }
            throw error
        }
    }

    private func measureConsume(topic: String, client: KafkaClientConfiguration, logger: Logger) async throws -> Double {
        let positions = (0..<partitions).map { KafkaTopicPartitionOffset(topic: topic, partition: $0, offset: KafkaTopicPartitionOffset.beginning) }
        var configuration = KafkaConsumerConfiguration(client: client, groupID: "bench-\(topic)", subscription: .partitions(positions))
        configuration.isAutoCommitEnabled = false
        configuration.bufferedMessages = buffered
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + .seconds(timeout)
        var received = 0
        var bytes = 0
        for try await message in consumer.messages {
            received += 1
            bytes += message.value.count
            if received == messages { break }
            if received % 10_000 == 0, clock.now > deadline { throw BenchmarkError("consume timed out after \(received)") }
        }
        let elapsed = clock.now - start
        await consumer.close()
        guard bytes == messages * size else { throw BenchmarkError("read \(bytes) bytes, expected \(messages * size)") }
        return Double(received) / elapsed.seconds
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
