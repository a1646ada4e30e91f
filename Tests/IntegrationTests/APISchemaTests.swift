import Foundation
import Testing
import TestSupport

/// Schemathesis against a real `newsflash run api` on the test broker, from Schemas/openapi.yaml,
/// as an admin and as a subscriber (Tests/Support/api_schema_check.py): no 5xx, and every answer
/// as the schema says. A short run here; `make api-fuzz` runs longer.
@Suite(.enabled(if: TestBroker.bootstrap != nil || TestBroker.isCI, "KAFKA_BOOTSTRAP is not set"))
struct APISchemaTests {
    @Test func everyAnswerConformsToTheSchemaForBothRoles() async throws {
        guard let python = Repository.python else {
            #expect(!Repository.isCI, "CI=true needs the project's Python tools")
            return
        }
        let bootstrap = try #require(TestBroker.bootstrap)
        let run = try await Subprocess.run(
            python,
            [Repository.script("Tests/Support/api_schema_check.py"), "--newsflash", NewsflashCLI.executable.path, "--bootstrap", bootstrap,
             "--examples", "10", "--seed", "7"],
            timeout: 600)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr.suffix(8_000))")
        #expect(run.stdout.contains("subscriber: all but key changes"), "\(run.stdout)")
    }
}
