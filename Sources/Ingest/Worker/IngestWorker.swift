import FeedParsing
import Foundation
import Logging
import Metrics
import NewsModel
import Pipeline
import RdKafka
import ServiceLifecycle
import Synchronization

/// What one poll of one source did.
public struct PollReport: Sendable, Hashable {
    public enum Outcome: String, Sendable, Hashable {
        case published, notModified = "not-modified", failed
    }

    public var sourceID: String
    public var outcome: Outcome
    /// New items and new versions published.
    public var published: Int = 0
    /// Items already published with the same content.
    public var unchanged: Int = 0
    /// Of `published`, how many were new versions of edited items.
    public var newVersions: Int = 0
    public var warnings: [String] = []
    public var error: String?
    /// Seconds until the next poll.
    public var nextPollIn: Double = 0
}

/// The ingest stage: polls every configured feed and ticker page on its own
/// schedule, publishes new items and new versions of edited items to
/// `news.raw` (keyed by item id, waiting for the broker's acknowledgement),
/// and only then remembers them, so an item is published again after a crash
/// but never lost, and never published twice once acknowledged.
///
/// One bad source never stops the others: each has its own task, backoff
/// and health. Sources of kind `push` are not polled.
public final class IngestWorker: Service, Sendable {
    public let configuration: IngestConfiguration
    private let store: IngestStore
    private let producer: KafkaProducer
    private let fetcher: FeedFetcher
    private let parser: FeedParser
    private let topic: String
    private let logger: Logger
    private let hosts: HostLimiter
    /// Serialises publishing per source (polls and pushes).
    private let sourceGate = HostLimiter(limit: 1)
    private let stories: StoryRegistry
    /// Each polled source's loop: polling since, or its next poll due at (for ``stall(after:now:)``).
    private let loops = Mutex<[String: (polling: Bool, at: ContinuousClock.Instant)]>([:])
    /// A push client retries a refused batch every few seconds: one warning per source and error
    /// each ten seconds, with the count of those held back.
    private let refusedPushes = Mutex(RepeatedLineLimiter())

    public init(
        configuration: IngestConfiguration, store: IngestStore, producer: KafkaProducer, fetcher: FeedFetcher,
        topic: String = Topics.newsRaw, logger: Logger
    ) async throws {
        self.configuration = configuration
        self.store = store
        self.producer = producer
        self.fetcher = fetcher
        self.topic = topic
        self.logger = logger
        var limits = FeedParserLimits()
        limits.maximumBytes = configuration.maxResponseBytes
        parser = FeedParser(limits: limits)
        hosts = HostLimiter(limit: configuration.maxConcurrentRequestsPerHost)
        stories = try await StoryRegistry(store: store)
    }

    /// Polls every enabled, pollable source until graceful shutdown or cancellation. With
    /// nothing to poll (only push sources) it waits for the shutdown all the same: a service
    /// that returns early would end its process.
    public func run() async throws {
        let expired = try await store.expireSeen(before: Date().addingTimeInterval(-configuration.seenExpiryDays * 86_400))
        logger.info("ingest starting", metadata: ["ingest.sources": "\(configuration.sources.count)", "ingest.expired": "\(expired)"])
        // Graceful shutdown cancels the polling tasks; a publish in flight finishes or fails
        // before its item is remembered, so nothing is lost.
        let polled = configuration.sources.filter { $0.enabled && $0.kind != .push }
        guard !polled.isEmpty else {
            try? await gracefulShutdown()
            return
        }
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for source in polled {
                    group.addTask { await self.pollForever(source) }
                }
            }
        }
    }

    private func pollForever(_ source: SourceConfiguration) async {
        let schedule = PollSchedule(interval: source.pollIntervalSeconds)
        // Spread the first polls over a tenth of the interval so sources do not start in lockstep.
        try? await Task.sleep(for: .milliseconds(Int(Double.random(in: 0..<0.1) * source.pollIntervalSeconds * 1000)))
        while !Task.isCancelled {
            loops.withLock { $0[source.id] = (true, .now) }
            let report = await poll(source, schedule: schedule)
            loops.withLock { $0[source.id] = (false, .now + .milliseconds(Int(report.nextPollIn * 1000))) }
            try? await Task.sleep(for: .milliseconds(Int(report.nextPollIn * 1000)))
        }
        loops.withLock { $0[source.id] = nil }
    }

    /// Why the worker looks stuck, or nil: a source's poll has run for longer than `limit` (a
    /// fetch has its timeouts, so a publish or the store is wedged), or a source's next poll is
    /// overdue by more than `limit` (its loop has stopped). For liveness probes.
    public func stall(after limit: Duration, now: ContinuousClock.Instant = .now) -> String? {
        let loops = self.loops.withLock { $0 }
        for (source, loop) in loops.sorted(by: { $0.key < $1.key }) where now - loop.at > limit {
            let seconds = (now - loop.at).components.seconds
            return loop.polling ? "source \(source): a poll running for \(seconds) s" : "source \(source): a poll overdue by \(seconds) s"
        }
        return nil
    }

    /// One fetch, parse and publish cycle for a source; never throws (failures are in the report and the source's health).
    public func poll(_ source: SourceConfiguration) async -> PollReport {
        await poll(source, schedule: PollSchedule(interval: source.pollIntervalSeconds))
    }

    private func poll(_ source: SourceConfiguration, schedule: PollSchedule) async -> PollReport {
        var report = PollReport(sourceID: source.id, outcome: .failed)
        var state = (try? await store.state(of: source.id)) ?? IngestStore.SourceState(sourceID: source.id)
        let now = Date()
        state.lastPollAt = now
        var retryAfter: Double?
        do {
            guard let url = source.url else { throw FetchError(code: .invalidURL, message: "source \(source.id) has no url") }
            let host = URL(string: url)?.host ?? url
            await hosts.acquire(host)
            let outcome: FetchOutcome
            do {
                outcome = try await fetcher.fetch(url, headers: source.headers, etag: state.etag, lastModified: state.lastModified)
                await hosts.release(host)
            } catch {
                await hosts.release(host)
                throw error
            }
            switch outcome {
            case .notModified:
                report.outcome = .notModified
            case .content(let document):
                let feed = try parser.parse(document.body, url: document.finalURL, contentType: document.contentType, expecting: source.expectation)
                report.warnings = feed.warnings
                try await publish(feed, from: source, fetchedAt: now, report: &report)
                report.outcome = .published
                state.etag = document.etag
                state.lastModified = document.lastModified
            }
            state.consecutiveFailures = 0
            state.lastSuccessAt = now
            state.itemsPublished += report.published
        } catch {
            let message: String
            switch error {
            case let error as FetchError:
                message = error.message
                retryAfter = error.retryAfter
            case let error as FeedParseError:
                message = "cannot parse \(source.url ?? source.id): \(error.message)"
            case let error as KafkaError:
                message = "publishing failed: \(error)"
            default:
                message = "\(error)"
            }
            report.error = message
            state.consecutiveFailures += 1
            state.lastError = message
            state.lastErrorAt = now
        }
        report.nextPollIn = schedule.delay(consecutiveFailures: state.consecutiveFailures, retryAfter: retryAfter, random: Double.random(in: 0..<1))
        do {
            try await store.save(state)
        } catch {
            logger.error("ingest state not saved", metadata: ["source.id": "\(source.id)", "error": "\(error)"])
        }
        record(report, state: state)
        return report
    }

    /// Publishes what is new or changed, oldest first, then remembers it.
    private func publish(_ feed: ParsedFeed, from source: SourceConfiguration, fetchedAt: Date, report: inout PollReport) async throws {
        let kind: NewsItem.SourceKind = source.kind == .htmlTicker ? .htmlTicker : feed.format.sourceKind
        let results = try await publish(Array(feed.items.reversed()), from: source, kind: kind, fetchedAt: fetchedAt)
        report.unchanged = results.filter { $0.status == .unchanged }.count
        report.newVersions = results.filter { $0.status == .newVersion }.count
        report.published = results.filter { $0.status != .unchanged }.count
    }

    /// What happened to one item.
    public struct ItemResult: Sendable, Hashable, Codable {
        public enum Status: String, Sendable, Hashable, Codable {
            case published
            case newVersion = "new-version"
            /// Already published with the same content: nothing sent.
            case unchanged
        }

        public var guid: String
        public var itemId: String
        public var storyId: String
        public var version: Int
        public var status: Status
    }

    /// Publishes items of a `push` source (in the order given) and returns what happened to each.
    /// Idempotent on the publisher's id: the same item pushed again is `unchanged`.
    /// - Throws: ``ConfigurationError`` when `sourceID` is not an enabled push source; ``KafkaError`` when publishing failed.
    public func ingestPushed(_ items: [ParsedItem], sourceID: String) async throws -> [ItemResult] {
        guard let source = configuration.sources.first(where: { $0.id == sourceID && $0.kind == .push && $0.enabled }) else {
            throw ConfigurationError("no enabled push source \(sourceID)")
        }
        let results: [ItemResult]
        do {
            results = try await publish(items, from: source, kind: .push, fetchedAt: Date())
        } catch {
            if let held = refusedPushes.withLock({ $0.admit("\(sourceID) \(error)", now: .now) }) {
                logger.warning(
                    "push not published; the client is told to retry",
                    metadata: ["source.id": "\(sourceID)", "ingest.items": "\(items.count)", "error": "\(error)", "ingest.repeated": "\(held)"])
            }
            throw error
        }
        Counter(label: "ingest_items_published_total", dimensions: [("source", sourceID)]).increment(by: results.filter { $0.status != .unchanged }.count)
        return results
    }

    private func publish(_ items: [ParsedItem], from source: SourceConfiguration, kind: NewsItem.SourceKind, fetchedAt: Date) async throws -> [ItemResult] {
        // One publish at a time per source, so two deliveries of the same item cannot both see it as new.
        await sourceGate.acquire(source.id)
        do {
            let results = try await publishLocked(items, from: source, kind: kind, fetchedAt: fetchedAt)
            await sourceGate.release(source.id)
            return results
        } catch {
            await sourceGate.release(source.id)
            throw error
        }
    }

    private func publishLocked(_ items: [ParsedItem], from source: SourceConfiguration, kind: NewsItem.SourceKind, fetchedAt: Date) async throws -> [ItemResult] {
        struct Pending: Sendable {
            let key: String
            let item: NewsItem
            let fingerprint: String
        }
        // 1. What is new or changed (items seen before with the same content are `unchanged`).
        enum Step {
            case unchanged(ItemResult)
            case publish(ParsedItem, key: String, fingerprint: String, seen: IngestStore.SeenItem?)
        }
        var steps: [Step] = []
        var pendingKeys: Set<String> = []
        let keys = items.map { ItemIdentity(sourceID: source.id, item: $0).key }
        let seenBefore = try await store.seenItems(sourceID: source.id, identityKeys: keys)
        for (var parsed, key) in zip(items, keys) {
            if parsed.language == nil { parsed.language = source.language }
            let fingerprint = ItemIdentity.contentFingerprint(parsed)
            let seen = seenBefore[key]
            if let seen, seen.fingerprint == fingerprint {
                steps.append(.unchanged(ItemResult(guid: parsed.guid, itemId: seen.itemID, storyId: seen.storyID, version: seen.version, status: .unchanged)))
                continue
            }
            guard pendingKeys.insert(key).inserted else { continue }  // the same item twice in one batch
            steps.append(.publish(parsed, key: key, fingerprint: fingerprint, seen: seen))
        }
        // 2. The stories of the new items, in order, saved in one transaction (an edit stays in its story).
        var firstVersions: [(title: String, time: Double, newStoryID: String)] = []
        for case .publish(let parsed, _, _, nil) in steps {
            firstVersions.append((parsed.title, (parsed.publishedAt ?? fetchedAt).timeIntervalSince1970, NewsItem.newStoryID(sourceID: source.id, item: parsed)))
        }
        var newStories = try await stories.stories(for: firstVersions).makeIterator()
        var pending: [Pending] = []
        var results: [ItemResult] = []
        for step in steps {
            switch step {
            case .unchanged(let result):
                results.append(result)
            case .publish(let parsed, let key, let fingerprint, let seen):
                let storyID = seen?.storyID ?? newStories.next()!
                let version = (seen?.version ?? 0) + 1
                let item = NewsItem(parsed: parsed, sourceID: source.id, kind: kind, fetchedAt: fetchedAt, storyID: storyID, version: version, hints: source.hints)
                pending.append(Pending(key: key, item: item, fingerprint: fingerprint))
                results.append(ItemResult(guid: parsed.guid, itemId: item.itemId, storyId: storyID, version: version, status: seen == nil ? .published : .newVersion))
            }
        }
        // 3. Send concurrently; remember what the broker acknowledged, in one transaction, also
        // when another item failed (an item not remembered is published again next time).
        let producer = self.producer
        let topic = self.topic
        struct Acknowledged: Sendable {
            let key: String
            let seen: IngestStore.SeenItem
        }
        var acknowledged: [(sourceID: String, identityKey: String, item: IngestStore.SeenItem)] = []
        var failure: (any Error)?
        await withTaskGroup(of: Result<Acknowledged, any Error>.self) { group in
            for entry in pending {
                group.addTask {
                    do {
                        let output = try StageOutput(topic: topic, key: entry.item.itemId, event: entry.item, occurredAt: fetchedAt)
                        try await producer.send(output.producerMessage)
                        return .success(Acknowledged(key: entry.key, seen: IngestStore.SeenItem(
                            itemID: entry.item.itemId, fingerprint: entry.fingerprint, version: entry.item.version, storyID: entry.item.storyId)))
                    } catch {
                        return .failure(error)
                    }
                }
            }
            for await outcome in group {
                switch outcome {
                case .success(let done): acknowledged.append((source.id, done.key, done.seen))
                case .failure(let error): failure = failure ?? error
                }
            }
        }
        try await store.markPublished(acknowledged, at: fetchedAt)
        if let failure { throw failure }
        return results
    }

    private func record(_ report: PollReport, state: IngestStore.SourceState) {
        let source = [("source", report.sourceID)]
        Counter(label: "ingest_polls_total", dimensions: source + [("outcome", report.outcome.rawValue)]).increment()
        Counter(label: "ingest_items_published_total", dimensions: source).increment(by: report.published)
        Gauge(label: "ingest_source_consecutive_failures", dimensions: source).record(state.consecutiveFailures)
        let failing = state.consecutiveFailures >= configuration.failureAlertThreshold
        Gauge(label: "ingest_source_failing", dimensions: source).record(failing ? 1 : 0)
        var metadata: Logger.Metadata = [
            "source.id": "\(report.sourceID)", "ingest.outcome": "\(report.outcome.rawValue)",
            "ingest.published": "\(report.published)", "ingest.next_poll_s": "\(Int(report.nextPollIn))",
        ]
        if let error = report.error { metadata["error"] = "\(error)" }
        if failing {
            logger.warning("source failing", metadata: metadata.merging(["ingest.consecutive_failures": "\(state.consecutiveFailures)"]) { $1 })
        } else if report.error != nil {
            logger.notice("source poll failed", metadata: metadata)
        } else {
            logger.info("source polled", metadata: metadata)
        }
        for warning in report.warnings {
            logger.notice("source warning", metadata: ["source.id": "\(report.sourceID)", "warning": "\(warning)"])
        }
    }
}
