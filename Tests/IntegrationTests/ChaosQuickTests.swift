import Foundation
import Testing
import TestSupport

/// The short version of `make chaos` (Tests/Chaos/chaos.py --quick), so the regression of
/// issue #14 can never come back unnoticed: `newsflash run classify` as its own process on the
/// test broker, a few hundred items, SIGTERMed and SIGKILLed mid-stream with work in flight,
/// restarted, then left to drain; every item must reach news.classified and the group must
/// have no lag left.
@Suite(.serialized, TestBroker.available, .enabled(if: Repository.hasPython, "no Python with confluent-kafka (run Deploy/setup.sh)"))
struct ChaosQuickTests {
    @Test("classify loses nothing through SIGTERMs and SIGKILLs with work in flight (chaos.py --quick)")
    func classifyLosesNothingThroughStops() async throws {
        let python = try #require(Repository.python, "NEWSFLASH_PYTHON or .venv/bin/python is needed (CI=true)")
        let workdir = FileManager.default.temporaryDirectory.appendingPathComponent("chaos-quick-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: workdir) }
        let result = try await Subprocess.run(
            python,
            [Repository.script("Tests/Chaos/chaos.py"), "--quick", "--newsflash", NewsflashCLI.executable.path, "--workdir", workdir.path],
            timeout: 300)
        let output = result.stdout + result.stderr
        #expect(result.status == 0, "chaos.py --quick failed:\n\(output.suffix(6000))")
        #expect(output.contains("PASS  every item reached"), "no passed 'every item reached' check in:\n\(output.suffix(3000))")
        #expect(output.contains(" passed, 0 failed"), "\(output.suffix(3000))")
    }
}
