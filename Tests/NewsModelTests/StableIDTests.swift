import Foundation
@testable import NewsModel
import Testing

@Suite struct StableIDTests {
    /// FIPS 180-4 examples, and lengths around the padding boundaries (from Python's hashlib).
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        (
            "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
        ),
        (String(repeating: "a", count: 55), "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"),
        (String(repeating: "a", count: 56), "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"),
        (String(repeating: "a", count: 63), "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"),
        (String(repeating: "a", count: 64), "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"),
        (String(repeating: "a", count: 119), "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"),
    ])
    func sha256MatchesKnownVectors(_ message: String, _ digest: String) {
        #expect(StableID.sha256Hex(message) == digest)
    }

    @Test func sha256OfAMillionAs() {
        #expect(
            StableID.sha256Hex(String(repeating: "a", count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// The same ids as `prefix + "_" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:20]`.
    @Test func idsMatchOtherLanguages() {
        #expect(NewsItem.makeItemID(sourceID: "wire", guid: "g-1") == "itm_8fd6ce7d16da8a9ddf02")
        #expect(NewsItem.makeItemID(sourceID: "almayadeen-ar", guid: "غارة على عربصاليم") == "itm_aaddeb1f266905c287ed")
        #expect(
            DeliveryRequest.makeDeliveryID(subscriptionID: "sub_1", storyID: "sty_00000000000000000001", version: 2)
                == "dlv_0d41bd2fa04610160f8b")
    }

    @Test func sameInputSameIDDifferentInputDifferentID() {
        let first = NewsItem.makeItemID(sourceID: "wire", guid: "g-1")
        #expect(first == NewsItem.makeItemID(sourceID: "wire", guid: "g-1"))
        #expect(first != NewsItem.makeItemID(sourceID: "wire", guid: "g-2"))
        #expect(first != NewsItem.makeItemID(sourceID: "wire2", guid: "g-1"))
        #expect(first != NewsItem.makeItemID(sourceID: "wir", guid: "eg-1"), "the separator keeps the parts apart")
        #expect(first.wholeMatch(of: /itm_[0-9a-f]{20}/) != nil)

        let delivery = DeliveryRequest.makeDeliveryID(subscriptionID: "s", storyID: "t", version: 1)
        #expect(delivery == DeliveryRequest.makeDeliveryID(subscriptionID: "s", storyID: "t", version: 1))
        #expect(delivery != DeliveryRequest.makeDeliveryID(subscriptionID: "s", storyID: "t", version: 2))
        #expect(delivery != DeliveryRequest.makeDeliveryID(subscriptionID: "s2", storyID: "t", version: 1))
        #expect(delivery.wholeMatch(of: /dlv_[0-9a-f]{20}/) != nil)

        let story = StableID.make(prefix: "sty", ["quake"])
        #expect(story == StableID.make(prefix: "sty", ["quake"]))
        #expect(story != StableID.make(prefix: "sty", ["quake "]))
        #expect(story.wholeMatch(of: /sty_[0-9a-f]{20}/) != nil)
    }
}

@Suite struct RetryAfterTests {
    @Test func secondsAndHTTPDates() {
        #expect(RetryAfter.seconds("120") == 120)
        #expect(RetryAfter.seconds(" 7 ") == 7)
        #expect(RetryAfter.seconds("soon") == nil)
        #expect(RetryAfter.seconds("-5") == nil)
        let now = Date(timeIntervalSince1970: 784_111_717)  // Sun, 06 Nov 1994 08:48:37 GMT
        #expect(RetryAfter.seconds("Sun, 06 Nov 1994 08:49:37 GMT", now: now) == 60)
        #expect(RetryAfter.seconds("Sun, 06 Nov 1994 08:47:37 GMT", now: now) == 0, "a date in the past: now")
        #expect(RetryAfter.seconds("Sun, 06 Nov 1994 08:49:37", now: now) == nil)
        #expect(RetryAfter.seconds("Sun, 31 Foo 1994 08:49:37 GMT", now: now) == nil)
    }
}

