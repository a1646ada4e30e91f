import ArgumentParser
import Foundation
import Ingest
import NewsModel
import RdKafka
import SubscriptionStore

/// `newsflash status`: the pipeline on one screen.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "One screen: each stage's lag and throughput, failing sources and endpoints, dead letters, the broker.",
        discussion: """
            Stages are found by their configured consumer groups and input topics (classify.group, classify.input, \
            match.group, …; the same file, environment and flags as `run`). Per stage: the group's state and \
            members, its lag on the input topic (end offsets checked against the records), the age of the oldest \
            message it has not processed, and two rates: messages written to its input and messages it committed, \
            per second. A single screen measures the rates over --sample seconds; --watch over the last 5 minutes \
            of its screens. Failing sources come from ingest's state (ingest.state) when sources are configured, \
            failing endpoints and disabled subscriptions from the subscription store, dead letters from \
            alerts.dlq and alerts.dlq.resolved. Status creates neither the state nor a SQLite store: where \
            one is not there, the screen says so.

            Exit codes: 0 shown; 1 the broker cannot be reached (the screen says so; with --watch it keeps \
            trying); 64 bad usage.

            Examples:
              newsflash status
              newsflash status --watch --interval 10
              newsflash status --json | jq '.stages[] | select(.lag > 0)'
            """)

    @OptionGroup var store: StoreOptions
    @OptionGroup var ingest: IngestFiles

    @Flag(help: "Refresh the screen every --interval seconds until Ctrl-C.") var watch = false
    @Option(help: "Seconds between screens with --watch.") var interval: Double = 5
    @Option(help: "Seconds between the two samples of a single screen's rates.") var sample: Double = 3
    @Option(help: "With --watch: stop after this many screens.") var count: Int?
    @Flag(help: "One JSON object per screen.") var json = false

    func validate() throws {
        guard interval >= 1, interval <= 3600 else { throw ValidationError("--interval must be 1...3600 seconds") }
        guard sample >= 0.5, sample <= 300 else { throw ValidationError("--sample must be 0.5...300 seconds") }
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        if count != nil, !watch { throw ValidationError("--count goes with --watch") }
    }

    func run() async throws {
        let setup = try store.setup("newsflash.status", flags: ingest.flags)
        let stop = StopSignal()
        var history: [StatusSnapshot] = []
        var screens = 0
        while true {
            if !watch {
                // A first sample for the rates.
                if let first = try? await StatusSnapshot.take(setup, counts: true) { history.append(first) }
                try await Task.sleep(for: .milliseconds(Int(sample * 1000)))
            }
            let snapshot = try await StatusSnapshot.take(setup, counts: false)
            // Rates over the oldest screen of the last 5 minutes.
            let view = snapshot.view(since: history.first { snapshot.at.timeIntervalSince($0.at) <= 300 && $0.brokerError == nil })
            if json {
                try printJSONLine(view.jsonObject)
            } else {
                if watch { print("\u{1B}[H\u{1B}[2J", terminator: "") }
                print(view.table)
            }
            screens += 1
            history.append(snapshot)
            history.removeAll { snapshot.at.timeIntervalSince($0.at) > 330 }
            guard watch, !stop.requested, screens < (count ?? .max) else {
                if snapshot.brokerError != nil { throw ExitCode(1) }
                return
            }
            let until = ContinuousClock.now + .milliseconds(Int(interval * 1000))
            while ContinuousClock.now < until, !stop.requested { try await Task.sleep(for: .milliseconds(100)) }
            if stop.requested { return }
        }
    }
}

/// The pipeline at one moment.
struct StatusSnapshot {
    struct Stage {
        var name: String
        var group: String
        var input: String
        /// nil when the group does not exist (the stage never ran here).
        var state: String?
        var members: Int
        var lag, committed, end: Int64
        var oldestUnprocessedAt: Date?
    }

    var at: Date
    var bootstrap: String
    var brokerError: String?
    var stages: [Stage] = []
    var deadLetters: (pending: Int, total: Int)?
    var failingSources: [(id: String, failures: Int, lastError: String?)]?
    var failingEndpoints: [EndpointFailure]?
    var disabledSubscriptions: [String]?
    var problems: [String] = []

    /// The stages and their groups as configured.
    static func stages(_ setup: CommandSetup) throws -> [(name: String, group: String, input: String)] {
        let config = setup.config
        return [
            ("classify", try config.string("classify.group"), try config.string("classify.input")),
            ("match", try config.string("match.group"), try config.string("match.input")),
            ("notify-webhook", try config.string("notifyWebhook.group"), Topics.alertsDeliveries),
            ("notify-email", try config.string("notifyEmail.group"), Topics.alertsDeliveries),
            ("receipts", try config.string("api.receiptsGroup"), Topics.alertsReceipts),
        ]
    }

    /// - Parameter counts: only what the rates need (a first sample).
    static func take(_ setup: CommandSetup, counts: Bool) async throws -> StatusSnapshot {
        var snapshot = StatusSnapshot(at: Date(), bootstrap: setup.kafka.bootstrapServers.joined(separator: ","))
        do {
            try await setup.checkBroker()
            try await snapshot.readStages(setup, ages: !counts)
        } catch {
            snapshot.brokerError = "\(error)"
        }
        if counts { return snapshot }
        if snapshot.brokerError == nil {
            do {
                let letters = try await DeadLetters.read(since: nil, setup: setup)
                snapshot.deadLetters = (letters.filter { $0.resolution == nil }.count, letters.count)
            } catch {
                snapshot.problems.append("dead letters: \(error)")
            }
        }
        do {
            let (failing, disabled) = try await setup.withStore { store in
                (try await store.failingEndpoints(), try await store.all().filter { $0.status == .disabled }.map(\.id))
            }
            snapshot.failingEndpoints = failing
            snapshot.disabledSubscriptions = disabled
        } catch {
            snapshot.problems.append("subscription store: \(error)")
        }
        // Sources only where this configuration has them (the file that ingest runs with).
        if let configuration = try? Stages.IngestSettings.sources(setup.config), !configuration.sources.isEmpty {
            do {
                let (path, store) = try Stages.IngestSettings.existingState(setup.config)
                guard let store else { throw CLIError("no file at \(path) (ingest.state): no source has been polled with it") }
                let threshold = configuration.failureAlertThreshold
                snapshot.failingSources = try await store.states().filter { $0.consecutiveFailures >= threshold }
                    .map { ($0.sourceID, $0.consecutiveFailures, $0.lastError) }
            } catch {
                snapshot.problems.append("ingest state: \(error)")
            }
        }
        return snapshot
    }

    private mutating func readStages(_ setup: CommandSetup, ages: Bool) async throws {
        let admin = try await setup.connectedAdmin()
        do {
            let groups = Set(try await admin.listGroups().map(\.name))
            let topics = try await admin.listTopics()
            for (name, group, input) in try Self.stages(setup) {
                guard let description = topics.first(where: { $0.name == input }) else {
                    problems.append("\(name): no topic \(input) (newsflash topics init)")
                    continue
                }
                if groups.contains(group) {
                    let report = try await GroupReport.read(group, from: admin, setup: setup, ages: ages)
                    let positions = report.positions.filter { $0.partition.topic == input }
                    stages.append(Stage(
                        name: name, group: group, input: input, state: report.state, members: report.members.count,
                        lag: positions.reduce(0) { $0 + $1.lag }, committed: positions.reduce(0) { $0 + ($1.committed ?? $1.low) },
                        end: positions.reduce(0) { $0 + $1.end }, oldestUnprocessedAt: positions.compactMap(\.oldestUnprocessedAt).min()))
                } else {
                    // Never ran here: everything retained is unprocessed.
                    var highs: [KafkaTopicPartition: Int64] = [:], lows: [KafkaTopicPartition: Int64] = [:]
                    for partition in description.partitions {
                        let id = KafkaTopicPartition(topic: input, partition: partition.id)
                        let marks = try await admin.watermarks(for: id)
                        (highs[id], lows[id]) = (marks.high, marks.low)
                    }
                    let ends = try await setup.verifiedEnds(highs)
                    let lag = ends.reduce(0) { $0 + max(0, $1.value - (lows[$1.key] ?? 0)) }
                    let times = ages ? try await setup.recordTimes(at: lows.filter { (ends[$0.key] ?? 0) > $0.value }) : [:]
                    stages.append(Stage(
                        name: name, group: group, input: input, state: nil, members: 0, lag: lag, committed: lows.values.reduce(0, +),
                        end: ends.values.reduce(0, +), oldestUnprocessedAt: times.values.min()))
                }
            }
            await admin.close()
        } catch {
            await admin.close()
            throw error
        }
    }

    /// What a screen shows: this snapshot, with rates against `base`.
    func view(since base: StatusSnapshot?) -> StatusView { StatusView(now: self, base: base) }
}

struct StatusView: CommandReport {
    var now: StatusSnapshot
    var base: StatusSnapshot?

    /// Per second between `base` and `now`: (written to the input, committed by the group).
    func rates(_ stage: StatusSnapshot.Stage) -> (produced: Double, processed: Double)? {
        guard let base, let before = base.stages.first(where: { $0.name == stage.name && $0.group == stage.group }) else { return nil }
        let seconds = now.at.timeIntervalSince(base.at)
        guard seconds > 0 else { return nil }
        return (Double(max(0, stage.end - before.end)) / seconds, Double(max(0, stage.committed - before.committed)) / seconds)
    }

    var table: String {
        var lines = ["newsflash status at \(RFC3339Time.format(now.at))"]
        if let error = now.brokerError {
            lines.append("broker \(now.bootstrap): UNREACHABLE: \(error)")
        } else {
            lines.append("broker \(now.bootstrap): reachable")
            let window = base.map { String(format: "%.0fs", now.at.timeIntervalSince($0.at)) } ?? "-"
            lines.append("STAGE\tGROUP\tINPUT\tSTATE\tMEMBERS\tLAG\tOLDEST-UNPROCESSED\tIN/s\tDONE/s (over \(window))")
            for stage in now.stages {
                let rates = rates(stage)
                lines.append([
                    stage.name, stage.group, stage.input, stage.state ?? "no group", "\(stage.members)", "\(stage.lag)",
                    ageText(stage.oldestUnprocessedAt, now: now.at),
                    rates.map { String(format: "%.1f", $0.produced) } ?? "-", rates.map { String(format: "%.1f", $0.processed) } ?? "-",
                ].joined(separator: "\t") + (stage.members == 0 && stage.lag > 0 ? "\tSTOPPED WITH LAG" : ""))
            }
        }
        if let letters = now.deadLetters { lines.append("dead letters: \(letters.pending) pending (\(letters.total) on \(Topics.alertsDLQ)); newsflash dlq list") }
        if let sources = now.failingSources {
            lines.append(sources.isEmpty ? "sources: none failing" : "failing sources: " + sources.map {
                "\($0.id) (\($0.failures) failures in a row\($0.lastError.map { "; \($0)" } ?? ""))"
            }.joined(separator: ", "))
        }
        if let endpoints = now.failingEndpoints {
            lines.append(endpoints.isEmpty ? "endpoints: none failing" : "failing endpoints: " + endpoints.map {
                "\($0.subscriptionID) since \(RFC3339Time.format($0.failingSince))"
            }.joined(separator: ", "))
        }
        if let disabled = now.disabledSubscriptions, !disabled.isEmpty { lines.append("disabled subscriptions: \(disabled.joined(separator: ", "))") }
        for problem in now.problems { lines.append("cannot show \(problem)") }
        return lines.joined(separator: "\n")
    }

    var jsonObject: [String: Any] {
        var object: [String: Any] = [
            "at": RFC3339Time.format(now.at),
            "broker": ["bootstrap": now.bootstrap, "reachable": now.brokerError == nil, "error": now.brokerError as Any? ?? NSNull()] as [String: Any],
            "rateWindowSeconds": base.map { now.at.timeIntervalSince($0.at) as Any } ?? NSNull(),
            "stages": now.stages.map { stage in
                let rates = rates(stage)
                return [
                    "stage": stage.name, "group": stage.group, "input": stage.input, "state": stage.state as Any? ?? NSNull(),
                    "members": stage.members, "lag": stage.lag, "committed": stage.committed, "end": stage.end,
                    "oldestUnprocessedAt": stage.oldestUnprocessedAt.map { RFC3339Time.format($0) as Any } ?? NSNull(),
                    "producedPerSecond": rates.map { $0.produced as Any } ?? NSNull(),
                    "processedPerSecond": rates.map { $0.processed as Any } ?? NSNull(),
                ] as [String: Any]
            },
            "problems": now.problems,
        ]
        if let letters = now.deadLetters { object["deadLetters"] = ["pending": letters.pending, "total": letters.total] }
        if let sources = now.failingSources {
            object["failingSources"] = sources.map { ["source": $0.id, "consecutiveFailures": $0.failures, "lastError": $0.lastError as Any? ?? NSNull()] as [String: Any] }
        }
        if let endpoints = now.failingEndpoints {
            object["failingEndpoints"] = endpoints.map {
                ["subscriptionId": $0.subscriptionID, "failingSince": RFC3339Time.format($0.failingSince), "lastAttempt": RFC3339Time.format($0.lastAttempt)]
            }
        }
        if let disabled = now.disabledSubscriptions { object["disabledSubscriptions"] = disabled }
        return object
    }
}
