import Logging
import RdKafka
import Synchronization
import Testing
import TestSupport

/// librdkafka's own log lines and client errors name the client they are about: a process runs
/// many clients (`up` some twenty), and librdkafka's texts name only its thread and the broker.
@Suite struct ClientLogTests {
    /// Keeps every log record it is given.
    struct RecordingHandler: LogHandler {
        struct Record: Sendable {
            var level: Logger.Level
            var message: String
            var metadata: Logger.Metadata
        }

        let sink: @Sendable (Record) -> Void
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            sink(Record(level: event.level, message: "\(event.message)", metadata: metadata.merging(event.metadata ?? [:]) { $1 }))
        }
    }

    @Test("a refused connection's log lines and client error carry kafka.client, librdkafka's name of the client")
    func librdkafkaLinesNameTheClient() async throws {
        let records = Mutex<[RecordingHandler.Record]>([])
        let logger = Logger(label: "client-log-test") { _ in RecordingHandler(sink: { record in records.withLock { $0.append(record) } }) }
        // A loopback port nobody listens on once let go: every connection is refused.
        let port = try TakenPort().port
        var configuration = KafkaProducerConfiguration(
            client: KafkaClientConfiguration(bootstrapServers: ["127.0.0.1:\(port)"], clientID: "client-log-test"))
        configuration.client.additionalConfig["reconnect.backoff.ms"] = "50"
        let producer = try KafkaProducer.make(configuration: configuration, logger: logger)
        @Sendable func librdkafka() -> [RecordingHandler.Record] {
            records.withLock { $0 }.filter { $0.message == "librdkafka" || $0.message == "kafka client error" }
        }
        try await withDeadline(.seconds(20), "a librdkafka log line or client error about the refused connection") {
            while librdkafka().isEmpty { try await Task.sleep(for: .milliseconds(50)) }
        }
        await producer.shutdown()
        let lines = librdkafka()
        for line in lines {
            let client = line.metadata["kafka.client"].map { "\($0)" } ?? ""
            #expect(client.hasPrefix("client-log-test#producer-"), "\(line.message) \(line.metadata)")
        }
    }
}
