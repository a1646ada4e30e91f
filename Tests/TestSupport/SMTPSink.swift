import Foundation
import Testing
import Mailer

/// The aiosmtpd sink that Deploy/smtp-sink.sh (and Deploy/test.sh) start, found through
/// NEWSFLASH_TEST_SMTP_PORT, _TLS_PORT, _NOTLS_PORT, _CA and _MAILDIR.
public struct SMTPSink: Sendable {
    public static let user = "newsflash"
    public static let password = "sink-password"

    public var port: Int
    public var tlsPort: Int
    public var notlsPort: Int
    public var caFile: String
    public var maildir: URL

    public static let fromEnvironment: SMTPSink? = {
        let environment = Repository.environment
        guard let port = environment["NEWSFLASH_TEST_SMTP_PORT"].flatMap(Int.init),
            let tlsPort = environment["NEWSFLASH_TEST_SMTP_TLS_PORT"].flatMap(Int.init),
            let notlsPort = environment["NEWSFLASH_TEST_SMTP_NOTLS_PORT"].flatMap(Int.init),
            let caFile = environment["NEWSFLASH_TEST_SMTP_CA"], let maildir = environment["NEWSFLASH_TEST_SMTP_MAILDIR"]
        else { return nil }
        return SMTPSink(port: port, tlsPort: tlsPort, notlsPort: notlsPort, caFile: caFile, maildir: URL(fileURLWithPath: maildir))
    }()

    /// Live tests run when the sink is configured, and always in CI, where a missing sink fails them.
    public static var shouldRun: Bool { fromEnvironment != nil || Repository.isCI }
    public static let skipReason: Comment =
        "no SMTP sink: run Deploy/test.sh, or Deploy/smtp-sink.sh start && eval \"$(Deploy/smtp-sink.sh env)\""

    public static func required() throws -> SMTPSink {
        try #require(fromEnvironment, "NEWSFLASH_TEST_SMTP_* are not set; CI must start the sink (Deploy/test.sh does)")
    }

    public func configuration(
        security: SMTPConfiguration.Security, port: Int? = nil, authenticate: Bool = false, maxConnections: Int = 1
    ) -> SMTPConfiguration {
        SMTPConfiguration(
            host: "127.0.0.1", port: port ?? (security == .implicitTLS ? tlsPort : self.port), security: security,
            username: authenticate ? Self.user : nil, password: authenticate ? Self.password : nil,
            heloName: "mailer-tests.newsflash.test", timeouts: .init(connect: .seconds(5), command: .seconds(5)),
            caFile: caFile, maxConnections: maxConnections)
    }

    /// A received message: the envelope the sink saw and the .eml file.
    public struct Received: Decodable, Sendable {
        public var mail_from: String
        public var rcpt_tos: [String]
        public var listener: String
        public var connection: Int
        public var tls: Bool
        public var auth_user: String?
        public var helo: String?
        public var file: URL?
    }

    /// The messages for `recipient`, oldest first, once `count` of them are there (the sink
    /// writes the .eml before replying, so they are normally there at once).
    public func received(for recipient: String, count: Int = 1) async throws -> [Received] {
        for _ in 0..<50 {
            let found = try receivedNow(for: recipient)
            if found.count >= count { return found }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("the sink has no \(count) message(s) for \(recipient) in \(maildir.path)")
        return []
    }

    /// Waits until the sink has closed connection `serial` (after a message for `closeafter…@`).
    public func closedConnection(_ serial: Int) async throws {
        let marker = maildir.appendingPathComponent("closed-\(serial)").path
        for _ in 0..<50 where !FileManager.default.fileExists(atPath: marker) {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(FileManager.default.fileExists(atPath: marker), "the sink did not close connection \(serial)")
    }

    /// The messages for `recipient` in the maildir now, oldest first.
    public func receivedNow(for recipient: String) throws -> [Received] {
        var found: [Received] = []
        let names = try FileManager.default.contentsOfDirectory(atPath: maildir.path).filter { $0.hasSuffix(".json") }.sorted()
        for name in names {
            let url = maildir.appendingPathComponent(name)
            guard var received = try? JSONDecoder().decode(Received.self, from: Data(contentsOf: url)),
                received.rcpt_tos.contains(recipient)
            else { continue }
            received.file = url.deletingPathExtension().appendingPathExtension("eml")
            found.append(received)
        }
        return found
    }

    public static func recipient(_ tag: String) -> String {
        "\(tag)-\(UUID().uuidString.prefix(8).lowercased())@example.com"
    }
}
