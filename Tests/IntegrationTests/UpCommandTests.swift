import AsyncHTTPClient
import Foundation
import NIOCore
import SubscriptionStore
import Subscriptions
import Synchronization
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// `newsflash up` as a user runs it: the whole pipeline in one process, from the demo
/// sources to a signed alert at the demo receiver, then a graceful stop on SIGTERM.
@Suite(.serialized, TestBroker.available)
struct UpCommandTests {
    /// A port that was free a moment ago (a ``TakenPort`` let go at once).
    static func freePort() -> Int {
        (try? TakenPort())?.port ?? 0
    }

    final class Output: Sendable {
        let lines = Mutex<[String]>([])
        /// Set when the pipe reached its end: every writer (up and what it started) closed it.
        let ended = Mutex(false)
        func contains(_ text: String) -> Bool { lines.withLock { $0.contains { $0.contains(text) } } }
        var all: String { lines.withLock { $0.joined(separator: "\n") } }
    }

    static func get(_ url: String, key: String? = nil) async throws -> (Int, String) {
        try await call("GET", url, key: key)
    }

    static func call(_ method: String, _ url: String, key: String? = nil, body: String? = nil) async throws -> (Int, String) {
        var request = HTTPClientRequest(url: url)
        request.method = .init(rawValue: method)
        if let body {
            request.body = .bytes(ByteBuffer(string: body))
            request.headers.add(name: "content-type", value: "application/json")
        }
        if let key { request.headers.add(name: "authorization", value: "Bearer \(key)") }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 22)))
    }

    /// `newsflash up` started as a user starts it, its output collected line by line.
    static func startUp(
        bootstrap: String, dir: String, pace: Int = 2, ports: (api: Int, demo: Int, metrics: Int), environment: [String: String],
        logs: Bool = false
    ) throws -> (Process, Output) {
        let process = Process()
        process.executableURL = NewsflashCLI.executable
        process.arguments = ["up", "--bootstrap", bootstrap, "--pace", String(pace), "--poll", "10", "--dir", dir,
                             "--api-port", String(ports.api), "--demo-port", String(ports.demo), "--metrics-port", String(ports.metrics)]
            + (logs ? ["--log-level", "trace"] : [])
        process.currentDirectoryURL = Repository.root
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        // With `logs`, every log line (at trace level) joins the output.
        process.standardError = logs ? pipe : FileHandle.nullDevice
        let output = Output()
        try process.run()
        let reader = Thread {
            var buffer = Data()
            while true {
                let chunk = pipe.fileHandleForReading.availableData
                if chunk.isEmpty {
                    output.ended.withLock { $0 = true }
                    break
                }
                buffer.append(chunk)
                while let newline = buffer.firstIndex(of: 0x0A) {
                    let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                    buffer = Data(buffer[buffer.index(after: newline)...])
                    output.lines.withLock { $0.append(line) }
                }
            }
        }
        reader.start()
        return (process, output)
    }

    /// Waits until the subscription's delivery log (`GET /v1/subscriptions/{id}/deliveries`) holds
    /// `text`, and returns that answer. The log is fed by a stage of its own (receipts), so when it
    /// does not within `deadline` (CI once saw attempts logged for 45 s and none recorded), the
    /// failure says where receipts stopped: the API's last answer, the receipts stage's log lines
    /// (when `up` was started with `logs`: its assignments, warnings and client messages) and its
    /// consumer group as the broker sees it, masked by `mask` before they are cut to length.
    @discardableResult
    static func waitForDeliveryLog(
        containing text: String, api: Int, subscription: String, key: String, deadline: Duration = .seconds(90),
        bootstrap: String, output: Output, mask: (String) -> String = { $0 }
    ) async throws -> String {
        let last = Mutex((status: 0, body: ""))
        do {
            try await withDeadline(deadline, "\(text) in the delivery log of \(subscription)") {
                while true {
                    let answer = try await get("http://127.0.0.1:\(api)/v1/subscriptions/\(subscription)/deliveries", key: key)
                    last.withLock { $0 = answer }
                    if answer.1.contains(text) { return }
                    try await Task.sleep(for: .milliseconds(500))
                }
            }
        } catch let error as DeadlineExceeded {
            let (status, body) = last.withLock { $0 }
            let lines = output.lines.withLock { $0 }.filter { $0.contains("receipts") && !$0.contains(" trace ") && !$0.contains(" sl-") }
            let group = try? await NewsflashCLI.run(["groups", "describe", "newsflash-receipts", "--bootstrap", bootstrap], timeout: 30)
            Issue.record("""
                \(error); the last answer: \(status) \(String(mask(body).prefix(300)))
                the receipts stage's last log lines:
                \(lines.suffix(20).map { String(mask($0).prefix(300)) }.joined(separator: "\n"))
                newsflash groups describe newsflash-receipts: \(group.map { $0.stdout + $0.stderr } ?? "did not run")
                """)
            throw error
        }
        return last.withLock { $0.body }
    }

    static func waitForAlert(_ process: Process, _ output: Output) async throws {
        try await withDeadline(.seconds(150), "a verified alert at the demo receiver") {
            while !output.contains("ALERT (signature verified)") {
                guard process.isRunning else { throw DeadlineExceeded(what: "newsflash up exited: \(output.all)") }
                try await Task.sleep(for: .milliseconds(250))
            }
        }
    }

    /// Whether process `pid` blocks SIGTERM: bit SIGTERM - 1 of the `SigBlk` mask in /proc/PID/status.
    static func blocksSIGTERM(_ pid: String) throws -> Bool {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("SigBlk:") }, "\(status)")
        let mask = try #require(UInt64(line.dropFirst("SigBlk:".count).trimmingCharacters(in: .whitespaces), radix: 16), "\(line)")
        return mask & (1 << UInt64(SIGTERM - 1)) != 0
    }

    /// SIGTERM when a test ends early, and a wait for the exit (30 s at most, then SIGKILL): `up`
    /// stops the broker and the SMTP sink it started by their pid files, in the directory the test
    /// removes next. Without the wait the files went first, and the sink was left running.
    /// It blocks its thread while `up` stops (about 7 s), a thread of the cooperative pool when called
    /// from an async test's `defer`, which cannot await: only when a test ends early, as `stop`
    /// has already stopped `up` otherwise.
    static func terminate(_ process: Process) {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning && Date() < deadline { usleep(100_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// SIGINT, as Ctrl-C, and a clean exit.
    static func stop(_ process: Process, _ output: Output) async throws {
        process.interrupt()
        try await withDeadline(.seconds(60), "newsflash up to stop") {
            while process.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(process.terminationStatus == 0)
        // Its last lines are read once the pipe ends (or, should a child it started still hold the
        // pipe, within 10 s).
        try? await withDeadline(.seconds(10), "the end of newsflash up's output") {
            while !output.ended.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(output.contains("up: stopped"), "\(output.all)")
    }

    @Test func upDeliversASignedAlertEndToEndAndStopsCleanly() async throws {
        let bootstrap = try #require(TestBroker.bootstrap)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("up-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (api, demo, metrics) = (Self.freePort(), Self.freePort(), Self.freePort())
        // An SMTP sink state of its own: `up` starts the sink (a background service of a script) and stops it.
        var environment = ProcessInfo.processInfo.environment
        let sinkState = "\(dir)/smtp-sink"
        environment["NEWSFLASH_SMTP_SINK_STATE"] = sinkState
        // Likewise a broker state of its own: should `up` not reach the suite's broker in time and
        // start a local one, that one is its own and the suite's broker is never stopped by it.
        environment["NEWSFLASH_BROKER_STATE"] = "\(dir)/broker"
        let (process, output) = try Self.startUp(bootstrap: bootstrap, dir: dir, ports: (api, demo, metrics), environment: environment)
        defer { Self.terminate(process) }

        try await Self.waitForAlert(process, output)
        #expect(output.contains("Newsflash is up"))
        #expect(output.contains("curl -s -X POST http://127.0.0.1:\(api)/v1/subscriptions"))

        // Health, metrics, and the API with the admin key it made; the delivery log is fed by receipts.
        #expect(try await Self.get("http://127.0.0.1:\(metrics)/health/ready").0 == 200)
        // Liveness asks every stage runner whether it still makes progress.
        let live = try await Self.get("http://127.0.0.1:\(metrics)/health/live")
        #expect(live.0 == 200, "\(live.1)")
        #expect(live.1.contains("\"stage classify\":\"ok\"") && live.1.contains("\"stage notify-webhook\":\"ok\""), "\(live.1)")
        let metricsText = try await Self.get("http://127.0.0.1:\(metrics)/metrics").1
        #expect(metricsText.contains("stage_messages_total{stage=\"classify\",outcome=\"processed\"}"))
        #expect(metricsText.contains("notify_attempts_total{channel=\"webhook\",outcome=\"delivered\"}"))
        let key = try String(contentsOfFile: "\(dir)/admin-key", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let list = try await Self.get("http://127.0.0.1:\(api)/v1/subscriptions", key: key)
        #expect(list.0 == 200)
        let id = try #require(list.1.firstMatch(of: /"id":"(sub_[0-9a-f]{20})"/)?.1)
        try await Self.waitForDeliveryLog(containing: "\"delivered\"", api: api, subscription: String(id), key: key, bootstrap: bootstrap, output: output)

        try await Self.stop(process, output)
        #expect(output.contains("SMTP sink         127.0.0.1:"))
        // The sink it started is stopped again.
        let status = try await Subprocess.run(Repository.root.appendingPathComponent("Deploy/smtp-sink.sh"), ["status"], environment: environment)
        #expect(status.stdout.contains("not running"))

        // Run again on the same --dir, as `make demo` twice: the demo sources start over, and so
        // does what ingest has seen of them, so alerts print again (before, ingest's seen-set from
        // the first run dropped every item of the second). No new item appears in this run (a pace
        // of 10 minutes): the alert must come from the first items, which the first run saw too.
        let (again, againOutput) = try Self.startUp(bootstrap: bootstrap, dir: dir, pace: 600, ports: (api, demo, metrics), environment: environment)
        defer { Self.terminate(again) }
        try await Self.waitForAlert(again, againOutput)
        #expect(againOutput.contains("A demo subscription (\(id))"))  // the store is kept: the same subscription
        try await Self.stop(again, againOutput)
    }

    /// `make demo` on a fresh machine: nothing answers at --bootstrap, so `up` starts the local broker
    /// on a free port, runs every stage against it (not against --bootstrap), and stops it at the end.
    @Test func upStartsTheLocalBrokerWhenNoneAnswersAndUsesIt() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("up-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (api, demo, metrics) = (Self.freePort(), Self.freePort(), Self.freePort())
        var environment = ProcessInfo.processInfo.environment
        environment["NEWSFLASH_SMTP_SINK_STATE"] = "\(dir)/smtp-sink"
        environment["NEWSFLASH_BROKER_STATE"] = "\(dir)/broker"
        environment.removeValue(forKey: "KAFKA_BOOTSTRAP")
        let nobody = "127.0.0.1:\(Self.freePort())"
        let (process, output) = try Self.startUp(bootstrap: nobody, dir: dir, ports: (api, demo, metrics), environment: environment)
        defer { Self.terminate(process) }

        try await Self.waitForAlert(process, output)
        #expect(output.contains("up: no broker at \(nobody); starting the local one"))
        // The services it started take SIGTERM: they do not inherit the signals `up` blocks for its
        // own handling (they did, and each stop waited 5 s for its SIGKILL).
        for pidFile in ["\(dir)/broker/tansu.pid", "\(dir)/smtp-sink/sink.pid"] {
            let pid = try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try !Self.blocksSIGTERM(pid), "\(pidFile): the service blocks SIGTERM")
        }
        let port = try String(contentsOfFile: "\(dir)/broker/port", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(output.contains("broker            127.0.0.1:\(port)"), "\(output.all)")
        #expect(!output.contains("broker            \(nobody)"))
        try await Self.stop(process, output)
        let status = try await Subprocess.run(Repository.root.appendingPathComponent("Deploy/local-broker.sh"), ["status"], environment: environment)
        #expect(status.stdout.contains("local-broker: not running"), "\(status.stdout)")  // the broker it started is stopped
    }

    /// A port another program listens on, or one port given twice, is said before anything starts
    /// (no broker, no state directory, no "Newsflash is up"), and `up` exits with an error. The
    /// ports are then held while the local broker and the SMTP sink pick free ports of their own,
    /// so neither can take one of them (a broker once drew the metrics port this suite had picked,
    /// and `up` stopped, exit 0, with the bind error in its log only).
    @Test func upRefusesAPortInUseBeforeStartingAnything() async throws {
        let scratch = ScratchDirectory("up-port")
        defer { scratch.remove() }
        let listener = try TakenPort()  // another program's port, until the test ends
        defer { withExtendedLifetime(listener) {} }
        let taken = listener.port
        var environment = ProcessInfo.processInfo.environment
        environment["NEWSFLASH_BROKER_STATE"] = scratch.path("broker")
        environment["NEWSFLASH_SMTP_SINK_STATE"] = scratch.path("smtp-sink")
        environment.removeValue(forKey: "KAFKA_BOOTSTRAP")
        let dir = scratch.path("up")
        let free = Self.freePort()
        var other = Self.freePort()
        while other == free { other = Self.freePort() }
        let config = scratch.path("newsflash.json")
        try Data(#"{"classify": {"taxonomy": "\#(scratch.path("missing-taxonomy.json"))"}}"#.utf8).write(to: URL(fileURLWithPath: config))
        let cases: [([String], String)] = [
            (["--api-port", String(free), "--demo-port", String(other), "--metrics-port", String(taken)],
             "127.0.0.1:\(taken) (--metrics-port) cannot be used: it is in use; stop what listens there or choose another port"),
            (["--api-port", String(free), "--demo-port", String(free), "--metrics-port", "-1"],
             "--api-port and --demo-port are both \(free); give each its own port"),
            // A taxonomy (classify.taxonomy) that cannot be used is said before anything starts too.
            (["--api-port", String(free), "--demo-port", String(other), "--metrics-port", "-1", "--config", config],
             "cannot load the classifier from classify.taxonomy \(scratch.path("missing-taxonomy.json"))"),
        ]
        for (ports, message) in cases {
            let result = try await Subprocess.run(
                NewsflashCLI.executable, ["up", "--bootstrap", "127.0.0.1:\(Self.freePort())", "--dir", dir] + ports,
                environment: environment, timeout: 30)
            #expect(result.status != 0)
            #expect(result.stderr.contains(message), "\(result.stderr)")
            #expect(!result.stdout.contains("Newsflash is up"), "\(result.stdout)")
            #expect(!FileManager.default.fileExists(atPath: dir))
            #expect(!FileManager.default.fileExists(atPath: scratch.path("broker")))
        }
    }

    /// The secret-scanning check: the whole pipeline at trace level, its API used the way a subscriber
    /// and an operator use it, and every secret it handed out or keeps (API keys, signing secrets,
    /// unsubscribe and confirmation tokens, the sealing key, the SMTP password) looked for in every
    /// log line and in every API answer but the one that created it.
    @Test func secretsAppearOnlyInTheAnswersThatCreateThem() async throws {
        let bootstrap = try #require(TestBroker.bootstrap)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("up-secrets-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The mails go to the sink `up` starts; read its maildir.
        var sink = try SMTPSink.required()
        sink.maildir = URL(fileURLWithPath: "\(dir)/smtp-sink/maildir")
        let (api, demo, metrics) = (Self.freePort(), Self.freePort(), Self.freePort())
        var environment = ProcessInfo.processInfo.environment
        environment["NEWSFLASH_SMTP_SINK_STATE"] = "\(dir)/smtp-sink"
        environment["NEWSFLASH_BROKER_STATE"] = "\(dir)/broker"
        // A new demo item every 12 s, not 2: the new hook below needs an item matched after it is
        // made, and at the usual pace the demo's last item (about 20 s in) could pass before that
        // on a busy machine (CI once waited 60 s for an attempt that no item was left to make).
        let (process, output) = try Self.startUp(
            bootstrap: bootstrap, dir: dir, pace: 12, ports: (api, demo, metrics), environment: environment, logs: true)
        defer { Self.terminate(process) }
        try await Self.waitForAlert(process, output)
        let base = "http://127.0.0.1:\(api)/v1"
        var secrets: Set<String> = ["sink-password"]  // `up`'s SMTP password for the sink it starts
        var answers: [String] = []
        @discardableResult func call(_ method: String, _ path: String, key: String?, body: String? = nil) async throws -> String {
            let (status, text) = try await Self.call(method, base + path, key: key, body: body)
            #expect(status < 500, "\(method) \(path): \(status) \(text)")
            return text
        }
        func field(_ name: String, in text: String) throws -> String {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
            return try #require(object[name] as? String, "\(name) in \(text)")
        }

        // The admin key `up` made, rotated through the API: the new secret is in that answer only.
        var admin = try String(contentsOfFile: "\(dir)/admin-key", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        secrets.insert(admin)
        let keys = try await call("GET", "/keys", key: admin)
        answers.append(keys)
        let adminID = try #require(keys.firstMatch(of: /"id":"(key_[0-9a-f]+)"/)?.1)
        admin = try field("secret", in: try await call("POST", "/keys/\(adminID)/rotate", key: admin))
        secrets.insert(admin)
        // A subscriber key, its webhook subscription (to the demo receiver) and email subscription.
        let subscriber = try await NewsflashCLI.run(["keys", "create", "--subscriptions", "\(dir)/subscriptions.sqlite"])
        let subscriberKey = try #require(subscriber.stdout.split(separator: " ").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
        secrets.insert(subscriberKey)
        let hook = try await call(
            "POST", "/subscriptions", key: subscriberKey,
            body: #"{"name": "secrets hook", "filter": "urgency>=routine", "channel": {"webhook": "http://127.0.0.1:\#(demo)/demo/webhook"}, "contactEmail": "\#(SMTPSink.recipient("owner"))"}"#)
        let hookID = try field("id", in: hook)
        secrets.insert(try field("secret", in: hook))
        secrets.insert(try field("secret", in: try await call("POST", "/subscriptions/\(hookID)/secret/rotate", key: subscriberKey, body: "{}")))
        let reader = SMTPSink.recipient("reader")
        let mail = try await call(
            "POST", "/subscriptions", key: subscriberKey,
            body: #"{"name": "secrets mail", "filter": "urgency>=routine", "channel": {"email": "\#(reader)"}}"#)
        let mailID = try field("id", in: mail)
        // The confirmation link, as mailed; confirmed, alerts with unsubscribe links follow.
        let confirmation = try #require(try await sink.received(for: reader).first?.file)
        let text = try #require(try ParsedEmail.read([confirmation]).first?.text)
        let link = try #require(text.firstMatch(of: /\/v1\/confirm\/(sub_[0-9a-f]+)\.([0-9a-f]+)/))
        secrets.insert(String(link.2))
        _ = try await Self.call("POST", "http://127.0.0.1:\(api)/v1/confirm/\(link.1).\(link.2)")

        // What the store keeps sealed, opened with the key file `up` made (never to be printed either).
        let keyText = try String(contentsOfFile: "\(dir)/secrets.key", encoding: .utf8)
        let keyring = try SecretKeyring(text: keyText)
        for key in keyText.split(separator: "\n") where !key.hasPrefix("#") { secrets.insert(String(key.split(separator: ":").last!)) }
        let store = try SQLiteSubscriptionStore(path: "\(dir)/subscriptions.sqlite")
        for subscription in try await store.all() {
            for secret in try subscription.signingSecrets(at: Date(), keyring: keyring) { secrets.insert(secret) }
            if let path = try subscription.unsubscribePath(keyring: keyring) { secrets.insert(String(path.split(separator: ".").last!)) }
        }
        await store.shutdown()

        // Everything an operator or subscriber reads, as both keys.
        for key in [admin, subscriberKey] {
            answers.append(try await call("GET", "/keys", key: key))
            answers.append(try await call("GET", "/subscriptions", key: key))
            for id in [hookID, mailID] {
                answers.append(try await call("GET", "/subscriptions/\(id)", key: key))
                answers.append(try await call("GET", "/subscriptions/\(id)/deliveries", key: key))
                answers.append(try await call("PATCH", "/subscriptions/\(id)", key: key, body: #"{"maxAlertsPerHour": 50}"#))
            }
        }
        answers.append(try await Self.get("http://127.0.0.1:\(metrics)/metrics").1)
        answers.append(try await Self.get("http://127.0.0.1:\(metrics)/health/live").1)
        // A signed attempt at the new hook (the demo receiver trusts only the demo subscription's
        // secret, so it refuses it), logged with its outcome: what the scan needs. Then its receipt
        // in the delivery log, an answer to scan too, which a stage of its own (receipts) records.
        // The two are waited for apart: CI once saw attempts logged for 45 s and none recorded.
        func masked(_ line: String) -> String {
            secrets.reduce(line) { $0.replacingOccurrences(of: $1, with: "<SECRET>") }
        }
        do {
            try await withDeadline(.seconds(60), "an attempt at the new hook in the log") {
                while !output.lines.withLock({ $0.contains { $0.contains(hookID) && $0.contains("webhook attempt") } }) {
                    try await Task.sleep(for: .milliseconds(250))
                }
            }
        } catch let error as DeadlineExceeded {
            // What the pipeline logged about the hook: where its item stopped.
            let named = output.lines.withLock { $0 }.filter { $0.contains(hookID) }.suffix(20).map { String(masked($0).prefix(300)) }
            Issue.record("\(error); the last log lines naming \(hookID):\n\(named.joined(separator: "\n"))")
            throw error
        }
        answers.append(try await Self.waitForDeliveryLog(
            containing: "\"outcome\"", api: api, subscription: hookID, key: subscriberKey, bootstrap: bootstrap, output: output, mask: masked))
        try await Self.stop(process, output)

        #expect(secrets.count >= 12, "\(secrets.count) secrets gathered")
        let lines = output.lines.withLock { $0 }
        #expect(lines.contains { $0.contains(" trace ") || $0.contains(" debug ") }, "no log lines were captured")
        // Found where, with the secret itself masked (the failure message must not print it either).
        func places(_ secret: String, _ texts: [String]) -> [String] {
            texts.filter { $0.contains(secret) }.map { String($0.replacingOccurrences(of: secret, with: "<SECRET>").prefix(400)) }
        }
        for secret in secrets where secret.count >= 8 {
            let logged = places(secret, lines), answered = places(secret, answers)
            #expect(logged.isEmpty, "a secret (\(secret.prefix(4))…) is in \(logged.count) log lines, e.g. \(logged.first ?? "")")
            #expect(answered.isEmpty, "a secret (\(secret.prefix(4))…) is in \(answered.count) API answers, e.g. \(answered.first ?? "")")
        }
    }
}
