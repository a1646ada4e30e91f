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
}
