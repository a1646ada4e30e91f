import Foundation

/// A broker of one test's own (Deploy/local-broker.sh with its state in a scratch directory), for
/// tests that pause or stop it: the shared test broker serves every other test at the same time.
/// `stop()` it in a `defer`.
public final class PrivateBroker: Sendable {
    public let port: Int
    public let pid: pid_t
    private let state: ScratchDirectory

    public var bootstrap: String { "127.0.0.1:\(port)" }

    /// Starts Tansu on a free loopback port and returns once it answers Kafka requests.
    public init() throws {
        let state = ScratchDirectory("private-broker")
        let status = Self.script("start", "0", state: state)
        guard status == 0,
              let port = Int((try? String(contentsOfFile: state.path("port"), encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""),
              let pid = pid_t((try? String(contentsOfFile: state.path("tansu.pid"), encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "")
        else {
            let output = (try? String(contentsOfFile: state.path("script.out"), encoding: .utf8)) ?? ""
            throw Failure(message: "the private broker did not start (status \(status)): \(output)")
        }
        self.state = state
        self.port = port
        self.pid = pid
    }

    /// Freezes the broker (SIGSTOP): connections stay open and nothing is answered, as in a
    /// network partition.
    public func pause() { kill(pid, SIGSTOP) }

    /// Lets a paused broker run again (SIGCONT).
    public func resume() { kill(pid, SIGCONT) }

    public func stop() {
        resume()
        _ = Self.script("stop", state: state)
        state.remove()
    }

    /// The broker's own log, for a failing test's message.
    public var log: String { (try? String(contentsOfFile: state.path("tansu.log"), encoding: .utf8)) ?? "" }

    /// Runs Deploy/local-broker.sh with `arguments` and the state in `state`, its output to
    /// `script.out` there, and returns its exit status. Spawned and reaped here, not through
    /// Foundation's `Process`: its `waitUntilExit()` once never returned for `start`, whose
    /// broker outlives the script (the script's exit was left a zombie nobody reaped).
    private static func script(_ arguments: String..., state: ScratchDirectory) -> Int32 {
        var environment = Repository.environment
        environment["NEWSFLASH_BROKER_STATE"] = state.url.path
        environment.removeValue(forKey: "NEWSFLASH_BROKER_ADVERTISED_PORT")
        let path = Repository.root.appendingPathComponent("Deploy/local-broker.sh").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, state.path("script.out"), O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, path, &actions, nil, argv, envp) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        // WIFEXITED / WEXITSTATUS, which Swift does not import.
        return status & 0x7f == 0 ? (status >> 8) & 0xff : -1
    }

    public struct Failure: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }
}
