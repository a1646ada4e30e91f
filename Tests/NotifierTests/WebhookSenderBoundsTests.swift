import Logging
import Notifier
import Testing

/// The sender's clients stay bounded however many endpoints it posts to (before, every endpoint
/// kept a client, and every replaced client, until shutdown).
struct WebhookSenderBoundsTests {
    @Test("posting to 120 hosts keeps at most maximumClients clients; retired ones are closed after the grace")
    func manyHostnamesStayBounded() async throws {
        var configuration = WebhookSender.Configuration()
        configuration.policy = .allowLoopback
        configuration.maximumClients = 20
        configuration.connectTimeout = .seconds(1)
        configuration.totalTimeout = .seconds(1)
        configuration.retiredClientGrace = .milliseconds(500)
        let sender = WebhookSender(configuration: configuration, logger: Logger(label: "test"))
        // 127.0.0.0/8 is loopback: 120 hosts, each its own endpoint; port 1 refuses at once.
        for host in 1...120 {
            let result = await sender.post("http://127.0.0.\(host):1/hook", headers: [], body: Array("{}".utf8))
            #expect(result.statusCode == nil)
            #expect(sender.clientCounts.open <= 20, "after host \(host): \(sender.clientCounts)")
        }
        // Evicted clients wait out the grace (posts may still hold them), then the next new client
        // closes them.
        #expect(sender.clientCounts.open + sender.clientCounts.retired <= 120)
        try await Task.sleep(for: .seconds(1))
        _ = await sender.post("http://127.0.0.121:1/hook", headers: [], body: Array("{}".utf8))
        // (the one it evicted to stay within 20 is retired now, and closed after the next grace)
        #expect(sender.clientCounts.retired <= 1, "\(sender.clientCounts)")
        #expect(sender.clientCounts.open <= 20)
        await sender.shutdown()
    }
}
