import Foundation
import NewsModel
@testable import SubscriptionStore
import Subscriptions
import Testing

/// Every ``SubscriptionStoring`` method, run against SQLite and PostgreSQL alike.
@Suite struct SubscriptionStoreTests {
    static let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    static func subscription(_ name: String, owner: String? = nil, created: TimeInterval = 0) -> Subscription {
        Subscription(
            name: name, filter: "region:MENA", channel: .webhook(url: "https://example.com/\(name)"), ownerKeyID: owner,
            createdAt: t0.addingTimeInterval(created), updatedAt: t0.addingTimeInterval(created))
    }

    static func at(_ seconds: TimeInterval) -> Date { t0.addingTimeInterval(seconds) }

    static func receipt(_ delivery: String, subscription: String = "sub_1", attempt: Int = 1, at seconds: TimeInterval) -> DeliveryReceipt {
        DeliveryReceipt(
            deliveryId: delivery, subscriptionId: subscription, storyId: "story_1", channel: .webhook, version: 1, attempt: attempt,
            outcome: .delivered, statusCode: 200, latencyMs: 12, attemptedAt: t0.addingTimeInterval(seconds))
    }

    @Test("a revoked key stops working at once and is listed as revoked; a rotated key works with its new secret only", arguments: StoreKind.allCases)
    func keysAreRevokedAndRotated(_ kind: StoreKind) async throws {
        try await StoreUnderTest.withStore(kind) { store in
            let (leaked, leakedSecret) = try await store.createKey(role: .subscriber)
            let (admin, adminSecret) = try await store.createKey(role: .admin)
            #expect(try await store.keys().map(\.key) == [leaked, admin])
            #expect(try await store.keys().allSatisfy { $0.revokedAt == nil })

            let newSecret = try #require(try await store.rotateKey(admin.id))
            #expect(newSecret != adminSecret && newSecret.hasPrefix("nfk_"))
            #expect(try await store.key(forSecret: adminSecret) == nil)
            #expect(try await store.key(forSecret: newSecret) == admin)

            let at = Self.at(60)
            #expect(try await store.revokeKey(leaked.id, at: at))
            #expect(try await store.key(forSecret: leakedSecret) == nil)
            #expect(try await !store.revokeKey(leaked.id, at: at), "revoked once")
            #expect(try await store.rotateKey(leaked.id) == nil, "a revoked key gets no new secret")
            #expect(try await !store.revokeKey("key_missing", at: at))
            let revoked = try #require(try await store.keys().first { $0.key == leaked })
            #expect(revoked.revokedAt.map { abs($0.timeIntervalSince(at)) < 0.001 } == true)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func pingAnswersWhileTheStoreServesAndFailsOnceItIsShutDown(_ kind: StoreKind) async throws {
        try await StoreUnderTest.with(kind) { place in
            let store = try await place.open()
            try await store.ping()
            await store.shutdown()
            if kind == .postgres {
                // Its connections are gone: readiness must say so (SQLite's file has nothing to close).
                await #expect(throws: (any Error).self) { try await store.ping() }
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func keysAreStoredAsHashesAndFoundBySecret(_ kind: StoreKind) async throws {
        try await StoreUnderTest.with(kind) { place in
            try await place.withStore { store in
                let (admin, adminSecret) = try await store.createKey(role: .admin)
                let (subscriber, subscriberSecret) = try await store.createKey(role: .subscriber)
                #expect(adminSecret.hasPrefix("nfk_") && admin.id.hasPrefix("key_"))
                #expect(try await store.key(forSecret: adminSecret) == APIKey(id: admin.id, role: .admin))
                #expect(try await store.key(forSecret: subscriberSecret) == APIKey(id: subscriber.id, role: .subscriber))
                #expect(try await store.key(forSecret: adminSecret + "x") == nil)
                #expect(try await store.key(forSecret: "") == nil)

                let stored = try await place.storedText("api_keys")
                #expect(stored.contains(StableID.sha256Hex(adminSecret)))
                #expect(!stored.contains(adminSecret) && !stored.contains(subscriberSecret))
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func savedSubscriptionsAreReadCountedAndDeletedAsTombstones(_ kind: StoreKind) async throws {
        try await StoreUnderTest.withStore(kind) { store in
            let later = Self.subscription("later", owner: "key_a", created: 20)
            var first = Self.subscription("first", owner: "key_a", created: 10)
            let other = Self.subscription("other", owner: "key_b", created: 30)
            for subscription in [later, first, other] { try await store.save(subscription) }

            #expect(try await store.subscription(first.id) == first)
            #expect(try await store.subscription("sub_missing") == nil)
            #expect(try await store.all().map(\.id) == [first.id, later.id, other.id])
            #expect(try await store.count(ownedBy: "key_a") == 2)
            #expect(try await store.count(ownedBy: "key_b") == 1)
            #expect(try await store.count(ownedBy: "key_none") == 0)

            first.name = "renamed"
            first.status = .paused
            try await store.save(first)
            #expect(try await store.subscription(first.id) == first)
            #expect(try await store.all().count == 3)

            #expect(try await store.delete(first.id))
            #expect(try await store.subscription(first.id) == nil)
            #expect(try await store.all().map(\.id) == [later.id, other.id])
            #expect(try await store.count(ownedBy: "key_a") == 1)
            #expect(try await !store.delete(first.id))
            #expect(try await !store.delete("sub_missing"))

            let tombstone = try #require(try await store.changes(after: 0).last)
            #expect(tombstone.deleted && tombstone.subscription == first)

            // Saving a deleted subscription again (a stale copy) does not bring it back (issue #14).
            try await store.save(first)
            #expect(try await store.subscription(first.id) == nil)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func changesComeInVersionOrderWithTheLatestStateOfEach(_ kind: StoreKind) async throws {
        try await StoreUnderTest.withStore(kind) { store in
            #expect(try await store.changes(after: 0).isEmpty)
            var a = Self.subscription("a")
            let b = Self.subscription("b")
            let c = Self.subscription("c")
            try await store.save(a)
            try await store.save(b)
            let afterB = try #require(try await store.changes(after: 0).last?.version)
            try await store.save(c)
            a.filter = "topic:Politics"
            try await store.save(a)
            try await store.delete(b.id)

            let changes = try await store.changes(after: 0)
            #expect(changes.map(\.subscription.id) == [c.id, a.id, b.id])
            #expect(changes.map(\.deleted) == [false, false, true])
            #expect(changes[1].subscription.filter == "topic:Politics")
            #expect(zip(changes, changes.dropFirst()).allSatisfy { $0.version < $1.version })
            #expect(changes[0].version > afterB)

            #expect(try await store.changes(after: afterB) == changes)
            #expect(try await store.changes(after: changes[1].version) == [changes[2]])
            #expect(try await store.changes(after: changes[2].version).isEmpty)
        }
    }

    /// Many writers at once, through two store instances (two processes' worth of connections).
    @Test(arguments: StoreKind.allCases)
    func concurrentSavesGetUniqueIncreasingVersions(_ kind: StoreKind) async throws {
        try await StoreUnderTest.with(kind) { place in
            try await place.withStore { first in
                try await place.withStore { second in
                    let stores = [first, second]
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for index in 0..<40 {
                            let store = stores[index % 2]
                            group.addTask {
                                let subscription = Self.subscription("s\(index)", created: Double(index))
                                try await store.save(subscription)
                                if index % 4 == 0 { try await store.delete(subscription.id) }
                            }
                        }
                        try await group.waitForAll()
                    }
                    let changes = try await first.changes(after: 0)
                    #expect(changes.count == 40)
                    #expect(Set(changes.map(\.version)).count == 40)
                    #expect(zip(changes, changes.dropFirst()).allSatisfy { $0.version < $1.version })
                    #expect(changes.filter(\.deleted).count == 10)
                    #expect(try await second.all().count == 30)
                }
            }
        }
    }

    static func held(_ number: Int, subscription: String, channel: DeliveryChannel = .webhook) -> DeliveryRequest {
        var request = SampleEvents.deliveryRequest
        request.deliveryId = "dlv_" + String(repeating: String(number % 10), count: 20)
        request.subscriptionId = subscription
        request.channel = channel
        request.attempts = []
        return request
    }

    @Test(arguments: StoreKind.allCases)
    func heldDeliveriesAreClaimedWhenDueOnceLeasedPostponedAndReleased(_ kind: StoreKind) async throws {
        try await StoreUnderTest.withStore(kind) { store in
            try await store.hold(Self.held(1, subscription: "sub_a"), until: Self.at(100))
            try await store.hold(Self.held(2, subscription: "sub_a"), until: Self.at(100))
            try await store.hold(Self.held(2, subscription: "sub_a"), until: Self.at(999))  // once per delivery id
            try await store.hold(Self.held(3, subscription: "sub_b"), until: Self.at(500))
            try await store.hold(Self.held(4, subscription: "sub_c", channel: .email), until: Self.at(100))

            #expect(try await store.claimDueDigests(channel: .webhook, now: Self.at(99), lease: 60, limit: 10).isEmpty)
            let due = try await store.claimDueDigests(channel: .webhook, now: Self.at(100), lease: 60, limit: 10)
            #expect(due.map(\.subscriptionID) == ["sub_a"])
            #expect(Set(due.first?.requests.map(\.deliveryId) ?? []) == [Self.held(1, subscription: "").deliveryId, Self.held(2, subscription: "").deliveryId])
            #expect(due.first?.failedAttempts == 0)
            // Leased: another instance does not get them until the lease ends.
            #expect(try await store.claimDueDigests(channel: .webhook, now: Self.at(130), lease: 60, limit: 10).isEmpty)
            // Postponed after a failure: due again later, with the attempt counted.
            let ids = due.first?.requests.map(\.deliveryId) ?? []
            try await store.postpone(subscriptionID: "sub_a", deliveryIDs: ids, until: Self.at(200))
            #expect(try await store.claimDueDigests(channel: .webhook, now: Self.at(150), lease: 60, limit: 10).isEmpty)
            let again = try await store.claimDueDigests(channel: .webhook, now: Self.at(600), lease: 60, limit: 10)
            #expect(Set(again.map(\.subscriptionID)) == ["sub_a", "sub_b"])
            #expect(again.first { $0.subscriptionID == "sub_a" }?.failedAttempts == 1)
            // The email channel's are its own.
            #expect(try await store.claimDueDigests(channel: .email, now: Self.at(600), lease: 60, limit: 10).map(\.subscriptionID) == ["sub_c"])
            try await store.release(subscriptionID: "sub_a", deliveryIDs: ids)
            try await store.release(subscriptionID: "sub_b", deliveryIDs: [Self.held(3, subscription: "").deliveryId])
            #expect(try await store.claimDueDigests(channel: .webhook, now: Self.at(10_000), lease: 60, limit: 10).isEmpty)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func claimsDecideAlertUpdateOrNothingPerStoryAndRecordTheHighestVersion(_ kind: StoreKind) async throws {
        try await StoreUnderTest.withStore(kind) { store in
            let before = try await store.sent(subscriptionID: "sub_1", storyID: "story_1")
            #expect(before.isEmpty)
            var claims: [SendClaim] = []
            for (subscription, story, item, version) in [
                ("sub_1", "story_1", "item_a", 1), ("sub_1", "story_1", "item_a", 1),  // matched again: the same alert
                ("sub_1", "story_1", "item_a", 3), ("sub_1", "story_1", "item_a", 2),  // a newer version; an older one
                ("sub_1", "story_1", "item_b", 1),  // the story through another outlet
                ("sub_1", "story_2", "item_c", 5), ("sub_2", "story_1", "item_b", 7),
            ] {
                claims.append(try await store.claimSend(subscriptionID: subscription, storyID: story, itemID: item, version: version))
            }
            #expect(claims == [.alert, .alert, .update, .skip, .skip, .alert, .alert])
            let sent = [
                try await store.sent(subscriptionID: "sub_1", storyID: "story_1"), try await store.sent(subscriptionID: "sub_1", storyID: "story_2"),
                try await store.sent(subscriptionID: "sub_2", storyID: "story_1"),
            ]
            #expect(sent == [["item_a": 3], ["item_c": 5], ["item_b": 7]])
        }
    }

    /// Two match instances (two stores on one database) get two outlets' items of each story at once.
    @Test(arguments: StoreKind.allCases)
    func concurrentClaimsOfOneStoryAlertOnce(_ kind: StoreKind) async throws {
        try await StoreUnderTest.with(kind) { place in
            let first = try await place.open()
            let second = try await place.open()
            let stories = (0..<40).map { "story_\($0)" }
            let alerts = try await withThrowingTaskGroup(of: Int.self) { group in
                for story in stories {
                    for (store, item) in [(first, "item_a"), (second, "item_b")] {
                        group.addTask {
                            try await store.claimSend(subscriptionID: "sub_1", storyID: story, itemID: "\(item)_\(story)", version: 1) == .alert ? 1 : 0
                        }
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(alerts == stories.count)
            for story in stories {
                #expect(try await first.sent(subscriptionID: "sub_1", storyID: story).count == 1)
            }
            await first.shutdown()
            await second.shutdown()
        }
    }

    /// Read-modify-write from two processes: every change is kept, none reverts another.
    @Test(arguments: StoreKind.allCases)
    func concurrentUpdatesKeepEveryChange(_ kind: StoreKind) async throws {
        try await StoreUnderTest.with(kind) { place in
            let first = try await place.open()
            let second = try await place.open()
            let subscription = Self.subscription("n0")
            try await first.save(subscription)
            let before = try await first.changes(after: 0).map(\.version).max() ?? 0
            try await withThrowingTaskGroup(of: Void.self) { group in
                for store in [first, second] {
                    group.addTask {
                        for _ in 0..<20 {
                            try await store.update(subscription.id) { stored in
                                stored.name = "n\(Int(stored.name.dropFirst())! + 1)"
                                return true
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await first.subscription(subscription.id)?.name == "n40")
            let unchanged = try await second.update(subscription.id) { _ in false }
            #expect(unchanged?.changed == false)
            #expect(try await first.changes(after: before).count == 1)  // the latest version of the one subscription
            await first.shutdown()
            await second.shutdown()
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aDeletedSubscriptionIsNeverBroughtBackByAStaleWrite(_ kind: StoreKind) async throws {
        try await StoreUnderTest.withStore(kind) { store in
            var subscription = Self.subscription("gone")
            try await store.save(subscription)
            #expect(try await store.delete(subscription.id))
            // A notifier's cached copy, a PATCH or a rotation racing the unsubscribe:
            #expect(try await store.update(subscription.id) { $0.status = .disabled; return true } == nil)
            subscription.status = .paused
            try await store.save(subscription)
            #expect(try await store.subscription(subscription.id) == nil)
            #expect(try await store.all().isEmpty)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func receiptsAreStoredOnceAndReadNewestFirst(_ kind: StoreKind) async throws {
        try await StoreUnderTest.withStore(kind) { store in
            let old = Self.receipt("dlv_1", at: 0)
            let retried = Self.receipt("dlv_1", attempt: 2, at: 60)
            let newest = Self.receipt("dlv_2", at: 120)
            let elsewhere = Self.receipt("dlv_3", subscription: "sub_2", at: 30)
            #expect(try await store.recordReceipt(old))
            #expect(try await !store.recordReceipt(old))
            #expect(try await store.recordReceipt(newest))
            #expect(try await store.recordReceipt(retried))
            #expect(try await store.recordReceipt(elsewhere))

            let all = try await store.receipts(subscriptionID: "sub_1", limit: 10)
            #expect(all.map(\.eventID) == [newest.eventID, retried.eventID, old.eventID])
            #expect(all.first == newest)
            #expect(try await store.receipts(subscriptionID: "sub_1", limit: 2).map(\.eventID) == [newest.eventID, retried.eventID])
            #expect(try await store.receipts(subscriptionID: "sub_2", limit: 10) == [elsewhere])
            #expect(try await store.receipts(subscriptionID: "sub_none", limit: 10).isEmpty)

            // A replay of dlv_1's first attempt is a receipt of its own, not taken for the first one.
            var replayed = Self.receipt("dlv_1", at: 200)
            replayed.replayedAt = Self.at(190)
            #expect(try await store.recordReceipt(replayed))
            #expect(try await store.receipts(subscriptionID: "sub_1", limit: 10).map(\.eventID) == [replayed.eventID, newest.eventID, retried.eventID, old.eventID])
        }
    }

    /// Before, the API counted and then saved: concurrent creates passed the cap.
    @Test(arguments: StoreKind.allCases)
    func concurrentCreatesStopAtTheCap(_ kind: StoreKind) async throws {
        try await StoreUnderTest.withStore(kind) { store throws in
            let owner = "key_\(UUID().uuidString.prefix(8))"
            let stored = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<12 {
                    var subscription = Self.subscription("capped-\(index)")
                    subscription.ownerKeyID = owner
                    group.addTask { try await store.create(subscription, maximumOwned: 5) }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(stored == 5)
            #expect(try await store.count(ownedBy: owner) == 5)
            // A deleted one frees its place.
            let first = try #require(try await store.all().first { $0.ownerKeyID == owner })
            try await store.delete(first.id)
            var another = Self.subscription("capped-after")
            another.ownerKeyID = owner
            #expect(try await store.create(another, maximumOwned: 5))
        }
    }

    /// Mails to one recipient: at most `limit` in the window, whatever the case of the address,
    /// counted atomically across concurrent claimers; a released claim frees its place.
    @Test(arguments: StoreKind.allCases)
    func mailsToOneRecipientAreCappedPerWindow(_ kind: StoreKind) async throws {
        try await StoreUnderTest.withStore(kind) { store throws in
            let day: TimeInterval = 86_400
            #expect(try await store.claimRecipientMail(recipient: "victim@example.com", at: Self.at(0), window: day, limit: 2))
            #expect(try await store.claimRecipientMail(recipient: "Victim@Example.com", at: Self.at(10), window: day, limit: 2))
            #expect(try await !store.claimRecipientMail(recipient: "victim@example.com", at: Self.at(20), window: day, limit: 2))
            #expect(try await store.claimRecipientMail(recipient: "other@example.com", at: Self.at(20), window: day, limit: 2))
            try await store.releaseRecipientMail(recipient: "victim@example.com", at: Self.at(10))
            #expect(try await store.claimRecipientMail(recipient: "victim@example.com", at: Self.at(30), window: day, limit: 2))
            #expect(try await !store.claimRecipientMail(recipient: "victim@example.com", at: Self.at(40), window: day, limit: 2))
            // A day after the first, its place is free again.
            #expect(try await store.claimRecipientMail(recipient: "victim@example.com", at: Self.at(day + 1), window: day, limit: 2))
            // 20 claimers at once get exactly the limit.
            let granted = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<20 {
                    group.addTask { try await store.claimRecipientMail(recipient: "burst@example.com", at: Self.at(Double(index)), window: day, limit: 3) }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(granted == 3)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func endpointFailuresKeepTheFirstFailureUntilASuccess(_ kind: StoreKind) async throws {
        try await StoreUnderTest.withStore(kind) { store throws in
            #expect(try await store.recordEndpointResult(subscriptionID: "sub_1", success: false, at: Self.at(0)) == Self.at(0))
            #expect(try await store.recordEndpointResult(subscriptionID: "sub_1", success: false, at: Self.at(60)) == Self.at(0))
            #expect(try await store.recordEndpointResult(subscriptionID: "sub_2", success: false, at: Self.at(30)) == Self.at(30))
            #expect(try await store.recordEndpointResult(subscriptionID: "sub_1", success: true, at: Self.at(90)) == nil)
            #expect(try await store.recordEndpointResult(subscriptionID: "sub_1", success: false, at: Self.at(120)) == Self.at(120))
            #expect(try await store.recordEndpointResult(subscriptionID: "sub_2", success: false, at: Self.at(150)) == Self.at(30))
            #expect(try await store.recordEndpointResult(subscriptionID: "sub_3", success: true, at: Self.at(0)) == nil)
            // The failing ones now, longest failing first: sub_2 since 30, sub_1 since 120; not sub_3.
            #expect(try await store.failingEndpoints() == [
                EndpointFailure(subscriptionID: "sub_2", failingSince: Self.at(30), lastAttempt: Self.at(150)),
                EndpointFailure(subscriptionID: "sub_1", failingSince: Self.at(120), lastAttempt: Self.at(120)),
            ])
        }
    }

    /// Opening a store again on the same database applies no migration twice and keeps the data.
    @Test(arguments: StoreKind.allCases)
    func reopeningMigratesNothingAndKeepsTheData(_ kind: StoreKind) async throws {
        try await StoreUnderTest.with(kind) { place in
            let saved = Self.subscription("kept")
            var version: Int64 = 0
            try await place.withStore { store in
                try await store.save(saved)
                version = try #require(try await store.changes(after: 0).last?.version)
                if let postgres = store as? PostgresSubscriptionStore {
                    #expect(try await postgres.appliedMigrations() == PostgresSubscriptionStore.migrations.map(\.number))
                }
            }
            try await place.withStore { store in
                #expect(try await store.subscription(saved.id) == saved)
                try await store.save(Self.subscription("next"))
                #expect(try #require(try await store.changes(after: 0).last?.version) > version)
                if let postgres = store as? PostgresSubscriptionStore {
                    #expect(try await postgres.appliedMigrations() == PostgresSubscriptionStore.migrations.map(\.number))
                }
            }
        }
    }

    /// Processes starting together on an empty database: one migrates, the others wait and find it done.
    @Test func postgresStoresOpeningTogetherMigrateOnce() async throws {
        try await StoreUnderTest.with(.postgres) { place in
            let stores = try await withThrowingTaskGroup(of: (any SubscriptionStoring).self) { group in
                for _ in 0..<4 { group.addTask { try await place.open() } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            for store in stores {
                let postgres = try #require(store as? PostgresSubscriptionStore)
                #expect(try await postgres.appliedMigrations() == PostgresSubscriptionStore.migrations.map(\.number))
                await store.shutdown()
            }
        }
    }
}
