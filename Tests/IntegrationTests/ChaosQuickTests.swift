import Foundation
import Testing
import TestSupport

/// The short version of `make chaos` (Tests/Chaos/chaos.py --quick), so the regression of
/// issue #14 can never come back unnoticed: `newsflash run classify` as its own process on the
/// test broker, a few hundred items, SIGTERMed and SIGKILLed mid-stream with work in flight,
/// restarted, then left to drain; every item must reach news.classified and the group must
/// have no lag left. And `--outage`: the same stage against a broker it reaches through a relay
/// that cuts it off, while a process runs and while one is SIGTERMed and SIGKILLed; its offset
/// commits fail for real, and every item must still arrive. And `--outage --blackhole`: the same
/// with network partitions, where the SIGTERM must still end gracefully.
@Suite(.serialized, TestBroker.available, .enabled(if: Repository.hasPython, "no Python with confluent-kafka (run Deploy/setup.sh)"))
struct ChaosQuickTests {
    /// Runs `chaos.py FLAGS` on the debug binary in a work directory of its own; its status and output.
    private func chaos(_ flags: String..., timeout: TimeInterval) async throws -> (status: Int32, output: String) {
        let python = try #require(Repository.python, "NEWSFLASH_PYTHON or .venv/bin/python is needed (CI=true)")
        let workdir = FileManager.default.temporaryDirectory.appendingPathComponent("chaos\(flags.joined())-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: workdir) }
        let result = try await Subprocess.run(
            python, [Repository.script("Tests/Chaos/chaos.py")] + flags + ["--newsflash", NewsflashCLI.executable.path, "--workdir", workdir.path],
            timeout: timeout)
        return (result.status, result.stdout + result.stderr)
    }

    @Test("classify loses nothing through SIGTERMs and SIGKILLs with work in flight (chaos.py --quick)")
    func classifyLosesNothingThroughStops() async throws {
        let (status, output) = try await chaos("--quick", timeout: 300)
        #expect(status == 0, "chaos.py --quick failed:\n\(output.suffix(6000))")
        #expect(output.contains("PASS  every item reached"), "no passed 'every item reached' check in:\n\(output.suffix(3000))")
        #expect(output.contains(" passed, 0 failed"), "\(output.suffix(3000))")
    }

    @Test("classify loses nothing when the broker is cut off: under a running process, during a SIGTERM and during a SIGKILL (chaos.py --outage)")
    func classifyLosesNothingThroughBrokerOutages() async throws {
        // A broker of its own behind the harness's relay (the test broker cannot be cut off without
        // cutting off every other suite): KAFKA_BOOTSTRAP is not used.
        let (status, output) = try await chaos("--outage", timeout: 400)
        #expect(status == 0, "chaos.py --outage failed:\n\(output.suffix(6000))")
        #expect(output.contains("PASS  every item reached news.classified through 3 outages"), "\(output.suffix(3000))")
        #expect(output.contains("PASS  the offset commits the outages failed were reported"), "\(output.suffix(3000))")
        #expect(output.contains(" passed, 0 failed"), "\(output.suffix(3000))")
    }

    @Test("a SIGTERM during a network partition still ends gracefully, and nothing is lost (chaos.py --outage --blackhole)")
    func classifyStopsGracefullyInAPartition() async throws {
        // In a partition nothing the broker is sent is answered: commits, the LeaveGroup and the
        // outputs' produce requests wait for their timeouts, past the graceful stop's 45 s unless
        // each step is bounded (ShutdownBudget); an unbounded one ended in a crash (SIGILL).
        let (status, output) = try await chaos("--outage", "--blackhole", timeout: 400)
        #expect(status == 0, "chaos.py --outage --blackhole failed:\n\(output.suffix(6000))")
        #expect(output.contains("PASS  classify: every SIGTERM exits 0 within 60 s"), "\(output.suffix(3000))")
        #expect(output.contains("PASS  every item reached news.classified through 3 outages"), "\(output.suffix(3000))")
        #expect(output.contains(" passed, 0 failed"), "\(output.suffix(3000))")
    }
}
