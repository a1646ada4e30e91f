import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Reads the document `feed parse` was given: a file, standard input, or an
/// http(s) URL (one GET, 15 s timeout, redirects followed, at most
/// `maximumBytes`). For the operator's tool only; ingest fetches with its own client.
struct FeedDocumentLoader {
    struct Document {
        var bytes: [UInt8]
        /// The URL read (after redirects), for relative links.
        var url: String?
        var contentType: String?
        var fetchedAt: Date
    }

    let maximumBytes: Int

    func load(_ source: String) async throws -> Document {
        let lowered = source.lowercased()
        if lowered.hasPrefix("http://") || lowered.hasPrefix("https://") { return try await fetch(source) }
        if source == "-" {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            return Document(bytes: Array(data), url: nil, contentType: nil, fetchedAt: Date())
        }
        guard let data = FileManager.default.contents(atPath: source) else {
            throw FeedCommandError("cannot read \(source): no such file or not readable")
        }
        let modified = (try? FileManager.default.attributesOfItem(atPath: source)[.modificationDate] as? Date) ?? Date()
        return Document(bytes: Array(data), url: nil, contentType: nil, fetchedAt: modified)
    }

    private func fetch(_ source: String) async throws -> Document {
        guard let url = URL(string: source) else { throw FeedCommandError("not a URL: \(source)") }
        var request = URLRequest(url: url, timeoutInterval: 15)
        request.setValue("Newsflash feed parse", forHTTPHeaderField: "User-Agent")
        request.setValue("application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/html;q=0.8, */*;q=0.5",
                         forHTTPHeaderField: "Accept")
        let fetchedAt = Date()
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw FeedCommandError("cannot fetch \(source): \(error.localizedDescription)")
        }
        guard let http = response as? HTTPURLResponse, (200..<300).contains(http.statusCode) else {
            throw FeedCommandError("\(source) returned HTTP \((response as? HTTPURLResponse)?.statusCode ?? 0)")
        }
        guard data.count <= maximumBytes else {
            throw FeedCommandError("\(source) returned \(data.count) bytes, more than the limit of \(maximumBytes)")
        }
        return Document(bytes: Array(data), url: response.url?.absoluteString ?? source,
                        contentType: http.value(forHTTPHeaderField: "Content-Type"), fetchedAt: fetchedAt)
    }
}
