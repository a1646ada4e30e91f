import Foundation
import NewsModel

/// The urgency cues, as data (`Resources/urgency.json`).
public struct UrgencyRules: Sendable, Hashable, Codable {
    public struct Cue: Sendable, Hashable, Codable {
        public var phrase: String
        public var level: Urgency
    }

    public static let format = "newsflash-urgency"

    public var version: String
    /// Written in capitals at the start of a title ("BREAKING:"), these make an item flash.
    public var markers: [String]
    /// Source kinds whose items are breaking by nature (`html-ticker`).
    public var breakingSourceKinds: [String]
    /// "at least N killed" with N at or above this makes an item flash.
    public var casualtyFlashThreshold: Int
    /// Words that, after a number, make it a casualty count ("12 killed", "dozens dead").
    public var casualtyWords: [String]
    public var cues: [Cue]

    public init(version: String, markers: [String], breakingSourceKinds: [String], casualtyFlashThreshold: Int, casualtyWords: [String], cues: [Cue]) {
        self.version = version
        self.markers = markers
        self.breakingSourceKinds = breakingSourceKinds
        self.casualtyFlashThreshold = casualtyFlashThreshold
        self.casualtyWords = casualtyWords
        self.cues = cues
    }

    public static func load(_ data: Data, source: String = "urgency rules") throws(ClassifierError) -> UrgencyRules {
        struct Header: Decodable { var format: String?; var formatVersion: Int? }
        do {
            let header = try JSONDecoder().decode(Header.self, from: data)
            guard header.format == format, header.formatVersion == 1 else {
                throw ClassifierError(.malformedUrgencyRules, "\(source): expected format '\(format)' version 1")
            }
            return try JSONDecoder().decode(UrgencyRules.self, from: data)
        } catch let error as ClassifierError {
            throw error
        } catch {
            throw ClassifierError(.malformedUrgencyRules, "\(source) cannot be read: \(error)")
        }
    }
}
