import Foundation
import NewsflashConfig
import Testing

@Suite("Configuration: one file, the environment and flags")
struct ConfigurationTests {
    static let file = #"""
        {"kafka": {"bootstrap": ["a:9092", "b:9092"], "properties": {"sasl.password": "file-secret", "security.protocol": "SASL_SSL"}},
         "classify": {"window": 128, "group": "from-file"},
         "notifyWebhook": {"allowAddress": ["10.0.0.0/8", "127.0.0.0/8"], "retryScale": 0.5},
         "store": {"subscriptions": "postgres://newsflash:pw@db:5432/newsflash"},
         "ingest": {"sources": [{"id": "wire", "kind": "rss", "url": "https://wire.example/rss"}], "seenExpiryDays": 7}}
        """#

    func configuration(environment: [String: String] = [:], flags: [String: String] = [:], properties: [String: String] = [:]) throws -> Configuration {
        try Configuration(filePath: "nf.json", fileBytes: Array(Self.file.utf8), environment: environment, flags: flags, flagProperties: properties)
    }

    @Test("a flag wins over the environment, which wins over the file, which wins over the default")
    func precedence() throws {
        let fileOnly = try configuration()
        #expect(try fileOnly.int("classify.window") == 128)
        #expect(fileOnly.resolved("classify.window")?.origin == .file("nf.json"))
        #expect(try fileOnly.string("classify.output") == "news.classified")
        #expect(fileOnly.resolved("classify.output")?.origin == .default)

        let withEnvironment = try configuration(environment: ["NEWSFLASH_CLASSIFY_WINDOW": "512"])
        #expect(try withEnvironment.int("classify.window") == 512)
        #expect(withEnvironment.resolved("classify.window")?.origin == .environment("NEWSFLASH_CLASSIFY_WINDOW"))

        let withFlag = try configuration(environment: ["NEWSFLASH_CLASSIFY_WINDOW": "512"], flags: ["classify.window": "32"])
        #expect(try withFlag.int("classify.window") == 32)
        #expect(withFlag.resolved("classify.window")?.origin == .flag("--window"))
    }

    @Test("lists come as a file array, a comma-separated variable or joined flags")
    func lists() throws {
        #expect(try configuration().list("kafka.bootstrap") == ["a:9092", "b:9092"])
        #expect(try configuration(environment: ["KAFKA_BOOTSTRAP": "c:1, d:2"]).list("kafka.bootstrap") == ["c:1", "d:2"])
        #expect(try configuration().list("notifyWebhook.allowAddress") == ["10.0.0.0/8", "127.0.0.0/8"])
        #expect(try configuration(environment: ["NEWSFLASH_WEBHOOK_ALLOW": "::1/128"]).list("notifyWebhook.allowAddress") == ["::1/128"])
        #expect(try Configuration().list("notifyWebhook.allowAddress").isEmpty)
        #expect(try Configuration().list("kafka.bootstrap") == ["127.0.0.1:9092"])
    }

    @Test("librdkafka properties: file, then NEWSFLASH_KAFKA_* variables, then --kafka-config")
    func kafkaProperties() throws {
        let properties = try configuration(
            environment: ["NEWSFLASH_KAFKA_SASL_PASSWORD": "env-secret", "NEWSFLASH_KAFKA_SASL_MECHANISM": "PLAIN"],
            properties: ["sasl.mechanism": "SCRAM-SHA-512"]
        ).kafkaProperties()
        #expect(properties == ["sasl.password": "env-secret", "security.protocol": "SASL_SSL", "sasl.mechanism": "SCRAM-SHA-512"])
        let bad = try Configuration(fileBytes: Array(#"{"kafka": {"properties": ["sasl.password"]}}"#.utf8))
        #expect(throws: SettingError.self) { try bad.kafkaProperties() }
    }

    @Test("a bad value names its setting and where it came from, whichever place gave it")
    func badValues() throws {
        let fromEnvironment = try configuration(environment: ["NEWSFLASH_CLASSIFY_WINDOW": "lots"])
        let environmentError = try #require(throws: SettingError.self) { try fromEnvironment.int("classify.window") }
        #expect(environmentError.message == "classify.window from $NEWSFLASH_CLASSIFY_WINDOW must be an integer from 1 to 65536, got 'lots'")

        let fromFile = try Configuration(filePath: "nf.json", fileBytes: Array(#"{"notifyWebhook": {"retryScale": 2}}"#.utf8))
        let fileError = try #require(throws: SettingError.self) { try fromFile.double("notifyWebhook.retryScale") }
        #expect(fileError.message == "notifyWebhook.retryScale from nf.json must be a number above 0 and at most 1, got '2'")

        let objectInFile = try Configuration(filePath: "nf.json", fileBytes: Array(#"{"api": {"port": {"value": 1}}}"#.utf8))
        let objectError = try #require(throws: SettingError.self) { try objectInFile.int("api.port") }
        #expect(objectError.message == "api.port in nf.json must be an integer, not an object")

        let fromFlag = try configuration(flags: ["log.level": "loud"])
        let flagError = try #require(throws: SettingError.self) { try fromFlag.string("log.level") }
        #expect(flagError.message.hasPrefix("log.level from --log-level must be one of trace, debug"))

        #expect(try Configuration(flags: ["metrics.port": "-1"]).int("metrics.port") == -1)
        #expect(throws: SettingError.self) { try Configuration(flags: ["metrics.port": "-2"]).int("metrics.port") }
        #expect(try Configuration(environment: ["NEWSFLASH_API_NO_KAFKA": "yes"]).bool("api.noKafka"))
        #expect(throws: SettingError.self) { try Configuration(environment: ["NEWSFLASH_API_NO_KAFKA": "maybe"]).bool("api.noKafka") }
    }

    @Test("a setting without a default is required where it is read, and says where to give it")
    func required() throws {
        let error = try #require(throws: SettingError.self) { try Configuration().string("notifyEmail.smtpURL") }
        #expect(error.message == #"notifyEmail.smtpURL is required: give "smtpURL" in the file's "notifyEmail" section, or $NEWSFLASH_SMTP_URL, or --smtp-url"#)
        #expect(try Configuration().optionalString("notifyEmail.smtpCAFile") == nil)
        let missing = Configuration.missingAll(try Configuration())
        #expect(missing.contains { $0.hasPrefix("ingest.sources is required by run ingest") })
        #expect(missing.contains { $0.hasPrefix("notifyEmail.from is required by run notify-email") })
        #expect(try configuration(environment: ["NEWSFLASH_SMTP_URL": "smtp://x", "NEWSFLASH_MAIL_FROM": "a@b.c"]).missing(processes: ["ingest", "notify-email"]).isEmpty)
    }

    @Test("unknown sections and keys are problems, with the near name suggested")
    func unknownKeys() throws {
        let config = try Configuration(
            filePath: "nf.json", fileBytes: Array(#"{"clasify": {}, "match": {"windw": 3, "group": "g"}, "api": {"zzzzzz": 1}}"#.utf8))
        #expect(config.unknownKeys == [
            #"unknown setting "api.zzzzzz""#,
            #"unknown section "clasify"; did you mean "classify"?"#,
            #"unknown setting "match.windw"; did you mean "match.window"?"#,
        ])
        #expect(config.problems(processes: ["match"]).count == 3)
        #expect(try configuration().problems(processes: Configuration.processes.map(\.name)).isEmpty)
    }

    @Test("a file that is not JSON, not an object or has a section that is not an object is refused")
    func unreadableFiles() {
        #expect(throws: ConfigurationFileError.self) { try Configuration(filePath: "x", fileBytes: Array("{".utf8)) }
        #expect(throws: ConfigurationFileError.self) { try Configuration(filePath: "x", fileBytes: Array("[]".utf8)) }
        #expect(throws: ConfigurationFileError.self) { try Configuration(filePath: "x", fileBytes: Array(#"{"api": 3}"#.utf8)) }
        #expect(throws: ConfigurationFileError.self) {
            try Configuration.load(path: "/nonexistent/newsflash.json", required: true, environment: [:])
        }
        #expect((try? Configuration.load(path: "/nonexistent/newsflash.json", required: false, environment: [:]))?.filePath == nil)
    }

    @Test("the report redacts secrets: URL passwords and secret librdkafka properties")
    func redaction() throws {
        let config = try configuration(
            environment: ["NEWSFLASH_SMTP_URL": "smtp://mailer:mail-pass@smtp.example:587", "NEWSFLASH_KAFKA_SSL_KEY_PASSWORD": "key-pass"])
        let rows = config.report(processes: Configuration.processes.map(\.name))
        let text = rows.map { "\($0.key)=\($0.value)" }.joined(separator: "\n")
        for secret in ["file-secret", "mail-pass", "key-pass", ":pw@"] { #expect(!text.contains(secret), "\(secret) printed") }
        #expect(text.contains("store.subscriptions=postgres://newsflash:<redacted>@db:5432/newsflash"))
        #expect(text.contains("notifyEmail.smtpURL=smtp://mailer:<redacted>@smtp.example:587"))
        #expect(text.contains("kafka.properties.security.protocol=SASL_SSL"))
        #expect(text.contains("ingest.sources=1: wire"))
        #expect(text.contains("ingest.seenExpiryDays=7"))
        #expect(Configuration.redactedURL("var/subscriptions.sqlite") == "var/subscriptions.sqlite")
    }

    @Test("environment variable names: named ones kept, the rest derived from the key")
    func environmentNames() {
        #expect(Setting.named("notifyWebhook.perEndpoint")?.environment == "NEWSFLASH_NOTIFY_WEBHOOK_PER_ENDPOINT")
        #expect(Setting.named("classify.window")?.environment == "NEWSFLASH_CLASSIFY_WINDOW")
        #expect(Setting.named("api.port")?.environment == "NEWSFLASH_API_PORT")
        #expect(Setting.named("ingest.sources")?.environment == nil)
        let names = Setting.catalog.compactMap(\.environment)
        #expect(Set(names).count == names.count, "two settings share a variable")
        #expect(Set(Setting.catalog.map(\.key)).count == Setting.catalog.count)
        for setting in Setting.catalog {
            #expect(Configuration.processes.contains { $0.sections.contains(setting.section) }, "\(setting.key) is read by no process")
        }
    }

    @Test("the README's configuration table is the catalog's, and the example file has no unknown key")
    func documentation() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let begin = try #require(readme.range(of: "<!-- settings:begin")), end = try #require(readme.range(of: "<!-- settings:end -->"))
        let block = readme[begin.upperBound..<end.lowerBound].drop { $0 != "\n" }.dropFirst()
        #expect(block.trimmingCharacters(in: .whitespacesAndNewlines) == Setting.markdownTable(), "regenerate with newsflash config describe")

        let example = try Configuration.load(
            path: root.appendingPathComponent("Deploy/newsflash.example.json").path, required: true, environment: [:])
        #expect(example.unknownKeys.isEmpty)
        #expect(example.problems(processes: Configuration.processes.map(\.name)).isEmpty)
        for section in Setting.sections { #expect(example.section(section) != nil, "the example has no \(section) section") }
    }
}

extension Configuration {
    static func missingAll(_ config: Configuration) -> [String] { config.missing(processes: processes.map(\.name)) }
}
