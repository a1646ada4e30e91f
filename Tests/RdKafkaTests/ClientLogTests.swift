import Logging
@testable import RdKafka
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

    /// A producer of client id `clientID` whose broker refuses every connection (a loopback port
    /// nobody listens on once let go), reconnecting every 50 ms, and every record it logs.
    private func refusedProducer(_ clientID: String, backoff: [String: String] = ["reconnect.backoff.ms": "50"])
        throws -> (KafkaProducer, LockedBox<[RecordingHandler.Record]>)
    {
        let records = LockedBox<[RecordingHandler.Record]>([])
        let logger = Logger(label: "client-log-test") { _ in RecordingHandler(sink: { record in records.withLock { $0.append(record) } }) }
        let port = try TakenPort().port
        var configuration = KafkaProducerConfiguration(
            client: KafkaClientConfiguration(bootstrapServers: ["127.0.0.1:\(port)"], clientID: clientID))
        configuration.client.additionalConfig.merge(backoff) { $1 }
        return (try KafkaProducer.make(configuration: configuration, logger: logger), records)
    }

    @Test("a refused connection's log lines and client error carry kafka.client, librdkafka's name of the client")
    func librdkafkaLinesNameTheClient() async throws {
        let (producer, records) = try refusedProducer("client-log-test")
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

    @Test("a broker that stays unreachable is logged once per kind of line in ten seconds, not on every reconnect attempt")
    func anUnreachableBrokerIsNotLoggedOnEveryAttempt() async throws {
        // Reconnect attempts every 50 ms or so (librdkafka made ten in the three seconds below).
        let (producer, records) = try refusedProducer(
            "client-log-repeats", backoff: ["reconnect.backoff.ms": "50", "reconnect.backoff.max.ms": "50"])
        let began = ContinuousClock.now
        try await Task.sleep(for: .seconds(3))
        await producer.shutdown()
        // Three seconds alone; under the whole suite's load the sleep has lasted 148 s. One line of
        // each kind goes out per 10 s, and librdkafka attempts a connection several times a second.
        let allowed = Int((ContinuousClock.now - began) / .seconds(10)) + 1
        let refused = records.withLock { $0 }.filter { record in
            let text = "\(record.metadata["kafka.message"] ?? record.metadata["kafka.error"] ?? "")"
            return text.contains("Connection refused")
        }
        let kinds = Dictionary(grouping: refused) { record in
            "\(record.message) \(RepeatedLineLimiter.kind(of: "\(record.metadata["kafka.message"] ?? record.metadata["kafka.error"] ?? "")"))"
        }
        #expect(!kinds.isEmpty, "no refused connection logged at all")
        for (kind, lines) in kinds {
            #expect(lines.count <= allowed, "\(lines.count) lines of (at most \(allowed)): \(kind)")
        }
    }
}
