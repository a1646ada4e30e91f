import Foundation
import Mustache

/// Renders the mails (alert, digest, opt-in confirmation, endpoint disabled) from the mustache
/// templates in `Sources/Mailer/Templates`: `NAME.subject`, `NAME.text` and `NAME.html`.
///
/// Subject and text templates declare `{{% CONTENT_TYPE: TEXT}}` and are not HTML-escaped;
/// HTML templates escape every value (`{{ }}` only, never triple braces).
public struct MailTemplates: Sendable {
    private let library: MustacheLibrary

    /// The templates that ship with the module.
    public init() throws {
        guard let directory = Bundle.module.url(forResource: "Templates", withExtension: nil) else {
            throw EmailMessageError("the Mailer templates are missing from the module's resources")
        }
        try self.init(directory: directory)
    }

    /// Templates from a folder of `.mustache` files with the same names (to restyle the mails).
    public init(directory: URL) throws {
        var library = MustacheLibrary()
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
        for file in files where file.pathExtension == "mustache" {
            do {
                try library.register(String(contentsOf: file, encoding: .utf8), named: file.deletingPathExtension().lastPathComponent)
            } catch {
                throw EmailMessageError("template \(file.lastPathComponent) does not parse: \(error)")
            }
        }
        self.library = library
    }

    public func alert(_ alert: AlertContent, unsubscribeURL: String) throws -> RenderedMail {
        var view = AlertView(alert)
        view.unsubscribeURL = unsubscribeURL
        return try render("alert", view)
    }

    /// Many alerts in one message, in the order given.
    public func digest(_ alerts: [AlertContent], subscriptionName: String, unsubscribeURL: String) throws -> RenderedMail {
        try render(
            "digest",
            DigestView(
                subscriptionName: subscriptionName, count: alerts.count, alerts: alerts.map(AlertView.init),
                unsubscribeURL: unsubscribeURL))
    }

    public func confirmation(_ content: ConfirmationContent) throws -> RenderedMail {
        try render(
            "confirmation",
            ConfirmationView(notices: content.purpose == .notices, confirmURL: content.confirmURL, expires: content.expires.map(Self.time)))
    }

    public func endpointDisabled(_ content: EndpointDisabledContent) throws -> RenderedMail {
        try render(
            "disabled",
            DisabledView(
                subscriptionName: content.subscriptionName, endpoint: content.endpoint, reason: content.reason,
                disabledAt: Self.time(content.disabledAt), manageURL: content.manageURL))
    }

    private func render(_ name: String, _ view: Any) throws -> RenderedMail {
        func part(_ suffix: String) throws -> String {
            guard let text = library.render(view, withTemplate: "\(name).\(suffix)") else {
                throw EmailMessageError("template \(name).\(suffix).mustache is missing")
            }
            return text
        }
        // One line, whatever line breaks the data brings: a subject is a header.
        let subject = try part("subject").split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return RenderedMail(subject: subject, text: try part("text"), html: try part("html"))
    }

    /// `2026-11-29 03:00 UTC`: unambiguous for every reader.
    static func time(_ date: Date) -> String {
        date.formatted(
            Date.VerbatimFormatStyle(
                format: "\(year: .defaultDigits)-\(month: .twoDigits)-\(day: .twoDigits) \(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits) UTC",
                locale: Locale(identifier: "en_US_POSIX"), timeZone: .gmt, calendar: Calendar(identifier: .gregorian)))
    }
}

/// What the templates see of an alert: lists joined, the time formatted, the link only when safe.
private struct AlertView {
    var title: String
    var summary: String?
    var link: String
    var safeLink: String?
    var source: String
    var regions: String?
    var topics: String?
    var urgencyLabel: String?
    var published: String
    var whyMatched: String
    var isUpdate, isReplay: Bool
    var unsubscribeURL: String?

    init(_ alert: AlertContent) {
        title = alert.title
        summary = alert.summary.flatMap { $0.isEmpty ? nil : $0 }
        link = alert.link
        let scheme = alert.link.lowercased()
        safeLink = scheme.hasPrefix("https://") || scheme.hasPrefix("http://") ? alert.link : nil
        source = alert.source
        regions = alert.regions.isEmpty ? nil : alert.regions.joined(separator: ", ")
        topics = alert.topics.isEmpty ? nil : alert.topics.joined(separator: ", ")
        urgencyLabel = ["", "routine", "normal"].contains(alert.urgency.lowercased()) ? nil : alert.urgency.uppercased()
        published = MailTemplates.time(alert.published)
        whyMatched = alert.whyMatched
        isUpdate = alert.isUpdate
        isReplay = alert.isReplay
    }
}

private struct DigestView {
    var subscriptionName: String
    var count: Int
    var alerts: [AlertView]
    var unsubscribeURL: String
}

private struct ConfirmationView {
    /// A contact address's confirmation, not an email subscription's.
    var notices: Bool
    var confirmURL: String
    var expires: String?
}

private struct DisabledView {
    var subscriptionName: String
    var endpoint: String
    var reason: String
    var disabledAt: String
    var manageURL: String?
}
