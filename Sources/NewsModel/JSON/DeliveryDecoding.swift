import Foundation

// `alerts.delivery` read with ``JSONReader`` instead of `JSONDecoder`: each notifier
// attempt starts with one. Field for field what the synthesized `Codable` conformances
// read (unknown members are skipped, `null` is an absent optional, a missing required
// member is an error); tests check that both decoders agree.

extension EventCodec {
    /// ``decode(_:from:)`` of an `alerts.delivery` envelope without `JSONDecoder`: the
    /// same value, or an error with the same ``EventDecodingError/code``, except that
    /// the few broken documents `JSONDecoder` reads past (a trailing comma, a number such
    /// as `01` or `1.`, bytes that are not UTF-8 in a key or an unknown member, a member
    /// that appears twice) are `malformedJSON` here.
    public static func decodeDelivery(_ bytes: [UInt8]) throws(EventDecodingError) -> EventEnvelope<DeliveryRequest> {
        let result = bytes.withUnsafeBufferPointer { buffer -> Result<EventEnvelope<DeliveryRequest>, any Error> in
            var reader = JSONReader(buffer)
            do {
                let envelope = try EventEnvelope<DeliveryRequest>(reading: &reader)
                try reader.finish()
                return .success(envelope)
            } catch let error as JSONReadError where error.code == .malformed {
                return .failure(error)
            } catch {
                // JSONDecoder parses the whole document before it looks at a field: broken JSON
                // after the field in error is the error to report.
                guard JSONReader.isWellFormed(buffer) else {
                    return .failure(JSONReadError(code: .malformed, message: "the document is not well-formed"))
                }
                return .failure(error)
            }
        }
        switch result {
        case .success(let envelope):
            return envelope
        case .failure(let error as EventDecodingError):
            throw error
        case .failure(let error as JSONReadError) where error.code == .malformed:
            throw EventDecodingError(
                code: .malformedJSON, message: "not JSON (expected a \(DeliveryRequest.eventType) envelope object): \(error.message)")
        case .failure(let error as JSONReadError):
            throw EventDecodingError(code: .invalidField, message: "\(DeliveryRequest.eventType) event: \(error.message)")
        case .failure(let error):
            throw EventDecodingError(code: .malformedJSON, message: "not a \(DeliveryRequest.eventType) event: \(error)")
        }
    }
}

extension EventEnvelope where Payload == DeliveryRequest {
    /// A wrong `eventType` or `schemaVersion` is the error to report, wherever it sits (as the
    /// `Codable` decoder, which checks them first, does): a field that does not read is skipped
    /// and its error thrown only once the envelope is known to be an `alerts.delivery` v1 (the
    /// event fuzzer found `occurredAt` reported before a wrong `eventType`).
    private static let members: [StaticString] = ["eventType", "schemaVersion", "eventId", "occurredAt", "data"]

    init(reading reader: inout JSONReader) throws {
        var eventType: String?
        var schemaVersion: Result<Int, JSONReadError>?, eventId: Result<String, JSONReadError>?, occurredAt: Result<Date, JSONReadError>?
        var data: Result<DeliveryRequest, JSONReadError>?
        var seen: UInt8 = 0
        try reader.beginObject()
        while let key = try reader.nextKey() {
            // Each envelope member once, as the members' readers check (`named(in:seen:)`).
            for (index, name) in Self.members.enumerated() where name ~= key {
                guard seen & (1 << index) == 0 else { throw JSONReadError(code: .malformed, message: "the member \(name) appears twice") }
                seen |= 1 << index
            }
            switch key {
            case "eventType": eventType = try reader.readString()
            case "schemaVersion": schemaVersion = try reader.deferring { reader throws(JSONReadError) in try reader.readInt() }
            case "eventId": eventId = try reader.deferring { reader throws(JSONReadError) in try reader.readString() }
            case "occurredAt": occurredAt = try reader.deferring { reader throws(JSONReadError) in try reader.readDate() }
            case "data": data = try reader.deferring { reader throws(JSONReadError) in try DeliveryRequest(reading: &reader) }
            default: try reader.skipValue()
            }
        }
        guard let eventType else { throw reader.missing("eventType") }
        guard eventType == Payload.eventType else { throw EventDecodingError.wrongEventType(eventType, expected: Payload.self) }
        guard let schemaVersion = try schemaVersion?.get() else { throw reader.missing("schemaVersion") }
        guard schemaVersion == Payload.schemaVersion else {
            throw EventDecodingError.unsupportedSchemaVersion(schemaVersion, expected: Payload.self)
        }
        guard let eventId = try eventId?.get() else { throw reader.missing("eventId") }
        guard let occurredAt = try occurredAt?.get() else { throw reader.missing("occurredAt") }
        guard let data else { throw reader.missing("data") }
        self.init(eventId: eventId, occurredAt: occurredAt, data: try data.get())
    }
}

extension JSONReader {
    /// Reads a value with `read`; when that fails on a well-formed value, skips the value and
    /// returns the error for later (broken JSON still throws at once).
    mutating func deferring<Value>(_ read: (inout JSONReader) throws(JSONReadError) -> Value) throws(JSONReadError) -> Result<Value, JSONReadError> {
        let start = mark
        do {
            return .success(try read(&self))
        } catch {
            reset(to: start)
            try skipValue()
            return .failure(error)
        }
    }
}

// Each reader below switches over its type's `CodingKeys` without a default: a field added to the
// type (and so to its keys, which the synthesized `Codable` needs) does not compile until it is
// read here too.

extension DeliveryRequest {
    init(reading reader: inout JSONReader) throws(JSONReadError) {
        var deliveryId: String?, subscriptionId: String?, channel: DeliveryChannel?, storyId: String?, version: Int?
        var isUpdate: Bool?, isReplay: Bool?, item: ClassifiedItem?, match: MatchExplanation?, createdAt: Date?
        var attempts: [DeliveryAttempt]?, notBefore: Date?
        var seen: UInt64 = 0
        try reader.beginObject()
        while let key = try reader.nextKey() {
            switch try key.named(in: CodingKeys.self, seen: &seen) {
            case .deliveryId?: deliveryId = try reader.readString()
            case .subscriptionId?: subscriptionId = try reader.readString()
            case .channel?: channel = try reader.readEnum(DeliveryChannel.self)
            case .storyId?: storyId = try reader.readString()
            case .version?: version = try reader.readInt()
            case .isUpdate?: isUpdate = try reader.readBool()
            case .isReplay?: isReplay = try reader.readBool()
            case .item?: item = try ClassifiedItem(reading: &reader)
            case .match?: match = try MatchExplanation(reading: &reader)
            case .createdAt?: createdAt = try reader.readDate()
            case .attempts?: attempts = try reader.readArray { reader throws(JSONReadError) in try DeliveryAttempt(reading: &reader) }
            case .notBefore?: notBefore = reader.readNull() ? nil : try reader.readDate()
            case nil: try reader.skipValue()
            }
        }
        guard let deliveryId else { throw reader.missing(CodingKeys.deliveryId) }
        guard let subscriptionId else { throw reader.missing(CodingKeys.subscriptionId) }
        guard let channel else { throw reader.missing(CodingKeys.channel) }
        guard let storyId else { throw reader.missing(CodingKeys.storyId) }
        guard let version else { throw reader.missing(CodingKeys.version) }
        guard let isUpdate else { throw reader.missing(CodingKeys.isUpdate) }
        guard let isReplay else { throw reader.missing(CodingKeys.isReplay) }
        guard let item else { throw reader.missing(CodingKeys.item) }
        guard let match else { throw reader.missing(CodingKeys.match) }
        guard let createdAt else { throw reader.missing(CodingKeys.createdAt) }
        guard let attempts else { throw reader.missing(CodingKeys.attempts) }
        self.init(
            deliveryId: deliveryId, subscriptionId: subscriptionId, channel: channel, storyId: storyId, version: version,
            isUpdate: isUpdate, isReplay: isReplay, item: item, match: match, createdAt: createdAt, attempts: attempts, notBefore: notBefore)
    }
}

extension DeliveryAttempt {
    init(reading reader: inout JSONReader) throws(JSONReadError) {
        var attempt: Int?, at: Date?, outcome: DeliveryOutcome?, statusCode: Int?, error: String?, latencyMs: Double?
        var seen: UInt64 = 0
        try reader.beginObject()
        while let key = try reader.nextKey() {
            switch try key.named(in: CodingKeys.self, seen: &seen) {
            case .attempt?: attempt = try reader.readInt()
            case .at?: at = try reader.readDate()
            case .outcome?: outcome = try reader.readEnum(DeliveryOutcome.self)
            case .statusCode?: statusCode = reader.readNull() ? nil : try reader.readInt()
            case .error?: error = reader.readNull() ? nil : try reader.readString()
            case .latencyMs?: latencyMs = reader.readNull() ? nil : try reader.readDouble()
            case nil: try reader.skipValue()
            }
        }
        guard let attempt else { throw reader.missing(CodingKeys.attempt) }
        guard let at else { throw reader.missing(CodingKeys.at) }
        guard let outcome else { throw reader.missing(CodingKeys.outcome) }
        self.init(attempt: attempt, at: at, outcome: outcome, statusCode: statusCode, error: error, latencyMs: latencyMs)
    }
}

extension MatchExplanation {
    init(reading reader: inout JSONReader) throws(JSONReadError) {
        var filter: String?, matchedTerms: [String]?
        var seen: UInt64 = 0
        try reader.beginObject()
        while let key = try reader.nextKey() {
            switch try key.named(in: CodingKeys.self, seen: &seen) {
            case .filter?: filter = try reader.readString()
            case .matchedTerms?: matchedTerms = try reader.readStrings()
            case nil: try reader.skipValue()
            }
        }
        guard let filter else { throw reader.missing(CodingKeys.filter) }
        guard let matchedTerms else { throw reader.missing(CodingKeys.matchedTerms) }
        self.init(filter: filter, matchedTerms: matchedTerms)
    }
}

extension ClassifiedItem {
    /// The item's own members and its classification's, side by side in one object.
    init(reading reader: inout JSONReader) throws(JSONReadError) {
        var item: NewsItem?, classifiedAt: Date?
        var tags = Classification.Reading()
        var seen: UInt64 = 0, seenTags: UInt64 = 0
        try reader.beginObject()
        while let key = try reader.nextKey() {
            if let own = try key.named(in: CodingKeys.self, seen: &seen) {
                switch own {
                case .item: item = try NewsItem(reading: &reader)
                case .classifiedAt: classifiedAt = try reader.readDate()
                }
            } else if let tag = try key.named(in: Classification.CodingKeys.self, seen: &seenTags) {
                try tags.read(tag, from: &reader)
            } else {
                try reader.skipValue()
            }
        }
        guard let item else { throw reader.missing(CodingKeys.item) }
        let classification = try tags.finish(reader)
        guard let classifiedAt else { throw reader.missing(CodingKeys.classifiedAt) }
        self.init(item: item, classification: classification, classifiedAt: classifiedAt)
    }
}

extension Classification {
    /// The classification's members as they are read, in an object that has others too.
    struct Reading {
        var regions: [ScoredLabel]?, topics: [ScoredLabel]?, countries: [String]?, places: [PlaceMatch]?
        var urgency: Urgency?, explanation: [ExplanationStep]?, classifierVersion: String?

        mutating func read(_ key: CodingKeys, from reader: inout JSONReader) throws(JSONReadError) {
            switch key {
            case .regions: regions = try reader.readArray { reader throws(JSONReadError) in try ScoredLabel(reading: &reader) }
            case .topics: topics = try reader.readArray { reader throws(JSONReadError) in try ScoredLabel(reading: &reader) }
            case .countries: countries = try reader.readStrings()
            case .places: places = try reader.readArray { reader throws(JSONReadError) in try PlaceMatch(reading: &reader) }
            case .urgency: urgency = try reader.readEnum(Urgency.self)
            case .explanation: explanation = try reader.readArray { reader throws(JSONReadError) in try ExplanationStep(reading: &reader) }
            case .classifierVersion: classifierVersion = try reader.readString()
            }
        }

        /// The classification, once the object is read.
        func finish(_ reader: JSONReader) throws(JSONReadError) -> Classification {
            guard let regions else { throw reader.missing(CodingKeys.regions) }
            guard let topics else { throw reader.missing(CodingKeys.topics) }
            guard let countries else { throw reader.missing(CodingKeys.countries) }
            guard let places else { throw reader.missing(CodingKeys.places) }
            guard let urgency else { throw reader.missing(CodingKeys.urgency) }
            guard let explanation else { throw reader.missing(CodingKeys.explanation) }
            guard let classifierVersion else { throw reader.missing(CodingKeys.classifierVersion) }
            return Classification(
                regions: regions, topics: topics, countries: countries, places: places, urgency: urgency, explanation: explanation,
                classifierVersion: classifierVersion)
        }
    }
}

extension NewsItem {
    init(reading reader: inout JSONReader) throws(JSONReadError) {
        var itemId: String?, sourceId: String?, sourceKind: SourceKind?, guid: String?, title: String?, summary: String?
        var url: String?, publishedAt: Date?, updatedAt: Date?, fetchedAt: Date?, language: String?
        var authors: [String]?, categories: [String]?, imageUrl: String?, storyId: String?, version: Int?, hints: Hints?
        var seen: UInt64 = 0
        try reader.beginObject()
        while let key = try reader.nextKey() {
            switch try key.named(in: CodingKeys.self, seen: &seen) {
            case .itemId?: itemId = try reader.readString()
            case .sourceId?: sourceId = try reader.readString()
            case .sourceKind?: sourceKind = try reader.readEnum(SourceKind.self)
            case .guid?: guid = try reader.readString()
            case .title?: title = try reader.readString()
            case .summary?: summary = try reader.readString()
            case .url?: url = reader.readNull() ? nil : try reader.readString()
            case .publishedAt?: publishedAt = reader.readNull() ? nil : try reader.readDate()
            case .updatedAt?: updatedAt = reader.readNull() ? nil : try reader.readDate()
            case .fetchedAt?: fetchedAt = try reader.readDate()
            case .language?: language = reader.readNull() ? nil : try reader.readString()
            case .authors?: authors = try reader.readStrings()
            case .categories?: categories = try reader.readStrings()
            case .imageUrl?: imageUrl = reader.readNull() ? nil : try reader.readString()
            case .storyId?: storyId = try reader.readString()
            case .version?: version = try reader.readInt()
            case .hints?: hints = reader.readNull() ? nil : try Hints(reading: &reader)
            case nil: try reader.skipValue()
            }
        }
        guard let itemId else { throw reader.missing(CodingKeys.itemId) }
        guard let sourceId else { throw reader.missing(CodingKeys.sourceId) }
        guard let sourceKind else { throw reader.missing(CodingKeys.sourceKind) }
        guard let guid else { throw reader.missing(CodingKeys.guid) }
        guard let title else { throw reader.missing(CodingKeys.title) }
        guard let summary else { throw reader.missing(CodingKeys.summary) }
        guard let fetchedAt else { throw reader.missing(CodingKeys.fetchedAt) }
        guard let authors else { throw reader.missing(CodingKeys.authors) }
        guard let categories else { throw reader.missing(CodingKeys.categories) }
        guard let storyId else { throw reader.missing(CodingKeys.storyId) }
        guard let version else { throw reader.missing(CodingKeys.version) }
        self.init(
            itemId: itemId, sourceId: sourceId, sourceKind: sourceKind, guid: guid, title: title, summary: summary, url: url,
            publishedAt: publishedAt, updatedAt: updatedAt, fetchedAt: fetchedAt, language: language, authors: authors,
            categories: categories, imageUrl: imageUrl, storyId: storyId, version: version, hints: hints)
    }
}

extension NewsItem.Hints {
    init(reading reader: inout JSONReader) throws(JSONReadError) {
        var region: String?, topic: String?
        var seen: UInt64 = 0
        try reader.beginObject()
        while let key = try reader.nextKey() {
            switch try key.named(in: CodingKeys.self, seen: &seen) {
            case .region?: region = reader.readNull() ? nil : try reader.readString()
            case .topic?: topic = reader.readNull() ? nil : try reader.readString()
            case nil: try reader.skipValue()
            }
        }
        self.init(region: region, topic: topic)
    }
}

extension ScoredLabel {
    init(reading reader: inout JSONReader) throws(JSONReadError) {
        var label: String?, score: Double?
        var seen: UInt64 = 0
        try reader.beginObject()
        while let key = try reader.nextKey() {
            switch try key.named(in: CodingKeys.self, seen: &seen) {
            case .label?: label = try reader.readString()
            case .score?: score = try reader.readDouble()
            case nil: try reader.skipValue()
            }
        }
        guard let label else { throw reader.missing(CodingKeys.label) }
        guard let score else { throw reader.missing(CodingKeys.score) }
        self.init(label: label, score: score)
    }
}

extension PlaceMatch {
    init(reading reader: inout JSONReader) throws(JSONReadError) {
        var name: String?, countryCode: String?, matchedText: String?, field: Field?
        var seen: UInt64 = 0
        try reader.beginObject()
        while let key = try reader.nextKey() {
            switch try key.named(in: CodingKeys.self, seen: &seen) {
            case .name?: name = try reader.readString()
            case .countryCode?: countryCode = reader.readNull() ? nil : try reader.readString()
            case .matchedText?: matchedText = try reader.readString()
            case .field?: field = try reader.readEnum(Field.self)
            case nil: try reader.skipValue()
            }
        }
        guard let name else { throw reader.missing(CodingKeys.name) }
        guard let matchedText else { throw reader.missing(CodingKeys.matchedText) }
        guard let field else { throw reader.missing(CodingKeys.field) }
        self.init(name: name, countryCode: countryCode, matchedText: matchedText, field: field)
    }
}

extension ExplanationStep {
    init(reading reader: inout JSONReader) throws(JSONReadError) {
        var kind: Kind?, tag: String?, phrase: String?, field: Field?, rule: String?
        var seen: UInt64 = 0
        try reader.beginObject()
        while let key = try reader.nextKey() {
            switch try key.named(in: CodingKeys.self, seen: &seen) {
            case .kind?: kind = try reader.readEnum(Kind.self)
            case .tag?: tag = try reader.readString()
            case .phrase?: phrase = try reader.readString()
            case .field?: field = try reader.readEnum(Field.self)
            case .rule?: rule = try reader.readString()
            case nil: try reader.skipValue()
            }
        }
        guard let kind else { throw reader.missing(CodingKeys.kind) }
        guard let tag else { throw reader.missing(CodingKeys.tag) }
        guard let phrase else { throw reader.missing(CodingKeys.phrase) }
        guard let field else { throw reader.missing(CodingKeys.field) }
        guard let rule else { throw reader.missing(CodingKeys.rule) }
        self.init(kind: kind, tag: tag, phrase: phrase, field: field, rule: rule)
    }
}
