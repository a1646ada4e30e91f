@testable import CoreMetrics
import MetricsTestKit

/// swift-metrics can be bootstrapped once per process, and every test target runs in the same
/// one: every test that reads metrics shares this factory.
public enum SharedTestMetrics {
    public static let factory: TestMetrics = {
        let metrics = TestMetrics()
        MetricsSystem.bootstrapInternal(metrics)
        return metrics
    }()
}
