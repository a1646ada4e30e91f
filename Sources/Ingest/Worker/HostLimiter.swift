import FeedParsing
import Foundation

/// At most `limit` requests in flight to one host; the rest wait their turn (FIFO).
actor HostLimiter {
    private let limit: Int
    private var active: [String: Int] = [:]
    private var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    func acquire(_ host: String) async {
        if active[host, default: 0] < limit {
            active[host, default: 0] += 1
            return
        }
        await withCheckedContinuation { waiting[host, default: []].append($0) }
    }

    func release(_ host: String) {
        if var queue = waiting[host], !queue.isEmpty {
            let next = queue.removeFirst()
            waiting[host] = queue.isEmpty ? nil : queue
            next.resume()  // the permit passes straight to the next waiter
        } else {
            active[host, default: 1] -= 1
            if active[host] == 0 { active[host] = nil }
        }
    }

}

/// Recent stories shared by all sources, persisted as they are created.
actor StoryRegistry {
    private var index: StoryIndex
    private let store: IngestStore

    init(store: IngestStore, window: Double = 48 * 3600) async throws {
        self.store = store
        let cutoff = Date().timeIntervalSince1970 - window
        index = StoryIndex(entries: try await store.recentStories(since: cutoff), window: window)
    }

    /// The story of each headline, in order (a later one may join a story an earlier one
    /// started); the stories created are saved in one transaction before this returns.
    func stories(for headlines: [(title: String, time: Double, newStoryID: String)]) async throws -> [String] {
        var created: [StoryIndex.Entry] = []
        let ids = headlines.map { headline in
            let result = index.story(for: headline.title, at: headline.time, newStoryID: headline.newStoryID)
            if let entry = result.created { created.append(entry) }
            return result.storyID
        }
        if !created.isEmpty { try await store.saveStories(created) }
        return ids
    }
}
