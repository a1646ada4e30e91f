import CoreMetrics
import MetricsTestKit

/// swift-metrics can be bootstrapped once per process, and every test target runs in the same
/// one: every test that reads metrics shares this factory. The public `bootstrap` (no
/// `@testable import`, so a release build of every target, as the README's install steps run,
/// compiles this target too); nothing else in a test process bootstraps metrics.
public enum SharedTestMetrics {
    public static let factory: TestMetrics = {
        let metrics = TestMetrics()
        MetricsSystem.bootstrap(metrics)
        return metrics
    }()
}
