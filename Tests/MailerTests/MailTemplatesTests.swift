import Foundation
import Testing

@testable import Mailer

@Suite("Mail templates")
struct MailTemplatesTests {
    static let templates = Result { try MailTemplates() }
    static let published = Date(timeIntervalSince1970: 1_795_921_200)  // 2026-11-29 03:00 UTC

    static func alert(
        title: String = "Quake <b>hits</b> coast & \"towns\"", link: String = "https://news.example/a?x=1&y=2",
        isUpdate: Bool = false, isReplay: Bool = false
    ) -> AlertContent {
        AlertContent(
            title: title, summary: "Officials say <script>alert(1)</script> damage is 'limited'.", link: link,
            source: "Wire & Co", regions: ["Asia", "Asia-Pacific"], topics: ["Environment"], urgency: "flash",
            published: published, whyMatched: "region Asia and urgency ≥ urgent", isUpdate: isUpdate, isReplay: isReplay)
    }

    @Test func htmlEscapesEveryValue() throws {
        let mail = try Self.templates.get().alert(Self.alert(), unsubscribeURL: "https://newsflash.example/u/1?a=b&c=d")
        #expect(mail.html.contains("Quake &lt;b&gt;hits&lt;/b&gt; coast &amp; &quot;towns&quot;"))
        #expect(mail.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!mail.html.contains("<script>"))
        #expect(!mail.html.contains("<b>hits"))
        #expect(mail.html.contains("href=\"https://news.example/a?x=1&amp;y=2\""))
        #expect(mail.html.contains("Wire &amp; Co"))
        #expect(mail.html.contains("href=\"https://newsflash.example/u/1?a=b&amp;c=d\""))
        #expect(mail.html.contains("2026-11-29 03:00 UTC"))
    }

    @Test func textAndSubjectAreNotHTMLEscaped() throws {
        let mail = try Self.templates.get().alert(Self.alert(), unsubscribeURL: "https://newsflash.example/u/1?a=b&c=d")
        #expect(mail.subject == "[FLASH] Quake <b>hits</b> coast & \"towns\"")
        #expect(mail.text.contains("Quake <b>hits</b> coast & \"towns\""))
        #expect(mail.text.contains("Read more: https://news.example/a?x=1&y=2"))
        #expect(mail.text.contains("Source: Wire & Co"))
        #expect(mail.text.contains("Regions: Asia, Asia-Pacific"))
        #expect(mail.text.contains("Why you got this: region Asia and urgency ≥ urgent"))
        #expect(mail.text.contains("Unsubscribe: https://newsflash.example/u/1?a=b&c=d"))
        #expect(!mail.text.contains("&amp;"))
        #expect(!mail.text.contains("CONTENT_TYPE"))
    }

    @Test func updateAndReplayAreSaid() throws {
        let mail = try Self.templates.get().alert(Self.alert(isUpdate: true, isReplay: true), unsubscribeURL: "https://u.example/1")
        #expect(mail.subject.hasPrefix("Update: [Replay] "))
        #expect(mail.text.hasPrefix("UPDATE to a story"))
        #expect(mail.html.contains("<strong>Update</strong>"))
        #expect(mail.html.contains("replay"))
    }

    @Test func aSubjectIsOneLineWhateverTheTitleHolds() throws {
        let mail = try Self.templates.get().alert(Self.alert(title: "Line one\r\nBcc: victim@example.com\n"), unsubscribeURL: "https://u.example/1")
        #expect(mail.subject == "[FLASH] Line one Bcc: victim@example.com")
    }

    @Test func onlyWebLinksBecomeHrefs() throws {
        let mail = try Self.templates.get().alert(Self.alert(link: "javascript:alert(1)"), unsubscribeURL: "https://u.example/1")
        #expect(!mail.html.contains("href=\"javascript"))
    }

    @Test func digestListsEveryAlert() throws {
        let alerts = [Self.alert(title: "First & one"), Self.alert(title: "Second <two>", isUpdate: true), Self.alert(title: "Third")]
        let mail = try Self.templates.get().digest(alerts, subscriptionName: "Asia <quakes>", unsubscribeURL: "https://u.example/1")
        #expect(mail.subject == "3 news alerts for Asia <quakes>")
        #expect(mail.html.contains("3 news alerts for Asia &lt;quakes&gt;"))
        for title in ["First &amp; one", "Second &lt;two&gt;", "Third"] { #expect(mail.html.contains(title)) }
        for title in ["* First & one", "* Update: Second <two>", "* Third"] { #expect(mail.text.contains(title)) }
    }

    /// A confirmation goes to an address that agreed to nothing: the link and fixed words only.
    @Test func confirmationCarriesTheLinkAndNoSubscriberText() throws {
        let mail = try Self.templates.get().confirmation(
            ConfirmationContent(purpose: .alerts, confirmURL: "https://newsflash.example/c/tok?x=1&y=2", expires: Self.published))
        #expect(mail.subject == "Confirm your news alerts")
        #expect(mail.text.contains("send news alerts to this address"))
        #expect(mail.text.contains("https://newsflash.example/c/tok?x=1&y=2"))
        #expect(mail.text.contains("before 2026-11-29 03:00 UTC"))
        #expect(mail.html.contains("href=\"https://newsflash.example/c/tok?x=1&amp;y=2\""))
        let notice = try Self.templates.get().confirmation(ConfirmationContent(purpose: .notices, confirmURL: "https://newsflash.example/cc/tok"))
        #expect(notice.subject == "Confirm Newsflash notices")
        #expect(notice.text.contains("deliveries fail and it is turned off"))
        #expect(!notice.text.contains("send news alerts to this address"))
    }

    @Test func endpointDisabledNotice() throws {
        let mail = try Self.templates.get().endpointDisabled(
            EndpointDisabledContent(
                subscriptionName: "Hooks", endpoint: "https://hooks.example/in", reason: "HTTP 503 <Service Unavailable>",
                disabledAt: Self.published, manageURL: "https://newsflash.example/s/1"))
        #expect(mail.subject == "Your alert endpoint was disabled: Hooks")
        #expect(mail.text.contains("Last error: HTTP 503 <Service Unavailable>"))
        #expect(mail.html.contains("HTTP 503 &lt;Service Unavailable&gt;"))
        #expect(mail.html.contains("https://newsflash.example/s/1"))
    }

    @Test func renderedMailBecomesAMessageWithUnsubscribeHeaders() throws {
        let mail = try Self.templates.get().alert(Self.alert(), unsubscribeURL: "https://newsflash.example/u/1")
        let message = try mail.message(
            from: EmailAddress("alerts@newsflash.example"), to: [EmailAddress("r@example.com")],
            messageID: EmailMessage.messageID(deliveryID: "dlv_9"), unsubscribeURL: "https://newsflash.example/u/1")
        let text = String(decoding: try MIMEBuilder().build(message), as: UTF8.self)
        #expect(text.contains("List-Unsubscribe: <https://newsflash.example/u/1>\r\n"))
        #expect(text.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"))
        #expect(text.contains("Message-ID: <dlv_9@newsflash>\r\n"))
    }
}
