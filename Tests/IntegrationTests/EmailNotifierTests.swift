import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NewsModel
import Notifier
import Pipeline
import NIOCore
import RdKafka
import Server
import SubscriptionStore
import Subscriptions
import Testing
import TestSupport

import Mailer

/// The email notifier against the real SMTP sink: opt-in first, then alerts with a stable
/// Message-ID and a one-click unsubscribe link that really unsubscribes through the API.
@Suite(.enabled(if: SMTPSink.shouldRun, SMTPSink.skipReason))
struct EmailNotifierTests {
    let logger = Logger(label: "email-notifier-tests")
    let parser = FilterParser(regions: ["MENA", "Europe"], topics: ["Politics", "Sports"])

    struct Setup {
        let store: SQLiteSubscriptionStore
        let mirror: SubscriptionMirror
        let client: SMTPClient
        let processor: EmailProcessor
        let notices: MailNotices
        let router: Router<BasicRequestContext>
    }

    /// This test's own directory for its subscription database.
    let scratch = ScratchDirectory("email")

    func setUp() throws -> Setup {
        let sink = try SMTPSink.required()
        let store = try SQLiteSubscriptionStore(path: scratch.path("subscriptions.sqlite"))
        let mirror = SubscriptionMirror(store: store, logger: logger)
        let client = try SMTPClient(configuration: sink.configuration(security: .startTLS, authenticate: true), logger: logger)
        let templates = try MailTemplates()
        let settings = EmailChannel.Settings(from: try EmailAddress("alerts@newsflash.test", name: "Newsflash"), publicURL: "http://127.0.0.1:8080/")
        let flow = DeliveryFlow(receiptsTopic: "receipts", deadLetterTopic: "dlq")
        return Setup(
            store: store, mirror: mirror, client: client,
            processor: EmailProcessor(
                channel: EmailChannel(transport: client, templates: templates, settings: settings, keys: TestKeys.source, logger: logger), mirror: mirror, store: store,
                flow: flow, logger: logger),
            notices: MailNotices(mirror: mirror, store: store, transport: client, templates: templates, settings: settings, logger: logger),
            router: SubscriptionAPI.buildRouter(store: store, parser: parser, keys: TestKeys.source))
    }

    func delivery(to subscription: Subscription, title: String) throws -> KafkaConsumerMessage {
        var item = SampleEvents.classifiedItem
        item.item.title = title
        item.item.storyId = StableID.make(prefix: "sty", [title])
        let request = DeliveryRequest(
            deliveryId: DeliveryRequest.makeDeliveryID(subscriptionID: subscription.id, storyID: item.item.storyId, version: 1),
            subscriptionId: subscription.id, channel: .email, storyId: item.item.storyId, version: 1, isUpdate: false, isReplay: false,
            item: item, match: MatchExplanation(filter: subscription.filter, matchedTerms: ["region:mena"]), createdAt: Date())
        return KafkaConsumerMessage(
            topic: Topics.alertsDeliveries, partition: 0, offset: 7, key: Array(subscription.id.utf8),
            value: try EventCodec.encode(request, occurredAt: Date()), headers: [], timestampMilliseconds: nil)
    }

    func receipt(_ outputs: [StageOutput]) throws -> DeliveryReceipt {
        try EventCodec.decode(DeliveryReceipt.self, from: try #require(outputs.first { $0.topic == "receipts" }).value).data
    }

    /// GET or POST a path on the API router; the status.
    func call(_ router: Router<BasicRequestContext>, _ method: HTTPRequest.Method, _ path: String) async throws -> HTTPResponse.Status {
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: path, method: method, body: ByteBuffer(string: "List-Unsubscribe=One-Click")) { $0.status }
        }
    }

    @Test func optInThenAlertsWithAWorkingUnsubscribeLink() async throws {
        let sink = try SMTPSink.required()
        let setup = try setUp()
        let address = SMTPSink.recipient("reader")
        var subscription = Subscription(name: "MENA <desk>", filter: "region:MENA", channel: .email(address: address))
        subscription.issueCredentials(TestKeys.keyring)
        try await setup.store.save(subscription)
        try await setup.mirror.refresh()

        // Nothing before the address confirms.
        let early = try await setup.processor.process(try delivery(to: subscription, title: "Too early"))
        #expect(try receipt(early).outcome == .failed)
        #expect(try receipt(early).error?.contains("double opt-in") == true)

        // The confirmation mail, once, and its link confirms.
        #expect(try await setup.notices.runOnce() == 1)
        #expect(try await setup.notices.runOnce() == 0)
        let confirmation = try #require(try await sink.received(for: address).first?.file)
        let confirmText = try #require(try ParsedEmail.read([confirmation]).first?.text)
        let link = try #require(confirmText.firstMatch(of: /http:\/\/127\.0\.0\.1:8080(\/v1\/confirm\/sub_[0-9a-f]+\.[0-9a-f]+)/)?.1)
        // The address agreed to nothing yet: the mail carries none of the subscriber's words.
        let confirmMail = try #require(try ParsedEmail.read([confirmation]).first)
        for part in [confirmMail.text, confirmMail.html, confirmMail.headers["Subject"]] { #expect(part?.contains("desk") == false) }
        // The link opens a page; only its button (a POST) confirms, so a mail scanner cannot.
        #expect(try await call(setup.router, .get, String(link)) == .ok)
        #expect(try await setup.store.subscription(subscription.id)?.confirmedAt == nil)
        #expect(try await call(setup.router, .post, String(link)) == .ok)
        #expect(try await setup.store.subscription(subscription.id)?.confirmedAt != nil)
        try await setup.mirror.refresh()

        let message = try delivery(to: subscription, title: "Strike on <b>Arabsalim</b> & more")
        let outputs = try await setup.processor.process(message)
        #expect(try receipt(outputs).outcome == .delivered)
        #expect(try receipt(outputs).statusCode == 250)
        let received = try await sink.received(for: address, count: 2)
        let lastFile = try #require(received.last?.file)
        let mail = try #require(try ParsedEmail.read([lastFile]).first)
        let request = try EventCodec.decode(DeliveryRequest.self, from: message.value).data
        #expect(mail.headers["Message-ID"] == "<\(request.deliveryId)@newsflash>")
        #expect(mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click")
        let unsubscribe = try #require(mail.headers["List-Unsubscribe"]?.firstMatch(of: /<http:\/\/127\.0\.0\.1:8080(\/v1\/unsubscribe\/[^>]+)>/)?.1)
        #expect(mail.content_type == "multipart/alternative")
        #expect(mail.text?.contains("Strike on <b>Arabsalim</b> & more") == true)  // text is not escaped
        #expect(mail.html?.contains("Strike on &lt;b&gt;Arabsalim&lt;/b&gt; &amp; more") == true)  // HTML is
        #expect(mail.html?.contains("<b>Arabsalim") == false)
        #expect(mail.defects.isEmpty)

        // The same delivery again (a retry or replay) carries the same Message-ID.
        _ = try await setup.processor.process(message)
        let again = try await sink.received(for: address, count: 3)
        let againFile = try #require(again.last?.file)
        #expect(try ParsedEmail.read([againFile]).first?.headers["Message-ID"] == mail.headers["Message-ID"])

        // One click (POST) unsubscribes for real.
        #expect(try await call(setup.router, .post, String(unsubscribe)) == .ok)
        #expect(try await setup.store.subscription(subscription.id) == nil)
        await setup.client.shutdown()
    }

    @Test func smtpRepliesBecomeRetriesOrDeadLetters() async throws {
        let setup = try setUp()
        var outcomes: [String: DeliveryOutcome] = [:]
        var topics: [String: Set<String>] = [:]
        for local in ["tempfail", "reject"] {
            var subscription = Subscription(name: local, filter: "region:MENA", channel: .email(address: SMTPSink.recipient(local)))
            subscription.issueCredentials(TestKeys.keyring)
            subscription.confirmedAt = Date()
            try await setup.store.save(subscription)
            try await setup.mirror.refresh()
            let outputs = try await setup.processor.process(try delivery(to: subscription, title: "\(local) story"))
            outcomes[local] = try receipt(outputs).outcome
            topics[local] = Set(outputs.map(\.topic))
        }
        // 451: tried again through the first delay topic; 550: to the DLQ at once.
        #expect(outcomes["tempfail"] == .retry)
        #expect(topics["tempfail"] == ["receipts", Topics.retryTopics[0]])
        #expect(outcomes["reject"] == .deadLettered)
        #expect(topics["reject"] == ["receipts", "dlq"])
        await setup.client.shutdown()
    }

    /// The contact address confirms first (by a mail without the subscriber's words), and only
    /// then gets the notice, once.
    @Test func aDisabledSubscriptionsContactIsToldOnceAfterItConfirms() async throws {
        let sink = try SMTPSink.required()
        let setup = try setUp()
        let contact = SMTPSink.recipient("owner")
        var subscription = Subscription(name: "Hook desk", filter: "region:MENA", channel: .webhook(url: "https://hooks.example.com/x"))
        subscription.status = .disabled
        subscription.disabledReason = "the endpoint answered 410 Gone"
        subscription.setContactEmail(contact)
        try await setup.store.save(subscription)
        try await setup.mirror.refresh()
        #expect(try await setup.notices.runOnce() == 1)  // the confirmation, not the notice
        #expect(try await setup.notices.runOnce() == 0)
        let confirmationFile = try #require(try await sink.received(for: contact).first?.file)
        let confirmMail = try #require(try ParsedEmail.read([confirmationFile]).first)
        // (The reason's "410 Gone", not "410" alone: the confirmation link carries the random
        // subscription id, and "sub_a92e1c24102b..." holds "410".)
        for part in [confirmMail.text, confirmMail.html, confirmMail.headers["Subject"]] {
            #expect(part.map { !$0.contains("Hook desk") && !$0.contains("hooks.example.com") && !$0.contains("410 Gone") } == true)
        }
        let text = try #require(confirmMail.text)
        let link = try #require(text.firstMatch(of: /http:\/\/127\.0\.0\.1:8080(\/v1\/confirm-contact\/sub_[0-9a-f]+\.[0-9a-f]+)/)?.1)
        #expect(try await call(setup.router, .post, "/v1/confirm-contact/\(subscription.id).0000") == .notFound)
        #expect(try await call(setup.router, .get, String(link)) == .ok)
        #expect(try await setup.store.subscription(subscription.id)?.contactConfirmedAt == nil)  // a GET confirms nothing
        #expect(try await call(setup.router, .post, String(link)) == .ok)
        #expect(try await setup.store.subscription(subscription.id)?.contactConfirmedAt != nil)
        try await setup.mirror.refresh()

        #expect(try await setup.notices.runOnce() == 1)
        #expect(try await setup.notices.runOnce() == 0)
        let noticeFile = try #require(try await sink.received(for: contact, count: 2).last?.file)
        let notice = try #require(try ParsedEmail.read([noticeFile]).first)
        #expect(notice.text?.contains("410 Gone") == true)
        #expect(notice.text?.contains("https://hooks.example.com/x") == true)
        await setup.client.shutdown()
    }

    /// However many subscriptions name one address, it gets at most three confirmation mails a day.
    @Test func oneAddressGetsAtMostThreeConfirmationsADay() async throws {
        let sink = try SMTPSink.required()
        let setup = try setUp()
        let victim = SMTPSink.recipient("victim")
        for index in 0..<4 {
            var subscription = Subscription(name: "spam \(index)", filter: "region:MENA", channel: .email(address: victim))
            subscription.issueCredentials(TestKeys.keyring)
            try await setup.store.save(subscription)
        }
        var hook = Subscription(name: "spam hook", filter: "region:MENA", channel: .webhook(url: "https://hooks.example.com/y"))
        hook.setContactEmail(victim)
        try await setup.store.save(hook)
        try await setup.mirror.refresh()
        #expect(try await setup.notices.runOnce() == 3)
        #expect(try await setup.notices.runOnce() == 0)
        #expect(try await sink.received(for: victim, count: 3).count == 3)
        // Deleting and creating again does not reset the count.
        for subscription in try await setup.store.all() { try await setup.store.delete(subscription.id) }
        var again = Subscription(name: "spam again", filter: "region:MENA", channel: .email(address: victim))
        again.issueCredentials(TestKeys.keyring)
        try await setup.store.save(again)
        try await setup.mirror.refresh()
        #expect(try await setup.notices.runOnce() == 0)
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await sink.received(for: victim).count == 3)
        await setup.client.shutdown()
    }
}
