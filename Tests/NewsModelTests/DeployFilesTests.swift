import Foundation
import Testing
import TestSupport

/// The deployment files (Deploy/Dockerfile, compose.yaml, k8s/, systemd/, grafana/, prometheus/) pass
/// the checks of Deploy/check_deploy.py, the alerting rules promtool's unit tests. Skipped where the project's Python is not installed; in CI
/// (CI=true) a missing Python is a failure.
@Suite(.enabled(if: Repository.hasPython, "no Python with pyyaml (set NEWSFLASH_PYTHON or run Deploy/setup.sh)"))
struct DeployFilesTests {
    @Test func theDeploymentFilesPassTheirChecks() throws {
        let result = try check(root: nil)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(!lines.contains { $0.hasPrefix("PROBLEM") }, "\(result.stdout)")
        for expected in [
            "ok Deploy/compose.yaml: services kafka, topics, postgres, mailpit, ingest, classify, match, notify-webhook, notify-email, api",
            "ok Deploy/compose.yaml: service api: port 127.0.0.1:8080:8080 bound to 127.0.0.1",
            "ok Deploy/k8s/kustomization.yaml lists every manifest",
            "ok Deploy/k8s: Deployment newsflash-classify, container newsflash: readinessProbe GET /health/ready on a declared port",
            "ok Deploy/systemd/newsflash@.service: ExecStart=/usr/local/bin/newsflash run %i in [Service]",
            "ok Deploy/Dockerfile: the final stage runs as a non-root USER",
            "ok Deploy/grafana/newsflash-dashboard.json: every listed metric has a panel",
            "ok Deploy/prometheus/alerts.test.yaml: NewsflashOffsetCommitsFailing is tested firing and quiet",
        ] {
            #expect(lines.contains { $0.hasPrefix(expected) }, "no line starting \(expected) in\n\(result.stdout)")
        }
        // promtool itself, wherever the project's setup has put it (in CI a missing promtool is a problem).
        if FileManager.default.isExecutableFile(atPath: Repository.script(".local/bin/promtool")) {
            #expect(lines.contains("ok Deploy/prometheus/alerts.yaml: `promtool test rules alerts.test.yaml` passes"), "\(result.stdout)")
        }
        #expect(lines.last?.hasSuffix(", 0 problems") == true, "\(result.stdout)")
    }

    /// The checker is not a rubber stamp: a copy of Deploy/ with one mistake per kind of file fails,
    /// naming each mistake.
    @Test func theCheckerFindsBrokenFiles() throws {
        let scratch = ScratchDirectory("deploy-check")
        defer { scratch.remove() }
        let directory = scratch.url
        try FileManager.default.copyItem(atPath: Repository.script("Deploy"), toPath: directory.appendingPathComponent("Deploy").path)
        try FileManager.default.copyItem(
            atPath: Repository.script(".dockerignore"), toPath: directory.appendingPathComponent(".dockerignore").path)

        func edit(_ relative: String, _ old: String, _ new: String) throws {
            let url = directory.appendingPathComponent(relative)
            let text = try String(contentsOf: url, encoding: .utf8)
            try #require(text.contains(old), "\(relative) no longer contains \(old)")
            try Data(text.replacingOccurrences(of: old, with: new).utf8).write(to: url)
        }
        try edit("Deploy/compose.yaml", "\"127.0.0.1:8080:8080\"", "\"8080:8080\"")
        try edit("Deploy/k8s/kustomization.yaml", "  - pdb.yaml\n", "")
        try edit("Deploy/k8s/deployment-match.yaml", "path: /health/ready", "path: /ready")
        try edit("Deploy/systemd/newsflash@.service", "ProtectSystem=strict", "ProtectSystem=full")
        try edit("Deploy/Dockerfile", "USER 10001:10001", "USER root")
        try edit("Deploy/grafana/newsflash-dashboard.json", "(kafka_consumer_lag)", "(kafka_consumergroup_lag)")
        // A threshold that no longer matches what its unit test expects to fire.
        try edit("Deploy/prometheus/alerts.yaml", "(kafka_consumer_lag) > 500", "(kafka_consumer_lag) > 5000")

        let result = try check(root: directory.path)
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        let problems = result.stdout.split(separator: "\n").filter { $0.hasPrefix("PROBLEM ") }.map(String.init)
        for expected in [
            "PROBLEM Deploy/compose.yaml: service api: port 8080:8080 bound to 127.0.0.1: bound to all interfaces",
            "PROBLEM Deploy/k8s/kustomization.yaml lists every manifest (14): not listed: ['pdb.yaml']",
            "PROBLEM Deploy/k8s: Deployment newsflash-match, container newsflash: readinessProbe GET /health/ready on a declared port",
            "PROBLEM Deploy/systemd/newsflash@.service: ProtectSystem=strict in [Service]",
            "PROBLEM Deploy/Dockerfile: the final stage runs as a non-root USER: root",
            "PROBLEM Deploy/grafana/newsflash-dashboard.json: panel 'Consumer lag by topic' query A uses known metrics",
        ] + (FileManager.default.isExecutableFile(atPath: Repository.script(".local/bin/promtool"))
            ? ["PROBLEM Deploy/prometheus/alerts.yaml: `promtool test rules alerts.test.yaml` passes: Unit Testing: alerts.test.yaml FAILED"] : []) {
            #expect(problems.contains { $0.hasPrefix(expected) }, "no problem starting \(expected) in\n\(result.stdout)")
        }
    }

    private func check(root: String?) throws -> Subprocess.Result {
        let python = try #require(Repository.python, "no Python at NEWSFLASH_PYTHON or .venv/bin/python; CI=true requires it")
        let arguments = [Repository.script("Deploy/check_deploy.py")] + (root.map { ["--root", $0] } ?? [])
        return try Subprocess.run(python, arguments, timeout: 180)
    }
}
