import Foundation
import NIOSSL
@testable import SubscriptionStore
import Testing

@Suite struct PostgresLocationTests {
    @Test func aFullURLGivesEveryPart() throws {
        let location = try PostgresLocation(url: "postgresql://news%40flash:p%3Ass@db.example:6543/alerts?sslmode=disable", schema: "tenant_1")
        #expect(location.host == "db.example" && location.port == 6543 && location.database == "alerts")
        #expect(location.username == "news@flash" && location.password == "p:ss")
        #expect(location.tls == .disable && location.schema == "tenant_1")
    }

    @Test func portTLSAndDatabaseHaveDefaults() throws {
        let location = try PostgresLocation(url: "postgres://newsflash@localhost")
        #expect(location.port == 5432 && location.tls == .prefer && location.database == nil && location.password == nil)
    }

    /// Before, every host defaulted to prefer, which an active attacker can downgrade to plain text.
    @Test func tlsIsRequiredByDefaultAwayFromLoopbackAndCanBeVerifiedAgainstACAFile() throws {
        #expect(try PostgresLocation(url: "postgres://u@db.example.internal/x").tls == .require)
        #expect(try PostgresLocation(url: "postgres://u@10.0.0.5/x").tls == .require)
        #expect(try PostgresLocation(url: "postgres://u@127.0.0.1/x").tls == .prefer)
        #expect(try PostgresLocation(url: "postgres://u@[::1]/x").tls == .prefer)
        #expect(try PostgresLocation(url: "postgres://u@db.example.internal/x?sslmode=disable").tls == .disable)
        let ca = FileManager.default.temporaryDirectory.appendingPathComponent("ca-\(UUID().uuidString).pem")
        try Data("-----BEGIN CERTIFICATE-----\n".utf8).write(to: ca)
        defer { try? FileManager.default.removeItem(at: ca) }
        let verified = try PostgresLocation(url: "postgres://u@db.example.internal/x?sslmode=verify-full&sslrootcert=\(ca.path)")
        #expect(verified.tls == .verifyFull && verified.rootCertificates == ca.path)
        #expect(verified.tlsConfiguration.trustRoots == .file(ca.path))
        #expect(verified.tlsConfiguration.certificateVerification == .fullVerification)
        #expect(throws: SubscriptionStoreError.self) { try PostgresLocation(url: "postgres://u@h/x?sslmode=verify-full&sslrootcert=/no/such/ca.pem") }
        #expect(throws: SubscriptionStoreError.self) { try PostgresLocation(url: "postgres://u@h/x?sslmode=disable&sslrootcert=\(ca.path)") }
    }

    @Test(arguments: [
        "var/subscriptions.sqlite", "mysql://u:p@h/db", "postgres://h/db", "postgres://u:p@/db", "postgres://u:p@h/db?sslmode=verify-ca",
    ])
    func unusableLocationsAreRefused(_ url: String) {
        let error = #expect(throws: SubscriptionStoreError.self) { try PostgresLocation(url: url) }
        #expect(error?.code == .invalidLocation)
    }

    @Test func schemaNamesAreIdentifiersOnly() {
        #expect(throws: SubscriptionStoreError.self) { try PostgresLocation(url: "postgres://u@h/db", schema: "x; DROP TABLE y") }
    }

    @Test func messagesHideThePassword() {
        #expect(PostgresLocation.redacted("postgres://u:secret@h:5432/db") == "postgres://u:***@h:5432/db")
        #expect(PostgresLocation.isPostgres("postgresql://u@h/db") && !PostgresLocation.isPostgres("var/x.sqlite"))
    }

    /// Before, a URL Foundation could not read was shown whole, password included.
    @Test(arguments: ["postgres://u:se cret@h:5432/db", "postgres://u:se%zzcret@h/db", "postgres://u:se@cr:et@h/db", "postgres://u:se cret"])
    func anUnreadableURLIsShownWithoutItsPassword(_ url: String) {
        let shown = PostgresLocation.redacted(url)
        #expect(!shown.contains("se cret") && !shown.contains("se%zzcret") && !shown.contains("cr:et") && !shown.contains("se@cr"), "\(shown)")
        #expect(shown.hasPrefix("postgres://"))
        do {
            _ = try PostgresLocation(url: url)
        } catch {
            #expect(!"\(error)".contains("cret") && !"\(error)".contains("cr:et"), "\(error)")
        }
    }
}
