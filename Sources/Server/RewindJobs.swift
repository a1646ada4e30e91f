import Foundation
import Hummingbird
import NewsModel
import Subscriptions

/// The rewinds an API process runs: each a job that the request starts and answers at once
/// (202 with the job), with limits per API key and for the process, and a status route.
///
/// Jobs live in the API process: a restart forgets them, and a rewind it cut short is not
/// resumed (start it again: the deliveries keep their ids, so receivers can drop repeats).
public actor RewindJobs {
    public struct Limits: Sendable {
        /// Rewinds one API key may have running at once.
        public var runningPerKey = 2
        /// Rewinds the process runs at once (each reads the retained items with clients of its own).
        public var runningInProcess = 4
        /// How far back `since` may be.
        public var window: TimeInterval = 7 * 86_400
        /// Finished jobs are kept this long for the status route.
        public var keepFinished: TimeInterval = 3_600

        public init() {}
    }

    /// How a rewind ended, as the rewinder reports it.
    public struct Report: Sendable {
        public enum State: String, Sendable {
            case completed, truncated, incomplete
        }

        public var state: State
        public var redelivered, scanned: Int

        public init(state: State, redelivered: Int, scanned: Int) {
            self.state = state
            self.redelivered = redelivered
            self.scanned = scanned
        }
    }

    /// Runs one rewind; `progress` takes (items read, deliveries published).
    public typealias Rewind = @Sendable (Subscription, Date, _ progress: @escaping @Sendable (Int, Int) -> Void) async throws -> Report

    /// A rewind as the API shows it.
    public struct Job: Sendable, Encodable, ResponseEncodable {
        /// running, completed, truncated (stopped at the item limit), incomplete (the broker sent
        /// nothing more before the end) or failed.
        public var state: String
        public var id: String
        public var subscriptionId: String
        public var since: String
        public var scanned: Int
        public var redelivered: Int
        public var error: String?
        public var startedAt: String
        public var finishedAt: String?
        var ownerKeyID: String
        var finished: Date?

        enum CodingKeys: String, CodingKey {
            case state, id, subscriptionId, since, scanned, redelivered, error, startedAt, finishedAt
        }
    }

    let limits: Limits
    let rewind: Rewind
    private var jobs: [String: Job] = [:]

    public init(limits: Limits = Limits(), rewind: @escaping Rewind) {
        self.limits = limits
        self.rewind = rewind
    }

    /// Starts a rewind of `subscription` since `since` for the key `keyID`.
    /// - Throws: `HTTPError` 400 for a `since` outside the window, 429 with Retry-After over a limit.
    public func start(_ subscription: Subscription, since: Date, keyID: String, now: Date = Date()) throws -> Job {
        prune(now: now)
        guard since <= now else { throw HTTPError(.badRequest, message: "since is in the future") }
        guard now.timeIntervalSince(since) <= limits.window else {
            throw HTTPError(.badRequest, message: "since is more than \(Int(limits.window / 3600)) hours ago, the longest rewind")
        }
        let running = jobs.values.filter { $0.state == "running" }
        guard running.filter({ $0.ownerKeyID == keyID }).count < limits.runningPerKey else {
            throw HTTPError(.tooManyRequests, headers: [.retryAfter: "30"],
                            message: "this key already has \(limits.runningPerKey) rewinds running; wait for one to finish")
        }
        guard running.count < limits.runningInProcess else {
            throw HTTPError(.tooManyRequests, headers: [.retryAfter: "30"], message: "\(running.count) rewinds are running, the most this process runs at once")
        }
        let id = "rwd_" + Subscription.randomHex(10)
        let job = Job(
            state: "running", id: id, subscriptionId: subscription.id, since: RFC3339Time.format(since), scanned: 0, redelivered: 0,
            startedAt: RFC3339Time.format(now), ownerKeyID: keyID)
        jobs[id] = job
        let rewind = self.rewind
        Task {
            do {
                let report = try await rewind(subscription, since) { scanned, redelivered in
                    Task { await self.progress(id, scanned: scanned, redelivered: redelivered) }
                }
                finish(id, state: report.state.rawValue, scanned: report.scanned, redelivered: report.redelivered, error: nil)
            } catch {
                finish(id, state: "failed", scanned: nil, redelivered: nil, error: "\(error)")
            }
        }
        return job
    }

    /// The job, if it belongs to this subscription.
    public func job(_ id: String, subscriptionID: String) -> Job? {
        prune(now: Date())
        return jobs[id].flatMap { $0.subscriptionId == subscriptionID ? $0 : nil }
    }

    /// The subscription's jobs, newest first.
    public func jobs(subscriptionID: String) -> [Job] {
        prune(now: Date())
        return jobs.values.filter { $0.subscriptionId == subscriptionID }.sorted { ($0.startedAt, $0.id) > ($1.startedAt, $1.id) }
    }

    private func progress(_ id: String, scanned: Int, redelivered: Int) {
        guard var job = jobs[id], job.state == "running" else { return }
        job.scanned = max(job.scanned, scanned)
        job.redelivered = max(job.redelivered, redelivered)
        jobs[id] = job
    }

    private func finish(_ id: String, state: String, scanned: Int?, redelivered: Int?, error: String?) {
        guard var job = jobs[id] else { return }
        let now = Date()
        job.state = state
        if let scanned { job.scanned = scanned }
        if let redelivered { job.redelivered = redelivered }
        job.error = error
        job.finished = now
        job.finishedAt = RFC3339Time.format(now)
        jobs[id] = job
    }

    private func prune(now: Date) {
        jobs = jobs.filter { $0.value.finished.map { now.timeIntervalSince($0) < limits.keepFinished } ?? true }
    }
}
