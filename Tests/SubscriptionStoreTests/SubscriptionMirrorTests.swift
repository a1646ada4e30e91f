import Foundation
import Logging
import SubscriptionStore
import Subscriptions
import Testing

/// The one subscription mirror a process keeps, against both stores.
@Suite struct SubscriptionMirrorTests {
    @Test("the mirror follows the store's change log; its readers see each subscription's latest change once, deletes as tombstones", arguments: StoreKind.allCases)
    func followsTheChangeLog(_ kind: StoreKind) async throws {
        try await StoreUnderTest.withStore(kind) { store in
            let mirror = SubscriptionMirror(store: store, logger: StoreUnderTest.logger)
            let first = SubscriptionStoreTests.subscription("first"), second = SubscriptionStoreTests.subscription("second", created: 1)
            try await store.save(first)
            try await store.save(second)
            #expect(try await mirror.refresh() == 2)
            let seen = await mirror.changes(after: 0)
            #expect(seen.map(\.subscription.id) == [first.id, second.id])
            let cursor = await mirror.version

            try await store.update(first.id) { $0.name = "renamed"; return true }
            #expect(try await store.delete(second.id))
            try await mirror.refresh()
            let later = await mirror.changes(after: cursor)
            #expect(later.count == 2)
            #expect(later.first { $0.subscription.id == first.id }?.subscription.name == "renamed")
            #expect(later.first { $0.subscription.id == second.id }?.deleted == true)
            #expect(await mirror.all.map(\.id) == [first.id])
            // A deleted subscription is known as deleted: no store round trip, no resurrection.
            let gone = try await mirror.subscription(second.id)
            #expect(gone == nil)
            #expect(await mirror.changes(after: await mirror.version).isEmpty)
        }
    }

    @Test("a refresh within maximumAge of the last one does not ask the store; a lookup of an unknown id does", arguments: StoreKind.allCases)
    func coalescedRefresh(_ kind: StoreKind) async throws {
        try await StoreUnderTest.withStore(kind) { store in
            let mirror = SubscriptionMirror(store: store, logger: StoreUnderTest.logger)
            try await mirror.refresh()
            let created = SubscriptionStoreTests.subscription("created a moment ago")
            try await store.save(created)
            // An hour, not a minute: on a loaded machine a starved test task has waited over 60 s
            // between these lines, and the skipped refresh then ran.
            #expect(try await mirror.refresh(maximumAge: .seconds(3600)) == 0)
            let found = try await mirror.subscription(created.id)
            #expect(found?.id == created.id)
            #expect(try await mirror.refresh(maximumAge: .zero) == 0)
        }
    }

    @Test("a change made through the mirror is kept at once and reaches the readers of changes(after:) with its version on the next refresh", arguments: StoreKind.allCases)
    func updatesThroughTheMirror(_ kind: StoreKind) async throws {
        try await StoreUnderTest.withStore(kind) { store in
            let mirror = SubscriptionMirror(store: store, logger: StoreUnderTest.logger)
            let subscription = SubscriptionStoreTests.subscription("to disable")
            try await store.save(subscription)
            try await mirror.refresh()
            let cursor = await mirror.version
            await mirror.disable(subscription, reason: "410 Gone", at: Date())
            let disabled = try await mirror.subscription(subscription.id)
            #expect(disabled?.status == .disabled)
            #expect(await mirror.changes(after: cursor).isEmpty)
            try await mirror.refresh()
            let changes = await mirror.changes(after: cursor)
            #expect(changes.map(\.subscription.status) == [.disabled])
            #expect(try await mirror.update("sub_missing") { _ in true } == nil)
        }
    }
}
