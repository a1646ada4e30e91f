import Foundation
import NewsModel
@testable import Subscriptions
import Testing

@Suite struct SecretKeyringTests {
    @Test func sealedValuesOpenOnlyWithTheirKeyAndPurpose() throws {
        let keyring = try SecretKeyring(text: SecretKeyring.newKeyLine(id: "one"))
        let sealed = keyring.seal("whsec_abc", for: .signingSecret("sub_1"))
        #expect(sealed.hasPrefix("nfs1:one:"))
        #expect(!sealed.contains("whsec_abc"))
        #expect(keyring.seal("whsec_abc", for: .signingSecret("sub_1")) != sealed)  // a fresh nonce each time
        #expect(try keyring.open(sealed, for: .signingSecret("sub_1")) == "whsec_abc")
        #expect(throws: SecretKeyringError.self) { try keyring.open(sealed, for: .signingSecret("sub_2")) }
        #expect(throws: SecretKeyringError.self) { try keyring.open(sealed, for: .unsubscribeToken("sub_1")) }
        let tampered = String(sealed.dropLast(2)) + (sealed.hasSuffix("AA") ? "BB" : "AA")
        #expect(throws: SecretKeyringError.self) { try keyring.open(tampered, for: .signingSecret("sub_1")) }
        let other = try SecretKeyring(text: SecretKeyring.newKeyLine(id: "two"))
        #expect(throws: SecretKeyringError.self) { try other.open(sealed, for: .signingSecret("sub_1")) }
    }

    @Test func badKeyTextIsRefusedWithTheLineAndTheReason() {
        let cases: [(String, String)] = [
            ("", "holds no key"),
            ("nocolon\n", "line 1"),
            ("a b:\(Data(count: 32).base64EncodedString())\n", "line 1"),
            ("k:short\n", "32 bytes"),
            ("k:\(Data(count: 32).base64EncodedString())\nk:\(Data(count: 32).base64EncodedString())\n", "twice"),
        ]
        for (text, message) in cases {
            #expect {
                try SecretKeyring(text: text)
            } throws: { error in
                "\(error)".contains(message)
            }
        }
        #expect((try? SecretKeyring(text: "# comment\n\n" + SecretKeyring.newKeyLine(id: "k")))?.current.id == "k")
    }

    /// Rotation: a new key in front seals; the old one still opens until `reseal` moves every value,
    /// legacy plain text included, to the new key.
    @Test func resealMovesLegacyAndOldValuesToTheCurrentKey() throws {
        let old = try SecretKeyring(text: SecretKeyring.newKeyLine(id: "old"))
        var subscription = Subscription(name: "hook", filter: "topic:Sports", channel: .webhook(url: "https://example.com/h"))
        let issued = subscription.issueCredentials(old)
        #expect(subscription.sealingKeyIDs == ["old"])
        #expect(!subscription.hasPlainTextSecrets)
        subscription.secrets?.append(Subscription.SigningSecret(legacySecret: "whsec_legacy", expiresAt: Date().addingTimeInterval(60)))
        let rotated = try old.adding(SecretKeyring.newKeyLine(id: "new"))
        #expect(rotated.current.id == "new" && rotated.keys.map(\.id) == ["new", "old"])
        #expect(try subscription.signingSecrets(at: Date(), keyring: rotated) == [issued.signingSecret!, "whsec_legacy"])
        #expect(try subscription.reseal(rotated))
        #expect(subscription.sealingKeyIDs == ["new"])
        #expect(!subscription.hasPlainTextSecrets)
        #expect(try !subscription.reseal(rotated))  // nothing left to move
        let newOnly = try SecretKeyring(text: rotated.text.split(separator: "\n")[0] + "\n")
        #expect(try subscription.signingSecrets(at: Date(), keyring: newOnly) == [issued.signingSecret!, "whsec_legacy"])
        #expect(try subscription.unsubscribePath(keyring: newOnly) == "/v1/unsubscribe/\(subscription.id).\(issued.unsubscribeToken)")
        #expect(subscription.unsubscribeTokenMatches(issued.unsubscribeToken))
        #expect(!subscription.unsubscribeTokenMatches(String(issued.unsubscribeToken.reversed())))
    }

    @Test func aLegacyUnsubscribeTokenIsHashedAndSealedByReseal() throws {
        let keyring = try SecretKeyring(text: SecretKeyring.newKeyLine())
        var subscription = Subscription(name: "mail", filter: "topic:Sports", channel: .email(address: "a@example.com"))
        subscription.unsubscribeToken = "0123456789abcdef0123456789abcdef"
        #expect(subscription.unsubscribeTokenMatches("0123456789abcdef0123456789abcdef"))
        #expect(try subscription.reseal(keyring))
        #expect(subscription.unsubscribeToken == nil && subscription.unsubscribeTokenSHA256 != nil)
        #expect(subscription.unsubscribeTokenMatches("0123456789abcdef0123456789abcdef"))
        #expect(try subscription.unsubscribePath(keyring: keyring) == "/v1/unsubscribe/\(subscription.id).0123456789abcdef0123456789abcdef")
        #expect(subscription.withoutCredentials.unsubscribeTokenSHA256 == nil && subscription.withoutCredentials.unsubscribeTokenSealed == nil)
    }

    /// A process reading the key file sees a key added to it without a restart.
    @Test func aKeySourceRereadsItsFileWhenItChanges() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try SecretKeyring.newKeyLine(id: "first").write(toFile: path, atomically: true, encoding: .utf8)
        let source = try SecretKeySource(file: path)
        #expect(source.keyring.current.id == "first")
        let rotated = try source.keyring.adding(SecretKeyring.newKeyLine(id: "second"))
        try rotated.text.write(toFile: path, atomically: true, encoding: .utf8)
        let deadline = ContinuousClock.now + .seconds(10)
        while source.keyring.current.id != "second", ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
        #expect(source.keyring.current.id == "second")
        let rereads = source.rereads
        try "garbage".write(toFile: path, atomically: true, encoding: .utf8)
        let garbageDeadline = ContinuousClock.now + .seconds(10)
        while source.keyring.current.id == "second", source.rereads == rereads, ContinuousClock.now < garbageDeadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(source.rereads > rereads, "the changed file was read again")
        #expect(source.keyring.current.id == "second")  // the last good keyring stays
    }

    /// Two writes of the key file within one tick of the file system's clock have the same
    /// modification time: a source that reread the first between them still sees the second.
    @Test func aSecondWriteInTheSameClockTickIsNoticed() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try SecretKeyring.newKeyLine(id: "first").write(toFile: path, atomically: true, encoding: .utf8)
        let source = try SecretKeySource(file: path)
        let second = try source.keyring.adding(SecretKeyring.newKeyLine(id: "second"))
        let third = try second.adding(SecretKeyring.newKeyLine(id: "third"))
        try await Task.sleep(for: .milliseconds(2_100))  // the source looks at its file at most every 2 s
        try second.text.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(source.keyring.current.id == "second")  // the check is due: read at once
        try third.text.write(toFile: path, atomically: true, encoding: .utf8)  // within a millisecond or so
        let deadline = ContinuousClock.now + .seconds(10)
        while source.keyring.current.id != "third", ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
        #expect(source.keyring.current.id == "third")
    }

    /// A process's key source opens what its keyring opens, the same again from its cache, and
    /// nothing its keyring cannot open.
    @Test func aKeySourceOpensAndRemembers() throws {
        let keyring = try SecretKeyring(text: SecretKeyring.newKeyLine(id: "one"))
        let source = SecretKeySource(keyring)
        let sealed = keyring.seal("whsec_abc", for: .signingSecret("sub_1"))
        #expect(try source.open(sealed, for: .signingSecret("sub_1")) == "whsec_abc")
        #expect(try source.open(sealed, for: .signingSecret("sub_1")) == "whsec_abc")
        #expect(throws: SecretKeyringError.self) { try source.open(sealed, for: .signingSecret("sub_2")) }
        let stranger = try SecretKeyring(text: SecretKeyring.newKeyLine(id: "two"))
        #expect(throws: SecretKeyringError.self) { try source.open(stranger.seal("x", for: .signingSecret("sub_1")), for: .signingSecret("sub_1")) }
    }
}
