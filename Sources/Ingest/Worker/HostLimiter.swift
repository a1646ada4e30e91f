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

    func story(for title: String, at time: Double, newStoryID: String) async throws -> String {
        let result = index.story(for: title, at: time, newStoryID: newStoryID)
        if let created = result.created { try await store.saveStory(created) }
        return result.storyID
    }
}
