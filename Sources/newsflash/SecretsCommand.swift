import ArgumentParser
import Foundation
import SubscriptionStore
import Subscriptions
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `newsflash secrets generate-key|rotate-key|reseal`: the keys that seal webhook signing secrets
/// and unsubscribe tokens in the subscription store (``SecretKeyring``).
struct SecretsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secrets",
        abstract: "Manage the keys that seal subscribers' secrets at rest.",
        discussion: """
            Webhook signing secrets and unsubscribe tokens are stored sealed (AES-256-GCM) under a key of the keyring: \
            secrets.keyFile ($NEWSFLASH_SECRETS_KEY_FILE; default secrets.key beside a SQLite store, made on first \
            use) or $NEWSFLASH_SECRETS_KEY. One key a line, <id>:<base64 of 32 bytes>; the first seals, every line opens. \
            The API and the notifiers need the keyring; match processes get no secret at all. API and notifier \
            processes re-read the key file within 2 s of a change.

            Rotating: `newsflash secrets rotate-key` puts a new key first in the file and re-seals every subscription \
            under it. Drop the old line once `newsflash secrets reseal` reports nothing left under it. When the file \
            is read-only (a Kubernetes Secret volume), put a `generate-key` line first in the Secret, wait until the \
            pods see it, then run `reseal`; with $NEWSFLASH_SECRETS_KEY, put the line first in the variable of every \
            process and restart them, then run `reseal`.

            Exit codes: 0 done; 1 a secret did not open (a key is missing from the keyring), or the store or the key \
            file cannot be read or written; 64 bad usage.
            """,
        subcommands: [GenerateKey.self, RotateKey.self, Reseal.self])

    struct GenerateKey: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate-key",
            abstract: "Print a new key line (<id>:<base64 of 32 random bytes>) for a key file or $NEWSFLASH_SECRETS_KEY.",
            discussion: "Example:\n  umask 077; newsflash secrets generate-key > /etc/newsflash/secrets.key")

        @Option(help: "The key's id (1-32 letters, digits, '-' or '_'). Default: k and the UTC time, e.g. k20261204T120000.")
        var id: String?

        func run() throws {
            if let id, !SecretKeyring.isValidID(id) { throw ValidationError("--id must be 1-32 letters, digits, '-' or '_'") }
            print(SecretKeyring.newKeyLine(id: id), terminator: "")
        }
    }

    struct RotateKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-key",
            abstract: "Put a new key first in the key file, then re-seal every subscription's secrets under it.",
            discussion: """
                The file is replaced atomically (mode 0600) with the new key first and the old keys kept, so secrets not \
                yet re-sealed still open. Secrets stored in plain text by older versions are sealed too. Prints the new \
                key's id and how many subscriptions were re-sealed.

                Example:
                  newsflash secrets rotate-key --subscriptions postgres://newsflash@db/newsflash --secrets-key-file /etc/newsflash/secrets.key
                """)
        @OptionGroup var store: StoreOptions

        @Option(help: "The new key's id. Default: k and the UTC time.") var id: String?

        func run() async throws {
            if let id, !SecretKeyring.isValidID(id) { throw ValidationError("--id must be 1-32 letters, digits, '-' or '_'") }
            let setup = try store.setup("newsflash.secrets")
            if try setup.config.optionalString("secrets.keyText") != nil {
                throw CLIError("""
                    the keys come from NEWSFLASH_SECRETS_KEY, which this command cannot change: put a `newsflash secrets generate-key` \
                    line first in it for every process, restart them, then run `newsflash secrets reseal`
                    """)
            }
            // The store first: no key file is made, and no key rotated, for a store that is not there.
            try await setup.withStore { store in
                let source = try setup.secretKeys()
                guard let path = source.path else { throw CLIError("the keyring has no file to rotate") }
                let rotated: SecretKeyring
                do {
                    rotated = try source.keyring.adding(SecretKeyring.newKeyLine(id: id))
                } catch {
                    throw CLIError("\(error)")
                }
                try KeyFile.write(KeyFile.header + rotated.text, to: path, replacing: true)
                print("new key \(rotated.current.id) first in \(path); kept: \(rotated.keys.dropFirst().map(\.id).joined(separator: ", "))")
                try await Reseal.reseal(store, rotated)
            }
        }
    }

    struct Reseal: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-seal every subscription's secrets under the keyring's first key (and seal any stored in plain text).",
            discussion: "Example:\n  newsflash secrets reseal   # after a new first key reached every process")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let setup = try store.setup("newsflash.secrets")
            // The store first: no key file is made for a store that is not there.
            try await setup.withStore { try await Self.reseal($0, try setup.secretKeys().keyring) }
        }

        /// Re-seals each subscription in its own store update (a concurrent change of other fields is
        /// kept); prints the counts and fails when a secret did not open.
        static func reseal(_ store: any SubscriptionStoring, _ keyring: SecretKeyring) async throws {
            var resealed = 0, others = 0, failed: [String] = []
            let subscriptions = try await store.all()
            for subscription in subscriptions {
                let problem = Mutex<String?>(nil)
                let result = try await store.update(subscription.id) { stored in
                    do {
                        return try stored.reseal(keyring)
                    } catch {
                        problem.withLock { $0 = "\(error)" }
                        return false
                    }
                }
                if let problem = problem.withLock({ $0 }) {
                    failed.append("\(subscription.id): \(problem)")
                } else if result?.changed == true {
                    resealed += 1
                }
                // As stored after this update (nil: deleted meanwhile).
                if let stored = result?.subscription, !stored.sealingKeyIDs.subtracting([keyring.current.id]).isEmpty || stored.hasPlainTextSecrets {
                    others += 1
                }
            }
            print("re-sealed \(resealed) of \(subscriptions.count) subscriptions under key \(keyring.current.id); "
                + "\(others) still hold a secret under another key or in plain text")
            if !failed.isEmpty {
                throw CLIError("\(failed.count) subscriptions have a secret that does not open:\n" + failed.prefix(20).joined(separator: "\n"))
            }
        }
    }
}

/// How key files are written: whole or not at all, readable by their owner only.
enum KeyFile {
    static let header = "# Newsflash secrets keys: the first seals, all open (newsflash secrets --help)\n"

    /// Writes `text` to a new file beside `path` (mode 0600) and syncs it, then renames it over
    /// `path` (`replacing`) or links it there only if nothing is (else leaves what is there).
    static func write(_ text: String, to path: String, replacing: Bool) throws {
        let temporary = path + ".new-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { throw CLIError("cannot write \(temporary): \(String(cString: strerror(errno)))") }
        defer { unlink(temporary) }
        let bytes = Array(text.utf8)
        let written = Glibc.write(descriptor, bytes, bytes.count)
        let synced = fsync(descriptor)
        close(descriptor)
        guard written == bytes.count, synced == 0 else {
            throw CLIError("cannot write \(temporary): \(String(cString: strerror(errno)))")
        }
        if replacing {
            guard rename(temporary, path) == 0 else { throw CLIError("cannot replace the key file \(path): \(String(cString: strerror(errno)))") }
        } else if link(temporary, path) != 0, errno != EEXIST {
            throw CLIError("cannot create the key file \(path): \(String(cString: strerror(errno)))")
        }
    }
}
