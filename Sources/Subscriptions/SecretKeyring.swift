import Crypto
import Foundation
import NewsModel
import Synchronization

/// The keys that seal subscribers' secrets at rest: webhook signing secrets and unsubscribe
/// tokens are stored only as AES-256-GCM ciphertext, so a copy of the store (a backup, a
/// replica, a process that only matches) holds nothing it can sign or unsubscribe with.
///
/// The keyring's text form is one key per line, `<id>:<base64 of 32 bytes>`; the first line is
/// the current key, which seals, and every line can open. A sealed value names its key
/// (`nfs1:<id>:<base64url>`), so keys can be rotated: put a new key first, re-seal
/// (`newsflash secrets rotate-key` does both), then drop the old line.
///
/// Each value is sealed for one purpose of one subscription (the AES-GCM associated data), so a
/// ciphertext copied into another subscription's row, or from the signing secret to the
/// unsubscribe token, does not open.
public struct SecretKeyring: Sendable {
    public struct Key: Sendable {
        public let id: String
        fileprivate let bytes: Data
        fileprivate var symmetric: SymmetricKey { SymmetricKey(data: bytes) }
    }

    /// The key that seals.
    public let current: Key
    /// Every key, the current one first.
    public let keys: [Key]

    /// Parses the text form (blank lines and `#` comments ignored).
    public init(text: String) throws(SecretKeyringError) {
        var keys: [Key] = []
        for (number, raw) in text.split(whereSeparator: \.isNewline).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, Self.isValidID(parts[0]) else {
                throw SecretKeyringError("secrets key line \(number + 1) is not <id>:<base64 key> with an id of 1-32 letters, digits, '-' or '_'")
            }
            guard let bytes = Data(base64Encoded: parts[1]), bytes.count == 32 else {
                throw SecretKeyringError("secrets key \(parts[0]) is not the base64 of 32 bytes (make one with `newsflash secrets generate-key`)")
            }
            guard !keys.contains(where: { $0.id == parts[0] }) else { throw SecretKeyringError("secrets key id \(parts[0]) appears twice") }
            keys.append(Key(id: parts[0], bytes: bytes))
        }
        guard let first = keys.first else { throw SecretKeyringError("the secrets key text holds no key") }
        current = first
        self.keys = keys
    }

    /// The text form: one line per key, the current one first.
    public var text: String {
        keys.map { "\($0.id):\($0.bytes.base64EncodedString())\n" }.joined()
    }

    /// A line with a fresh random key; the id defaults to `k` and the UTC time (`k20261204T120000`).
    public static func newKeyLine(id: String? = nil, now: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss"
        return "\(id ?? "k" + formatter.string(from: now)):\(Data(Secrets.randomBytes(32)).base64EncodedString())\n"
    }

    /// This keyring with a fresh key in front (the others still open what they sealed).
    public func adding(_ line: String) throws(SecretKeyringError) -> SecretKeyring {
        try SecretKeyring(text: line + text)
    }

    /// Seals `plaintext` with the current key for `purpose`.
    public func seal(_ plaintext: String, for purpose: SealPurpose) -> String {
        // AES-GCM with a random 96-bit nonce cannot fail for a valid 256-bit key.
        let box = try! AES.GCM.seal(Data(plaintext.utf8), using: current.symmetric, authenticating: Data(purpose.label.utf8))
        return "\(Self.prefix)\(current.id):\(Self.base64URL(box.combined!))"
    }

    /// Opens a value sealed by any key of this keyring for the same purpose.
    public func open(_ sealed: String, for purpose: SealPurpose) throws(SecretKeyringError) -> String {
        guard let (id, payload) = Self.parts(of: sealed) else { throw SecretKeyringError("a sealed secret is malformed") }
        guard let key = keys.first(where: { $0.id == id }) else {
            throw SecretKeyringError("a secret is sealed with key \(id), which the secrets key text does not hold")
        }
        guard let combined = Self.data(base64URL: payload),
              let box = try? AES.GCM.SealedBox(combined: combined),
              let plain = try? AES.GCM.open(box, using: key.symmetric, authenticating: Data(purpose.label.utf8)),
              let text = String(data: plain, encoding: .utf8)
        else { throw SecretKeyringError("a secret sealed with key \(id) does not open (wrong key, or not sealed for this subscription)") }
        return text
    }

    /// The id of the key that sealed `sealed`, if it is a sealed value.
    public static func keyID(of sealed: String) -> String? { parts(of: sealed)?.id }

    static let prefix = "nfs1:"

    private static func parts(of sealed: String) -> (id: String, payload: String)? {
        guard sealed.hasPrefix(prefix) else { return nil }
        let rest = sealed.dropFirst(prefix.count).split(separator: ":", maxSplits: 1).map(String.init)
        guard rest.count == 2, isValidID(rest[0]) else { return nil }
        return (rest[0], rest[1])
    }

    /// Whether `id` can name a key: 1-32 ASCII letters, digits, `-` or `_`.
    public static func isValidID(_ id: String) -> Bool {
        (1...32).contains(id.count) && id.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_") }
    }

    private static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    private static func data(base64URL text: String) -> Data? {
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        standard += String(repeating: "=", count: (4 - standard.count % 4) % 4)
        return Data(base64Encoded: standard)
    }
}

/// What opens sealed values: a keyring, or a process's key source (which caches what it opened).
public protocol SecretOpening: Sendable {
    func open(_ sealed: String, for purpose: SealPurpose) throws(SecretKeyringError) -> String
}

extension SecretKeyring: SecretOpening {}

/// What a sealed value is, and whose: the associated data of its AES-GCM seal.
public struct SealPurpose: Sendable, Hashable {
    let label: String

    public static func signingSecret(_ subscriptionID: String) -> SealPurpose { SealPurpose(label: "\(subscriptionID)/signing-secret") }
    public static func unsubscribeToken(_ subscriptionID: String) -> SealPurpose { SealPurpose(label: "\(subscriptionID)/unsubscribe-token") }
}

public struct SecretKeyringError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A process's keyring, re-read from its file when the file changes (checked at most every two
/// seconds), so that API and notifier processes pick up a key added by `newsflash secrets
/// rotate-key` without a restart. A keyring given as text (an environment variable) is fixed.
public final class SecretKeySource: SecretOpening {
    private struct State {
        var keyring: SecretKeyring
        var stamp: FileStamp?
        var checked: ContinuousClock.Instant
        /// How often a changed file was read again, whether or not it read (for tests to wait on).
        var rereads = 0
    }

    /// The file it was read from, if any.
    public let path: String?
    private let state: Mutex<State>
    /// Values opened so far, by sealed text and purpose: a notifier opens the same few secrets for
    /// every delivery (opening each time cost 15% of the webhook benchmark). Bounded: emptied when full.
    private let opened = Mutex<[OpenedKey: String]>([:])
    static let maximumOpened = 10_000

    private struct OpenedKey: Hashable {
        let sealed: String
        let purpose: SealPurpose
    }

    /// A fixed keyring.
    public init(_ keyring: SecretKeyring) {
        path = nil
        state = Mutex(State(keyring: keyring, stamp: nil, checked: .now))
    }

    /// The keyring in the file at `path`.
    public init(file path: String) throws(SecretKeyringError) {
        self.path = path
        let (keyring, stamp) = try Self.read(path)
        state = Mutex(State(keyring: keyring, stamp: stamp, checked: .now))
    }

    /// The keyring now: re-read when the file changed. A file that no longer reads keeps the last
    /// good keyring (values sealed with a key it lacks fail to open and are retried).
    public var keyring: SecretKeyring {
        guard let path else { return state.withLock { $0.keyring } }
        let now = ContinuousClock.now
        let due = state.withLock { state -> Bool in
            guard now - state.checked >= .seconds(2) else { return false }
            state.checked = now
            return true
        }
        if due, let current = Self.stamp(path), current != state.withLock({ $0.stamp }) {
            let fresh = try? Self.read(path)
            state.withLock { state in
                state.rereads += 1
                if let (keyring, stamp) = fresh {
                    state.keyring = keyring
                    state.stamp = stamp
                }
            }
        }
        return state.withLock { $0.keyring }
    }

    /// How often a changed file was read again (tests wait for a reread instead of for a while).
    var rereads: Int { state.withLock { $0.rereads } }

    /// Opens `sealed` with the current keyring, or answers from what was opened before.
    public func open(_ sealed: String, for purpose: SealPurpose) throws(SecretKeyringError) -> String {
        let key = OpenedKey(sealed: sealed, purpose: purpose)
        if let plain = opened.withLock({ $0[key] }) { return plain }
        let plain = try keyring.open(sealed, for: purpose)
        opened.withLock { cache in
            if cache.count >= Self.maximumOpened { cache.removeAll(keepingCapacity: true) }
            cache[key] = plain
        }
        return plain
    }

    /// The modification time of the file `path` leads to (a Kubernetes Secret volume swaps a symlink).
    /// What tells one version of the key file from the next: its modification time, and its inode
    /// and size. The time alone is not enough: two writes within one tick of the file system's
    /// clock (a few milliseconds) have the same time, and a reread between them would miss the
    /// second for good. An atomic replace (`rotate-key`, a Kubernetes Secret's symlink swap) makes
    /// a new inode.
    struct FileStamp: Equatable {
        var modified: Date?
        var inode: UInt64?
        var size: UInt64?
    }

    /// The stamp of the file `path` leads to (a Kubernetes Secret volume swaps a symlink).
    private static func stamp(_ path: String) -> FileStamp? {
        let target = (path as NSString).resolvingSymlinksInPath
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: target) else { return nil }
        return FileStamp(
            modified: attributes[.modificationDate] as? Date, inode: (attributes[.systemFileNumber] as? NSNumber)?.uint64Value,
            size: (attributes[.size] as? NSNumber)?.uint64Value)
    }

    private static func read(_ path: String) throws(SecretKeyringError) -> (SecretKeyring, FileStamp?) {
        // Stamped before it is read: a change after this is seen by the next check.
        let stamp = stamp(path)
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw SecretKeyringError("cannot read the secrets key file \(path): \(error.localizedDescription)")
        }
        return (try SecretKeyring(text: text), stamp)
    }
}
