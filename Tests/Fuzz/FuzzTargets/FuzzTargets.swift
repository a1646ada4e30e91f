import FeedParsing
import Foundation
import NewsModel
import Subscriptions

/// The fuzz targets: each takes any bytes and traps (`preconditionFailure`) only when a property
/// of the code under test does not hold, so that libFuzzer records the input as a crash. The
/// libFuzzer drivers (`Tests/Fuzz/Drivers`, `make fuzz`) call them, and so do the unit tests that
/// replay the seed corpus and every crasher ever found (`Tests/Fuzz/Regressions`).
public enum FuzzTargets {
    /// By the name `make fuzz` and the corpus directories use.
    public static let all: [(name: String, run: @Sendable (UnsafeRawBufferPointer) -> Void)] = [
        ("feed-parser", feedParser),
        ("ticker-reader", tickerReader),
        ("filter", filter),
        ("event-decoder", eventDecoder),
        ("webhook-body", webhookBody),
    ]

    /// Any document as a feed: items or an error, never a trap; every item has a title (its promise),
    /// and every text is valid UTF-8 (the parser makes some Strings without String's own check).
    public static func feedParser(_ data: UnsafeRawBufferPointer) {
        guard let feed = try? FeedParser().parse(Array(data), url: "https://feeds.example.com/a/feed.xml") else { return }
        for item in feed.items where item.title.isEmpty { preconditionFailure("an item without a title: \(item)") }
        let texts = [feed.title] + feed.items.flatMap { [$0.title, $0.summary, $0.guid] + $0.authors + $0.categories }
        for text in texts where String(validating: Array(text.utf8), as: UTF8.self) == nil {
            preconditionFailure("a text that is not UTF-8: \(Array(text.utf8))")
        }
    }

    /// Any document as an HTML ticker page, with the selectors of a BREAKING list.
    public static func tickerReader(_ data: UnsafeRawBufferPointer) {
        _ = try? FeedParser().parse(Array(data), url: "https://news.example.com/", expecting: .htmlTicker(TickerSelectors.breakingList))
    }

    static let parser = FilterParser(
        regions: ["Africa", "Asia", "Asia-Pacific", "Europe", "Latin America", "MENA", "Palestine", "US & Canada"],
        topics: ["Politics", "Economy", "Sports", "Arts&Culture", "Health", "Technology", "Environment", "Miscellaneous"])

    /// A filter that parses is matched the same way by its tree and by the match index (which
    /// rewrites it into clauses on postings), for items made of the filter's own words.
    public static func filter(_ data: UnsafeRawBufferPointer) {
        let text = String(decoding: data, as: UTF8.self)
        guard let expression = try? parser.parse(text) else { return }
        var index = MatchIndex()
        index.upsert("sub_fuzz", filter: expression)
        let words = text.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
        let subjects = [
            FilterSubject(regions: [], topics: [], countries: [], source: "", language: nil, urgency: .routine, text: ""),
            FilterSubject(
                regions: ["mena", "europe"], topics: ["politics"], countries: ["lb", "fr"], source: "wire", language: "en-gb", urgency: .urgent,
                text: words.joined(separator: " ")),
            FilterSubject(
                regions: words.map { $0.lowercased() }, topics: words.map { $0.lowercased() }, countries: words.map { $0.lowercased() },
                source: words.first?.lowercased() ?? "", language: words.last?.lowercased(), urgency: .flash, text: words.reversed().joined(separator: " ")),
        ]
        for subject in subjects {
            let byTree = expression.matches(subject)
            let byIndex = !index.matches(subject).isEmpty
            precondition(byTree == byIndex, "the index and the tree disagree on \(text.debugDescription): tree \(byTree), index \(byIndex)")
        }
    }

    /// The hand-written `alerts.delivery` reader agrees with `JSONDecoder`: the same value when it
    /// reads one; when it refuses a document (other than as broken JSON, which `JSONDecoder`
    /// sometimes reads past), `JSONDecoder` refuses it with the same code. Every event type that
    /// decodes encodes and decodes again to the same bytes.
    public static func eventDecoder(_ data: UnsafeRawBufferPointer) {
        let bytes = Array(data)
        let codable = Result { () throws(EventDecodingError) in try EventCodec.decode(DeliveryRequest.self, from: bytes) }
        switch (Result { () throws(EventDecodingError) in try EventCodec.decodeDelivery(bytes) }, codable) {
        case (.success(let fast), .success(let reference)):
            precondition(fast == reference, "the readers decode different deliveries")
        case (.success, .failure(let error)):
            preconditionFailure("the hand-written reader accepts what JSONDecoder refuses (\(error.code))")
        case (.failure(let error), .success):
            precondition(error.code == .malformedJSON, "the hand-written reader refuses what JSONDecoder reads: \(error)")
        case (.failure(let fast), .failure(let reference)):
            precondition(fast.code == .malformedJSON || fast.code == reference.code, "different errors: \(fast.code) and \(reference.code)")
        }
        roundTrip(NewsItem.self, bytes)
        roundTrip(ClassifiedItem.self, bytes)
        roundTrip(DeliveryRequest.self, bytes)
        roundTrip(DeliveryReceipt.self, bytes)
        roundTrip(DeadLetter.self, bytes)
    }

    private static func roundTrip<Event: NewsEvent>(_ type: Event.Type, _ bytes: [UInt8]) {
        guard let envelope = try? EventCodec.decode(type, from: bytes), let once = try? EventCodec.encode(envelope) else { return }
        guard let again = try? EventCodec.decode(type, from: once) else { preconditionFailure("\(Event.eventType): what was encoded does not decode") }
        precondition((try? EventCodec.encode(again)) == once, "\(Event.eventType): encoding is not stable")
    }

    /// A delivery that decodes becomes a webhook body whose bytes (`JSONWriter.encode`) are
    /// `JSONEncoder`'s, and which reads back to the same body.
    public static func webhookBody(_ data: UnsafeRawBufferPointer) {
        guard let request = try? EventCodec.decodeDelivery(Array(data)).data else { return }
        let payload = WebhookPayload(
            type: .alert, subscriptionId: request.subscriptionId, sentAt: Date(timeIntervalSince1970: 1_795_911_681.25),
            alerts: [WebhookPayload.Alert(request)])
        guard let written = try? payload.encoded() else { return }  // a score that is not finite
        guard let reference = try? EventCodec.encodeValue(payload) else { preconditionFailure("JSONEncoder refuses what the writer wrote") }
        precondition(written == reference, "the body (JSONWriter.encode) differs from JSONEncoder's")
        guard let read = try? EventCodec.decodeValue(WebhookPayload.self, from: written) else {
            preconditionFailure("the body does not read back")
        }
        precondition((try? read.encoded()) == written, "the body does not survive a round trip")
    }
}
