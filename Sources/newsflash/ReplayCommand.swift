import ArgumentParser
import Dispatch
import Foundation
import MatchStage
import NewsModel
import Pipeline
import RdKafka
import Subscriptions
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `newsflash replay`: copy a slice of a stream into a stage's input again, or to one subscriber.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Copy a slice of a topic into a stage's input again, or straight to one subscription.",
        discussion: """
            The slice is a time window (--since, --until; records by their timestamps, ends excluded) or offsets \
            (--from-offset P:N, --to-offset P:N with P a partition, or N alone for every partition; --to-offset is \
            exclusive, as an end offset is; the default end is the end of the partition now). What arrives after \
            the replay starts is never part of it. --to sends a copy to a topic: news.raw to be classified again, \
            news.classified to be matched again, alerts.deliveries to be notified again (dead letters from \
            alerts.dlq go back as their deliveries, with a fresh attempt history). --to-subscription re-matches \
            news.classified items against that one subscription, or sends it its own deliveries or dead letters. \
            --filter takes the subscription filter language and applies to classified items.

            Replayed messages keep their bytes and ids (a delivery keeps its delivery id, so its webhook-id), so \
            downstream dedupe and receivers that keep ids hold; each carries a newsflash-replay header with the \
            replay's id. Progress: a bar on a terminal, a line every 5 s otherwise (stderr).

            Resuming: the replay saves a checkpoint file (--checkpoint, default newsflash-replay-<id>.json) after \
            every batch the broker acknowledged. Ctrl-C or SIGTERM stops after the batch in flight and saves; \
            `newsflash replay --resume FILE` then goes on from there and neither skips nor repeats a message. After \
            a crash (SIGKILL) a resume repeats at most one batch (200 messages), under their original ids.

            Exit codes: 0 the slice was replayed (or previewed); 1 the broker, the topic or the subscription could \
            not be found, or a send failed (resume to go on); 2 stopped by a signal, or the broker sent nothing more \
            before the slice's end (resume to go on); 64 bad usage.

            Examples:
              newsflash replay news.raw --since 2026-12-03T02:00:00Z --until 2026-12-03T03:10:00Z --to news.raw
              newsflash replay news.classified --since 2h --filter 'topic:Sports' --to-subscription sub_0123 --dry-run
              newsflash replay alerts.dlq --since 1d --to alerts.deliveries --rate 50/s
              newsflash replay news.classified --from-offset 0:1200 --to-offset 0:1300 --to news.classified
              newsflash replay --resume newsflash-replay-rpl_5f1c0e2a9b7d4c31.json
            """)

    @OptionGroup var store: StoreOptions

    @Argument(help: "The topic to read the slice from (not with --resume).") var topic: String?
    @Option(help: "Start of a time window: an RFC 3339 time, or a duration ago such as 90s, 15m, 2h, 1d.") var since: String?
    @Option(help: "End of the time window (excluded); default: now.") var until: String?

    @Option(name: .customLong("from-offset"), help: "First offset, P:N for partition P, or N for every partition (repeatable).")
    var fromOffsets: [String] = []

    @Option(name: .customLong("to-offset"), help: "End offset (excluded), P:N or N as --from-offset (repeatable); default: the end now.")
    var toOffsets: [String] = []

    @Option(help: "Only classified items that this subscription filter matches, e.g. 'topic:Sports AND region:Europe'.") var filter: String?
    @Option(help: "The topic to copy the slice to.") var to: String?
    @Option(help: "Re-deliver to this subscription only (id), through alerts.deliveries.") var toSubscription: String?
    @Option(help: "At most this many messages a second, e.g. 50 or 50/s (default: as fast as the broker acknowledges).") var rate: String?
    @Flag(help: "Print what would be sent and how many; send nothing and save no checkpoint.") var dryRun = false
    @Option(help: "The checkpoint file (default: newsflash-replay-<id>.json in the current directory).") var checkpoint: String?
    @Option(help: "Resume the replay saved in this checkpoint file; takes no slice, target or filter options.") var resume: String?
    @Flag(help: "JSON lines: with --dry-run one per message that would be sent; always a summary line at the end.") var json = false

    func validate() throws {
        if resume != nil {
            guard topic == nil, since == nil, until == nil, fromOffsets.isEmpty, toOffsets.isEmpty, filter == nil, to == nil,
                  toSubscription == nil, rate == nil, checkpoint == nil
            else { throw ValidationError("--resume takes the replay from its checkpoint file: give no topic, slice, filter, target, rate or --checkpoint") }
            return
        }
        guard topic != nil else { throw ValidationError("give the topic to replay from (or --resume FILE)") }
        guard (to == nil) != (toSubscription == nil) else { throw ValidationError("give exactly one of --to TOPIC and --to-subscription ID") }
        guard (since == nil) != fromOffsets.isEmpty else { throw ValidationError("give either --since (a time window) or --from-offset (offsets)") }
        if until != nil, since == nil { throw ValidationError("--until needs --since") }
        if !toOffsets.isEmpty, fromOffsets.isEmpty { throw ValidationError("--to-offset needs --from-offset") }
        let now = Date()
        if let since { _ = try TimeArgument.parse(since, "--since", now: now) }
        if let until { _ = try TimeArgument.parse(until, "--until", now: now) }
        for text in fromOffsets + toOffsets { _ = try Self.offset(text) }
        if let rate { _ = try Self.rate(rate) }
    }

    /// `P:N` (partition, offset) or `N` (every partition: partition nil).
    static func offset(_ text: String) throws -> (partition: Int32?, offset: Int64) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 1, let offset = Int64(parts[0]), offset >= 0 { return (nil, offset) }
        if parts.count == 2, let partition = Int32(parts[0]), partition >= 0, let offset = Int64(parts[1]), offset >= 0 { return (partition, offset) }
        throw ValidationError("an offset is P:N (partition P, offset N) or N for every partition, both >= 0; got '\(text)'")
    }

    static func rate(_ text: String) throws -> Double {
        let number = text.hasSuffix("/s") ? String(text.dropLast(2)) : text
        guard let rate = Double(number), rate > 0, rate <= 1_000_000 else { throw ValidationError("--rate must be a number of messages a second, e.g. 50 or 50/s; got '\(text)'") }
        return rate
    }

    func run() async throws {
        let setup = try store.setup("newsflash.replay")
        try await setup.checkBroker()
        // A resumed replay takes everything from its checkpoint; a new one from the options.
        var saved: ReplayCheckpoint?
        if let resume {
            do {
                saved = try ReplayCheckpoint.load(resume)
            } catch {
                throw CLIError("cannot read the checkpoint \(resume): \(error)")
            }
            if let saved, saved.isComplete {
                print("replay \(saved.replayID) is complete: \(saved.sent) sent (\(resume))")
                return
            }
        }
        let now = Date()
        let topic = saved?.topic ?? self.topic!
        guard let target = saved.map(\.target) ?? to.map(ReplayTarget.topic) ?? toSubscription.map(ReplayTarget.subscription) else {
            throw CLIError("the checkpoint \(resume ?? "?") names no target")
        }
        let sinceTime = try saved.map(\.since) ?? since.map { try TimeArgument.parse($0, "--since", now: now) }
        let untilTime = try saved.map(\.until) ?? until.map { try TimeArgument.parse($0, "--until", now: now) } ?? (sinceTime == nil ? nil : now)
        if let sinceTime, let untilTime, untilTime <= sinceTime { throw CLIError("--until must be after --since") }
        let filterText = saved.map(\.filter) ?? filter
        let replayID = saved?.replayID ?? Self.newID()

        // What goes where is checked before anything is read.
        var subscription: Subscription?
        if case .subscription(let id) = target {
            subscription = try await setup.withStore { try await $0.subscription(id) }
            guard subscription != nil else { throw CLIError("no subscription \(id)") }
        }
        let parser = try SubscriptionFiles.filterParser()
        let router: ReplayRouter
        do {
            let expression = try filterText.map { text in
                do { return try parser.parse(text) } catch { throw CLIError("--filter: \(error)") }
            }
            router = try ReplayRouter(
                sourceTopic: topic, target: target, since: sinceTime, until: untilTime, filter: expression,
                subscription: subscription, parser: parser, replayID: replayID)
        } catch let error as ReplayError {
            throw CLIError(error.description)
        }
        let plan: ReplayCheckpoint
        if let saved {
            plan = saved
        } else {
            plan = try await makePlan(setup, ReplayCheckpoint(
                replayID: replayID, topic: topic, target: target, since: sinceTime, until: untilTime, filter: filterText,
                ratePerSecond: try rate.map(Self.rate), next: [:], end: [:]))
        }
        let path = resume ?? checkpoint ?? "newsflash-replay-\(replayID).json"
        let replayer = Replayer(
            reader: RetainedTopicReader(client: setup.kafka.client("newsflash-replay"), topic: topic, maximumMessages: Int.max, logger: setup.logger),
            router: router)
        try await execute(replayer, plan: plan, path: path, setup: setup)
    }

    static func newID() -> String { "rpl_" + Subscription.randomHex(8) }

    /// The slice's offsets, fixed now: what arrives later is not part of the replay.
    private func makePlan(_ setup: CommandSetup, _ empty: ReplayCheckpoint) async throws -> ReplayCheckpoint {
        var plan = empty
        let topic = plan.topic
        let reader = RetainedTopicReader(client: setup.kafka.client("newsflash-replay"), topic: topic, logger: setup.logger)
        let bounds: [Int32: RetainedTopicReader.PartitionBounds]
        do {
            bounds = try await reader.bounds(at: plan.since)
        } catch let error as KafkaError where error.code == .unknownTopicOrPartition {
            throw CLIError("no topic named \(topic); `newsflash topics list` shows them")
        }
        var next: [Int32: Int64] = [:], end: [Int32: Int64] = [:]
        if plan.since != nil {
            for (partition, bound) in bounds {
                next[partition] = bound.atTime ?? bound.low
                end[partition] = bound.high
            }
        } else {
            for text in fromOffsets {
                let (partition, offset) = try Self.offset(text)
                if let partition, bounds[partition] == nil { throw CLIError("\(topic) has no partition \(partition) (it has \(bounds.count))") }
                for (id, bound) in bounds where partition == nil || partition == id {
                    next[id] = max(offset, bound.low)
                    end[id] = bound.high
                }
            }
            for text in toOffsets {
                let (partition, offset) = try Self.offset(text)
                if let partition, next[partition] == nil { throw CLIError("--to-offset \(text) names a partition that no --from-offset does") }
                for id in next.keys where partition == nil || partition == id { end[id] = min(end[id] ?? offset, offset) }
            }
        }
        plan.next = Dictionary(uniqueKeysWithValues: next.map { (String($0.key), $0.value) })
        plan.end = Dictionary(uniqueKeysWithValues: end.map { (String($0.key), $0.value) })
        return plan
    }

    private func execute(_ replayer: Replayer, plan: ReplayCheckpoint, path: String, setup: CommandSetup) async throws {
        let stop = StopSignal()
        let destination = plan.to ?? "subscription \(plan.toSubscription ?? "?")"
        let display = ProgressDisplay(json: json)
        if !json {
            let what = plan.since.map { "from \(RFC3339Time.format($0)) to \(plan.until.map(RFC3339Time.format) ?? "now")" } ?? "by offsets"
            display.line("replay \(plan.replayID): \(plan.topic) \(what), \(plan.left) messages to read, to \(destination)"
                + (dryRun ? " (dry run: nothing is sent)" : "; checkpoint \(path)"))
        }
        let asJSON = json, dry = dryRun
        let counts = DryRunCounts()
        let producer: KafkaProducer? = dryRun ? nil : try KafkaProducer.make(configuration: KafkaProducerConfiguration(client: setup.kafka.client("newsflash-replay")), logger: setup.logger)
        if !dryRun { try plan.save(path) }
        let outcome: Replayer.Outcome
        let final: ReplayCheckpoint
        do {
            (outcome, final) = try await replayer.run(
                plan, producer: producer,
                save: { try $0.save(path) },
                shouldStop: { stop.requested },
                progress: { display.update($0) },
                preview: { message, decision in
                    guard dry, case .send(let output) = decision else { return }
                    counts.add()
                    Self.preview(message, output, json: asJSON)
                })
        } catch {
            await producer?.shutdown()
            display.finish()
            throw CLIError("replay \(plan.replayID) failed: \(error); what was acknowledged is in \(path): resume with newsflash replay --resume \(path)")
        }
        await producer?.shutdown()
        display.finish()
        let sent = dryRun ? counts.value : final.sent - plan.sent
        let skipped = final.skipped.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        let state = switch outcome { case .complete: "complete"; case .stopped: "stopped"; case .incomplete: "incomplete"; case .truncated: "truncated" }
        if json {
            var summary: [String: Any] = [
                "replayId": plan.replayID, "state": state, "dryRun": dryRun, "sent": sent, "skipped": final.skipped,
                "topic": plan.topic, "left": final.left,
            ]
            if !dryRun { summary["checkpoint"] = path }
            try printJSONLine(summary)
        } else {
            let verb = dryRun ? "would send" : "sent"
            print("replay \(plan.replayID) \(state): \(verb) \(sent) to \(destination)" + (skipped.isEmpty ? "" : "; skipped \(skipped)"))
        }
        switch outcome {
        case .complete: return
        case .stopped, .incomplete, .truncated:
            if !dryRun {
                let reason = outcome == .stopped ? "stopped by a signal" : "the broker sent nothing more before the end of the slice"
                FileHandle.standardError.write(Data("replay: \(reason), \(final.left) messages left; resume with: newsflash replay --resume \(path)\n".utf8))
            }
            throw ExitCode(2)
        }
    }

    static func preview(_ message: KafkaConsumerMessage, _ output: KafkaProducerMessage, json: Bool) {
        let id = (try? JSONSerialization.jsonObject(with: Data(output.value)) as? [String: Any])?["eventId"] as? String ?? "?"
        let key = output.key.map { String(decoding: $0, as: UTF8.self) } ?? ""
        if json {
            try? printJSONLine([
                "from": "\(message.topic)/\(message.partition)/\(message.offset)", "to": output.topic, "key": key, "eventId": id,
            ] as [String: Any])
        } else {
            print("\(message.topic)/\(message.partition)/\(message.offset)\t-> \(output.topic)\tkey \(key)\t\(id)")
        }
    }

    private final class DryRunCounts: Sendable {
        private let count = Mutex(0)
        func add() { count.withLock { $0 += 1 } }
        var value: Int { count.withLock { $0 } }
    }
}

/// SIGINT and SIGTERM ask a long command to stop at its next safe point instead of killing it.
final class StopSignal: @unchecked Sendable {  // `sources` is written once, in init
    private let flag = Atomic<Bool>(false)
    private var sources: [any DispatchSourceSignal] = []

    init() {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in self?.flag.store(true, ordering: .relaxed) }
            source.resume()
            sources.append(source)
        }
    }

    var requested: Bool { flag.load(ordering: .relaxed) }
}

/// Progress on stderr: a bar redrawn in place on a terminal, a plain line every 5 s otherwise.
final class ProgressDisplay: Sendable {
    private let isTerminal: Bool
    private let quiet: Bool
    private let last = Mutex<ContinuousClock.Instant?>(nil)

    init(json: Bool) {
        isTerminal = isatty(STDERR_FILENO) == 1
        quiet = json && !isTerminal
    }

    func line(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    func update(_ progress: ReplayProgress) {
        guard !quiet else { return }
        let now = ContinuousClock.now
        let due = last.withLock { last -> Bool in
            let interval: Duration = isTerminal ? .milliseconds(200) : .seconds(5)
            if let previous = last, now - previous < interval { return false }
            last = now
            return true
        }
        guard due else { return }
        let seconds = max(Double(progress.elapsed.components.seconds) + Double(progress.elapsed.components.attoseconds) / 1e18, 0.001)
        let rate = Double(progress.read) / seconds
        let total = max(progress.total, 1)
        let fraction = min(Double(progress.read) / Double(total), 1)
        let eta = rate > 0 ? Int((Double(total) - Double(progress.read)) / rate) : 0
        let counts = "\(progress.read)/\(progress.total) read, \(progress.sent) sent, \(progress.skipped) skipped, \(Int(rate))/s, ETA \(max(eta, 0))s"
        if isTerminal {
            let width = 30
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            FileHandle.standardError.write(Data("\r[\(bar)] \(Int(fraction * 100))% \(counts)\u{1B}[K".utf8))
        } else {
            line("replay: \(counts)")
        }
    }

    func finish() {
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
