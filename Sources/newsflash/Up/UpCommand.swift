import ArgumentParser
import Classifier
import Foundation
import Hummingbird
import FeedParsing
import Ingest
import Logging
import Mailer
import NewsModel
import RdKafka
import SubscriptionStore
import Subscriptions

/// `newsflash up`: the whole pipeline and the API in one process on embedded defaults.
struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Run every stage and the API in one process: local broker, SQLite, demo sources, a demo webhook receiver and an SMTP sink.",
        discussion: """
            Uses the broker at --bootstrap when it answers; otherwise starts the local one (Deploy/local-broker.sh) on a free port. \
            Creates the topics, keeps SQLite files under --dir (the subscriptions between runs; the ingest state starts afresh, \
            as the demo sources do), serves demo sources (a BREAKING ticker page, an RSS feed and a \
            JSON Feed whose items appear one at a time) and a webhook receiver that verifies signatures and prints each alert, \
            starts the SMTP sink (Deploy/smtp-sink.sh; mails land in var/smtp-sink/maildir), creates an admin API key and a \
            demo webhook subscription, and prints where everything is. Stop with Ctrl-C. \
            Its three ports must be free and different: it says which is not before it starts anything, \
            and exits with an error when a stage fails.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "Where the SQLite files and the admin key go.") var dir = "var/up"
    @Option(help: "Port of the subscriptions API.") var apiPort = 8080
    @Option(help: "Port of the demo sources and the demo webhook receiver.") var demoPort = 8090
    @Option(parsing: .unconditional, help: "Port of /metrics and /health/*; -1 for none.") var metricsPort = 9464
    @Option(help: "Seconds between new demo items.") var pace: Double = 15
    @Option(help: "Seconds between polls of each demo source (at least 10).") var poll: Double = 10

    func run() async throws {
        // The demo listens on loopback only.
        let flags: [String: String?] = ["metrics.port": String(metricsPort), "metrics.host": "127.0.0.1"]
        var setup = try global.setup("newsflash.up", flags: flags)
        // Before anything starts: a port another program has is said now, not after "Newsflash is up";
        // held, so the broker and the sink started below cannot pick one of them.
        let ports = try ListeningPorts([
            .init(name: "--api-port", host: "127.0.0.1", port: apiPort), .init(name: "--demo-port", host: "127.0.0.1", port: demoPort),
            .init(name: "--metrics-port", host: "127.0.0.1", port: metricsPort),
        ])
        // So is a taxonomy or model (classify.taxonomy, classify.model) that cannot be used.
        let classifier = try Stages.classifier(setup.config)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var startedHere: [String] = []  // scripts whose service this run started, stopped at the end
        // Also when a step fails: a broker or sink this run started does not outlive it.
        defer {
            for script in startedHere.reversed() { _ = try? Self.script(script, ["stop"]) }
            say("up: stopped")
        }
        // 1. A broker: the configured one, else the local one.
        var quiet = Logger(label: "newsflash.up.probe")
        quiet.logLevel = .critical  // a refused connection is the expected answer when no broker runs
        var reachable = false
        if let probe = try? KafkaAdmin(configuration: KafkaAdminConfiguration(client: setup.kafka.client("newsflash-up")), logger: quiet) {
            reachable = (try? await probe.waitUntilReachable(timeout: .seconds(3))) != nil
            await probe.close()
        }
        if !reachable {
            // A local broker that already runs (its state in NEWSFLASH_BROKER_STATE) is used, and
            // left running: only a service this run started is stopped at its end.
            if (try? Self.script("Deploy/local-broker.sh", ["status"])) == nil {
                say("up: no broker at \(setup.kafka.bootstrapServers.joined(separator: ",")); starting the local one (Deploy/local-broker.sh)")
                let started = try Self.script("Deploy/local-broker.sh", ["start", "0"])
                startedHere.append("Deploy/local-broker.sh")
                say("up: \(started.trimmingCharacters(in: .whitespacesAndNewlines))")
            } else {
                say("up: no broker at \(setup.kafka.bootstrapServers.joined(separator: ",")); using the local one that runs (Deploy/local-broker.sh)")
            }
            let environment = try Self.script("Deploy/local-broker.sh", ["env"])
            guard let bootstrap = environment.firstMatch(of: /KAFKA_BOOTSTRAP=['"]?([0-9.:]+)/)?.1 else { throw CLIError("the local broker did not say where it listens") }
            setup = try global.setup("newsflash.up", flags: flags.merging(["kafka.bootstrap": String(bootstrap)]) { $1 })
        }
        let admin = try await setup.connectedAdmin()
        _ = try await admin.createTopics(TopicPlan.specifications(partitions: 2, replicationFactor: -1))
        await admin.close()

        // 2. The SMTP sink, when this is a checkout that has it (an installed binary or the image has not:
        // then email subscriptions wait for a real notify-email).
        var sink: SMTPSink?
        if FileManager.default.isExecutableFile(atPath: "Deploy/smtp-sink.sh") {
            if (try? Self.script("Deploy/smtp-sink.sh", ["status"])) == nil {
                _ = try Self.script("Deploy/smtp-sink.sh", ["start"])
                startedHere.append("Deploy/smtp-sink.sh")
            }
            sink = try SMTPSink(environment: try Self.script("Deploy/smtp-sink.sh", ["env"]))
        } else {
            say("up: no SMTP sink here (Deploy/smtp-sink.sh is part of the source checkout); email subscriptions are kept but not mailed")
        }

        // The stages run in a function of their own: when it returns, their Kafka clients are gone
        // (released with its locals), so none is left retrying the broker that the deferred stop
        // above then stops, and logging refused connections.
        try await runStages(setup, classifier: classifier, sink: sink, ports: ports)
    }

    /// Where the SMTP sink of Deploy/smtp-sink.sh listens, from its `env` output.
    struct SMTPSink {
        var port: Int
        var caFile: String
        var maildir: String

        init(environment: String) throws {
            func value(_ name: String) -> String? {
                environment.split(separator: "\n").compactMap { line -> String? in
                    let parts = line.replacingOccurrences(of: "export ", with: "").split(separator: "=", maxSplits: 1)
                    return parts.count == 2 && parts[0] == name ? parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "'\"")) : nil
                }.first
            }
            guard let port = value("NEWSFLASH_TEST_SMTP_PORT").flatMap(Int.init), let caFile = value("NEWSFLASH_TEST_SMTP_CA"),
                  let maildir = value("NEWSFLASH_TEST_SMTP_MAILDIR")
            else { throw CLIError("the SMTP sink did not start (Deploy/smtp-sink.sh start)") }
            self.port = port
            self.caFile = caFile
            self.maildir = maildir
        }
    }

    /// Steps 3 and 4 of `run`: the stores, the demo subscription and every stage, run until a
    /// signal stops them; `ports` are let go just before the stages bind them. A stage that fails
    /// stops them all and `up` exits with its error.
    private func runStages(_ setup: CommandSetup, classifier: NewsClassifier, sink: SMTPSink?, ports: ListeningPorts) async throws {
        let logger = setup.logger, config = setup.config
        // 3. Stores, the admin key, the demo subscription.
        let store = try SQLiteSubscriptionStore(path: "\(dir)/subscriptions.sqlite")
        let keys = try Stages.secretKeys(config, storeLocation: "\(dir)/subscriptions.sqlite")
        let keyFile = "\(dir)/admin-key"
        let adminKey: String
        if let saved = try? String(contentsOfFile: keyFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), !saved.isEmpty {
            adminKey = saved
        } else {
            adminKey = try await store.createKey(role: .admin).secret
            guard FileManager.default.createFile(atPath: keyFile, contents: Data(adminKey.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw CLIError("cannot write the admin key to \(keyFile)")
            }
        }
        let demo = DemoSite(pace: pace)
        let hook = "http://127.0.0.1:\(demoPort)/demo/webhook"
        var demoSubscription = try await store.all().first { $0.channel == .webhook(url: hook) }
        if demoSubscription == nil {
            var created = Subscription(name: "Demo: MENA, Politics and everything flash", filter: "region:MENA OR topic:Politics OR urgency>=flash", channel: .webhook(url: hook))
            created.issueCredentials(keys.keyring)
            try await store.save(created)
            demoSubscription = created
        }
        demo.trust("/demo/webhook", secrets: try demoSubscription?.signingSecrets(at: Date(), keyring: keys.keyring) ?? [])

        // 4. The stages, wired as `newsflash run <stage>` wires them (Stages), in one process.
        let context = try StageContext(setup, clientPrefix: "newsflash-up", producerID: "newsflash-up")
        let base = "http://127.0.0.1:\(demoPort)/demo"
        let ingestConfiguration = IngestConfiguration(sources: [
            SourceConfiguration(id: "demo-ticker", kind: .htmlTicker, url: "\(base)/ticker.html", pollIntervalSeconds: poll, language: "en",
                                ticker: TickerSelectors.breakingList),
            SourceConfiguration(id: "demo-world", kind: .rss, url: "\(base)/world.rss", pollIntervalSeconds: poll, language: "en"),
            SourceConfiguration(id: "demo-science", kind: .jsonfeed, url: "\(base)/science.json", pollIntervalSeconds: poll, language: "en"),
        ])
        // The demo site starts over each run, so what ingest saw of the last one goes: kept, its
        // seen-set would drop this run's items, and a second `make demo` would print no alert.
        let ingestState = "\(dir)/ingest.sqlite"
        for file in [ingestState, "\(ingestState)-wal", "\(ingestState)-shm"] where FileManager.default.fileExists(atPath: file) {
            try FileManager.default.removeItem(atPath: file)
        }
        let parser = Stages.filterParser(classifier)
        var webhook = try Stages.WebhookSettings(config)
        webhook.sender.policy = .allowLoopback  // the demo receiver is on loopback
        var stages = try await Stages.ingest(
            Stages.IngestSettings(configuration: ingestConfiguration, store: try IngestStore(path: ingestState), config), context)
        stages = stages + (try Stages.classify(Stages.StreamSettings(config, section: "classify"), classifier: classifier, context))
        // One subscription mirror for match and both notifiers.
        let mirror = try await Stages.mirror(store, logger: logger)
        stages = stages + (try await Stages.match(Stages.StreamSettings(config, section: "match"), store: store, mirror: mirror, parser: parser, context))
        stages = stages + (try await Stages.notifyWebhook(webhook, store: store, mirror: mirror, keys: keys, context))
        if let sink {
            let smtp = SMTPConfiguration(
                host: "127.0.0.1", port: sink.port, security: .startTLS, username: "newsflash", password: "sink-password", caFile: sink.caFile,
                maxConnections: 2)
            let email = try Stages.EmailSettings(
                config, smtp: smtp, from: try EmailAddress("alerts@newsflash.local", name: "Newsflash demo"), publicURL: "http://127.0.0.1:\(apiPort)")
            stages = stages + (try await Stages.notifyEmail(email, store: store, mirror: mirror, keys: keys, context))
        }
        var api = try Stages.APISettings(config)
        api.host = "127.0.0.1"
        api.port = apiPort
        stages = stages + (try Stages.api(api, store: store, parser: parser, keys: keys, context, logger: logger))
        let demoRouter = Router()
        demo.addRoutes(to: demoRouter)
        stages.background.append(Application(router: demoRouter, configuration: .init(address: .hostname("127.0.0.1", port: demoPort)), logger: logger))

        say("""

            Newsflash is up (Ctrl-C stops it).
              broker            \(setup.kafka.bootstrapServers.joined(separator: ","))
              API               http://127.0.0.1:\(apiPort)   (admin key in \(keyFile))
              demo sources      \(base)/ticker.html  \(base)/world.rss  \(base)/science.json  (a new item every \(Int(pace)) s)
              demo receiver     \(hook)   (prints each alert below, after verifying its signature)
              SMTP sink         \(sink.map { "127.0.0.1:\($0.port), mails in \($0.maildir)" } ?? "none (no Deploy/smtp-sink.sh here)")
              metrics, health   http://127.0.0.1:\(metricsPort)/metrics  /health/ready
              state             \(dir)/subscriptions.sqlite (kept), \(dir)/ingest.sqlite (new each run)

            A demo subscription (\(demoSubscription?.id ?? "")) sends MENA, Politics and flash alerts to the demo receiver.
            Create your own, e.g. an email one (its confirmation mail lands in the maildir; open the link in it):

              curl -s -X POST http://127.0.0.1:\(apiPort)/v1/subscriptions -H "Authorization: Bearer $(cat \(keyFile))" \\
                -H 'Content-Type: application/json' \\
                -d '{"name": "Europe economy", "filter": "region:Europe OR topic:Economy", "channel": {"email": "you@example.com"}}'

            """)
        ports.release()
        do {
            try await context.run(stages, name: "up")
        } catch {
            throw CLIError("up stopped: \(error)")
        }
    }

    /// Runs a repository script and returns its standard output.
    ///
    /// posix_spawn and waitpid on the script itself: a service the script starts in the background
    /// inherits its output and outlives it, so neither a pipe's end-of-file nor Foundation's
    /// Process (which did not return here) can tell when the script is done.
    ///
    /// The script starts with no signal blocked and SIGTERM, SIGINT, SIGHUP, SIGQUIT and SIGPIPE at
    /// their defaults. Spawned as it was, it inherited the mask of the thread that spawned it, which
    /// blocks those signals for the signal handling of `up`; so did the broker and the SMTP sink it
    /// starts, which then ignored `stop`'s SIGTERM until the script's SIGKILL 5 s later.
    static func script(_ path: String, _ arguments: [String]) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw CLIError("\(path) is not here: run newsflash up from the repository, or give --bootstrap a running broker")
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("newsflash-up-\(UUID().uuidString).out")
        defer { try? FileManager.default.removeItem(at: file) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, file.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        posix_spawnattr_setsigmask(&attributes, &unblocked)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        guard spawned == 0 else { throw CLIError("cannot run \(path): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let output = String(decoding: (try? Data(contentsOf: file)) ?? Data(), as: UTF8.self)
        // WIFEXITED && WEXITSTATUS == 0
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            throw CLIError("\(path) \(arguments.joined(separator: " ")) failed (status \(status)): \(output)")
        }
        return output
    }
}

/// Writes a line to standard output at once (unbuffered, also through a pipe).
func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}
