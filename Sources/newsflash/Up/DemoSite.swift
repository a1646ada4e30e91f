import Foundation
import HTTPTypes
import Hummingbird
import NewsModel
import Notifier
import Synchronization

/// The local demo's news sources and webhook receiver, on one loopback port:
/// a BREAKING-ticker page shaped like the seed page, an RSS feed and a JSON
/// Feed whose items appear one at a time (every `pace`), and `/demo/webhook`,
/// which verifies each delivery's Standard Webhooks signature and prints it.
final class DemoSite: Sendable {
    static let ticker = SmokeItems.lines
    static let rss: [(title: String, summary: String)] = [
        ("Earthquake of magnitude 6.1 strikes off the coast of Chile", "Authorities in Valparaiso ordered an evacuation of coastal areas."),
        ("Kenya's central bank holds interest rates as inflation eases", "The Central Bank of Kenya kept its benchmark rate at 10 percent."),
        ("Japan and South Korea agree to resume defense exchanges", "Defense ministers met in Tokyo for the first time in four years."),
        ("Gaza: at least 12 killed in overnight strikes, health ministry says", "Rescue teams searched the rubble in Khan Younis."),
        ("Canadian wildfire smoke forces school closures in Quebec", "Air quality warnings were issued for Montreal."),
        ("Germany's parliament approves the 2027 budget", "The Bundestag passed the spending plan after a late-night session."),
        ("Brazil wins the Copa America final on penalties", "Fans celebrated in Rio de Janeiro through the night."),
        ("WHO warns of rising measles cases in Europe", "The agency urged catch-up vaccination campaigns."),
    ]
    static let json: [(title: String, summary: String)] = [
        ("Indonesia launches its first national AI research centre", "The centre in Jakarta will train models for local languages."),
        ("Australian researchers map coral bleaching across the Great Barrier Reef", "Marine heatwaves affected two thirds of reefs surveyed."),
        ("Paris museum returns looted artefacts to Benin", "The Louvre handed over 26 royal treasures."),
    ]

    let start = Date()
    let pace: TimeInterval
    let secrets = Mutex<[String: [WebhookSecret]]>([:])
    let received = Atomic<Int>(0)

    init(pace: TimeInterval) {
        self.pace = pace
    }

    /// How many items of a list of `count` are visible now: 3 at first, one more every `pace`.
    func visible(_ count: Int) -> Int {
        min(count, 3 + Int(Date().timeIntervalSince(start) / pace))
    }

    func trust(_ path: String, secrets: [String]) {
        self.secrets.withLock { $0[path] = secrets.compactMap(WebhookSecret.init) }
    }

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("demo/ticker.html") { _, _ -> Response in
            let lines = Self.ticker.prefix(self.visible(Self.ticker.count)).enumerated().map { index, line in
                "<li><time datetime=\"\(RFC3339Time.format(self.start.addingTimeInterval(Double(index) * self.pace)))\"></time> \(Self.escape(line))</li>"
            }
            let html = """
                <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Newsflash demo ticker</title></head><body>
                <nav><ul><li>News</li><li>Politics</li><li>Economy</li></ul></nav>
                <section class="breaking"><h2>BREAKING</h2><ul class="ticker">\(lines.reversed().joined(separator: "\n"))</ul></section>
                </body></html>
                """
            return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
        }
        router.get("demo/world.rss") { _, _ -> Response in
            let items = Self.rss.prefix(self.visible(Self.rss.count)).enumerated().map { index, entry in
                """
                <item><title>\(Self.escape(entry.title))</title><link>http://127.0.0.1/demo/world/\(index)</link>\
                <guid>demo-world-\(index)</guid><description>\(Self.escape(entry.summary))</description>\
                <pubDate>\(Self.rfc822(self.start.addingTimeInterval(Double(index) * self.pace)))</pubDate></item>
                """
            }
            let rss = """
                <?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Demo world wire</title>\
                <link>http://127.0.0.1/demo</link><description>Demo</description>\(items.reversed().joined())</channel></rss>
                """
            return Response(status: .ok, headers: [.contentType: "application/rss+xml; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: rss)))
        }
        router.get("demo/science.json") { _, _ -> Response in
            let items: [[String: Any]] = Self.json.prefix(self.visible(Self.json.count)).enumerated().map { index, entry in
                ["id": "demo-science-\(index)", "title": entry.title, "content_text": entry.summary,
                 "url": "http://127.0.0.1/demo/science/\(index)", "date_published": RFC3339Time.format(self.start.addingTimeInterval(Double(index) * self.pace))]
            }
            let feed: [String: Any] = ["version": "https://jsonfeed.org/version/1.1", "title": "Demo science desk", "items": items]
            let data = try JSONSerialization.data(withJSONObject: feed, options: [.sortedKeys])
            return Response(status: .ok, headers: [.contentType: "application/feed+json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.post("demo/webhook") { request, _ -> HTTPResponse.Status in
            let body = Array(buffer: try await request.body.collect(upTo: 1 << 20))
            let headers = request.headers
            let id = headers[HTTPField.Name("webhook-id")!] ?? ""
            let verified = WebhookSigner.verify(
                header: { HTTPField.Name($0).flatMap { headers[$0] } }, body: body, secrets: self.secrets.withLock { $0["/demo/webhook"] ?? [] })
            guard verified else {
                say("demo receiver: REFUSED \(id): the signature does not verify")
                return .unauthorized
            }
            self.received.add(1, ordering: .relaxed)
            let payload = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
            for alert in payload?["alerts"] as? [[String: Any]] ?? [] {
                let item = alert["item"] as? [String: Any]
                let regions = (alert["regions"] as? [[String: Any]] ?? []).compactMap { $0["label"] as? String }
                let topics = (alert["topics"] as? [[String: Any]] ?? []).compactMap { $0["label"] as? String }
                let flags = [(alert["isUpdate"] as? Bool) == true ? "update" : nil, (alert["isReplay"] as? Bool) == true ? "replay" : nil].compactMap { $0 }
                say("ALERT (signature verified) [\(alert["urgency"] as? String ?? "")] [\((regions + topics).joined(separator: ", "))]\(flags.isEmpty ? "" : " (\(flags.joined(separator: ", ")))") \(item?["title"] as? String ?? "")")
            }
            return .noContent
        }
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    static func rfc822(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }
}
