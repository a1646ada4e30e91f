import Foundation
import Notifier
import Testing
import TestSupport

@Suite struct WebhookSignerTests {
    let secret = WebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")!
    let body = Array(#"{"test": 2432232314}"#.utf8)

    @Test func matchesTheSpecificationsExample() {
        // The example in the Standard Webhooks specification (and the svix libraries' tests).
        #expect(WebhookSigner.signature(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body, secret: secret)
                == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test func secretsRoundTripAndAreNotPrinted() throws {
        let generated = WebhookSecret.generate()
        #expect(generated.bytes.count == 24)
        #expect(WebhookSecret(generated.text) == generated)
        #expect("\(generated)" == "whsec_<redacted>")
        #expect(WebhookSecret("not-a-secret") == nil)
        #expect(WebhookSecret("whsec_") == nil)
    }

    @Test func verifiesTheCurrentAndThePreviousSecretDuringRotation() {
        let old = WebhookSecret.generate()
        let new = WebhookSecret.generate()
        let headers = Dictionary(uniqueKeysWithValues: WebhookSigner.headers(id: "dlv_1", timestamp: 1_000, body: body, secrets: [new, old]))
        #expect(headers["webhook-signature"]?.split(separator: " ").count == 2)
        #expect(WebhookSigner.verify(id: "dlv_1", timestamp: "1000", signatures: headers["webhook-signature"]!, body: body, secrets: [old], now: 1_000))
        #expect(WebhookSigner.verify(id: "dlv_1", timestamp: "1000", signatures: headers["webhook-signature"]!, body: body, secrets: [new], now: 1_000))
        #expect(!WebhookSigner.verify(id: "dlv_1", timestamp: "1000", signatures: headers["webhook-signature"]!, body: body + [0x20], secrets: [new], now: 1_000))
        #expect(!WebhookSigner.verify(id: "dlv_2", timestamp: "1000", signatures: headers["webhook-signature"]!, body: body, secrets: [new], now: 1_000))
        #expect(!WebhookSigner.verify(id: "dlv_1", timestamp: "1000", signatures: headers["webhook-signature"]!, body: body, secrets: [new], now: 1_000 + 301))
    }

    @Test func theOfficialPythonLibraryAcceptsOurSignature() throws {
        guard let python = Repository.python else {
            #expect(!Repository.isCI, "CI=true needs the project's Python tools")
            return
        }
        let secret = WebhookSecret.generate()
        let payload = #"{"eventType":"alerts.delivery","storyId":"sty_0123456789abcdef0123","title":"Quake – 6.1 ✓"}"#
        let timestamp = Int64(Date().timeIntervalSince1970)
        let headers = WebhookSigner.headers(id: "dlv_0123456789abcdef0123", timestamp: timestamp, body: Array(payload.utf8), secrets: [secret])
        let script = """
            import json, sys
            from standardwebhooks.webhooks import Webhook
            request = json.load(sys.stdin)
            print(json.dumps(Webhook(request["secret"]).verify(request["body"], request["headers"])))
            """
        let input = try JSONSerialization.data(withJSONObject: [
            "secret": secret.text, "body": payload, "headers": Dictionary(uniqueKeysWithValues: headers),
        ])
        let result = try Subprocess.run(python, ["-c", script], stdin: String(decoding: input, as: UTF8.self))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("sty_0123456789abcdef0123"))
        // And refuses a tampered body.
        let tampered = try JSONSerialization.data(withJSONObject: [
            "secret": secret.text, "body": payload.replacingOccurrences(of: "6.1", with: "7.1"), "headers": Dictionary(uniqueKeysWithValues: headers),
        ])
        #expect(try Subprocess.run(python, ["-c", script], stdin: String(decoding: tampered, as: UTF8.self)).status != 0)
    }
}

@Suite struct AddressPolicyTests {
    let policy = AddressPolicy()

    @Test(arguments: [
        "127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
        "224.0.0.1", "255.255.255.255", "240.0.0.1", "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1",
        "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a9fe:a9fe", "fd00:ec2::254", "2001:db8::1",
        // IPv4-compatible (even of a public address), 6to4 of refused IPv4, local-use NAT64, site-local.
        "::8.8.8.8", "::7f00:1", "2002:7f00:1::", "2002:a9fe:a9fe::1", "2002:c0a8:101::", "64:ff9b:1::808:808", "fec0::1",
    ])
    func refuses(_ text: String) throws {
        let address = try #require(IPAddress(text), "\(text) did not parse")
        #expect(policy.refusal(address) != nil, "\(text) was allowed")
    }

    @Test(arguments: ["93.184.216.34", "8.8.8.8", "172.32.0.1", "2606:4700::6810:85e5", "::ffff:93.184.216.34", "64:ff9b::808:808", "2002:808:808::1"])
    func allows(_ text: String) throws {
        let address = try #require(IPAddress(text), "\(text) did not parse")
        #expect(policy.refusal(address) == nil, "\(text) was refused")
    }

    @Test func anExplicitAllowListLetsTheDemoUseLoopback() throws {
        #expect(AddressPolicy.allowLoopback.refusal(try #require(IPAddress("127.0.0.1"))) == nil)
        #expect(AddressPolicy.allowLoopback.refusal(try #require(IPAddress("::1"))) == nil)
        #expect(AddressPolicy.allowLoopback.refusal(try #require(IPAddress("10.0.0.1"))) != nil)
    }

    @Test func malformedAddressesDoNotParse() {
        for text in ["1.2.3", "1.2.3.256", "1::2::3", "12345::", "a.b.c.d", "1.2.3.4.5", "::ffff:1.2.3"] {
            #expect(IPAddress(text) == nil, "\(text) parsed")
        }
    }
}
