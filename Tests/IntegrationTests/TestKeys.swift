import Subscriptions

/// The keys the in-process notifiers and APIs of these suites seal and open subscribers' secrets with.
enum TestKeys {
    static let source = SecretKeySource(try! SecretKeyring(text: SecretKeyring.newKeyLine()))
    static var keyring: SecretKeyring { source.keyring }
}
