import Foundation
import SubscriptionStore
import Testing

/// Processes that open a new SQLite store at once (the API, a notifier, `subscriptions add`).
@Suite struct SQLiteOpenRaceTests {
    @Test("openers of one new file at once, each on its own connection, all open it, set its log mode and apply each migration once")
    func concurrentOpenersOfANewFile() async throws {
        for round in 0..<20 {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("open-race-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            let path = directory.appendingPathComponent("subscriptions.sqlite").path
            let opened = await withTaskGroup(of: String?.self) { group in
                for _ in 0..<12 {
                    group.addTask {
                        do {
                            let store = try SQLiteSubscriptionStore(path: path)
                            _ = try await store.all()
                            await store.shutdown()
                            return nil
                        } catch {
                            return "\(error)"
                        }
                    }
                }
                return await group.reduce(into: [String]()) { if let failure = $1 { $0.append(failure) } }
            }
            #expect(opened.isEmpty, "round \(round): \(opened)")
        }
    }
}
