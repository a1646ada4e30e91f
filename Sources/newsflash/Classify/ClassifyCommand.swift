import ArgumentParser
import Classifier
import Foundation
import NewsModel

/// `newsflash classify`: the classifier from the command line.
///
/// - `newsflash classify "<text>" [--json]` tags one text and says why.
/// - `newsflash classify` with no text reads one text per line from standard input and prints one
///   JSON object per line, in the same order (the form evaluations use).
/// - `newsflash classify eval <labelled.jsonl>` and `newsflash classify train <labelled.jsonl> --output <model.json>`.
struct ClassifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Tag text with regions, topics, countries, places and urgency, with the reasons.",
        subcommands: [ClassifyTextCommand.self, ClassifyEvalCommand.self, ClassifyTrainCommand.self, ClassifyShadowCommand.self, ClassifyHintsCommand.self],
        defaultSubcommand: ClassifyTextCommand.self)
}

/// The default form of `newsflash classify`: one text from the argument, or many from standard input.
struct ClassifyTextCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "text",
        abstract: "Classify a text, or one text per line from standard input (the default).",
        discussion: """
            With a text argument, prints its tags (or one JSON object with --json). Without one, reads \
            standard input: one text per line in, one JSON object per line out, same order, an object \
            for every line (empty lines included).
            """)

    @Argument(help: "The text to classify (as an item title). Omit it to read one text per line from standard input.") var text: String?
    @Flag(help: "Print JSON instead of the readable form.") var json = false
    @Option(
        name: .customLong("category"),
        help: "A category the publisher gave the item (repeatable): one the taxonomy lists as a topic's or region's section (\"Sport\", \"Business\", \"Africa\") files it under that topic, or that region when it names no place.")
    var categories: [String] = []
    @Option(help: "The item's URL: a path section the taxonomy lists (https://example.com/sport/football/123, .../uk-news/...) does the same; a country-code domain (https://www.example.ie/...) places an item that names no place in that country's regions, after a section or hint.")
    var url: String?

    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: ClassifierOptions

    func run() async throws {
        try global.startLogging("newsflash.classify")
        let classifier = try options.makeClassifier()
        let sourceKind = options.sourceKind
        let categories = categories, url = url
        func classify(_ text: String) -> Classification {
            categories.isEmpty && url == nil
                ? classifier.classify(text: text, sourceKind: sourceKind)
                : classifier.classify(ClassificationInput(title: text, sourceKind: sourceKind, categories: categories, url: url))
        }
        if let text {
            let result = classify(text)
            print(json ? try ClassificationJSON.line(text: text, result) : ClassificationText.render(text: text, result))
            return
        }
        var output = ClassifyOutputBuffer()
        while let line = readLine(strippingNewline: true) {
            let text = line.hasSuffix("\r") ? String(line.dropLast()) : line
            let result = classify(text)
            output.write(try ClassificationJSON.line(text: text, result))
        }
        output.flush()
    }
}

/// Options shared by the classify commands: which taxonomy and topic model to use.
struct ClassifierOptions: ParsableArguments {
    @Option(help: "A taxonomy JSON file instead of the bundled one.") var taxonomy: String?
    @Option(help: "A topic model JSON file (from `classify train`) instead of the bundled one.") var model: String?

    @Option(help: "The kind of source the text came from: rss, atom, jsonfeed, html-ticker or push (ticker lines are breaking).")
    var sourceKind: ClassificationInput.SourceKind?

    func makeClassifier(withTopicModel: Bool = true) throws -> NewsClassifier {
        let resources = try ClassifierResources.bundled(
            taxonomyFile: taxonomy.map { URL(fileURLWithPath: $0) }, topicModelFile: model.map { URL(fileURLWithPath: $0) },
            withTopicModel: withTopicModel)
        return NewsClassifier(resources: resources)
    }
}

extension ClassificationInput.SourceKind: ExpressibleByArgument {}

/// Buffered standard output for the batch form (one write per few kilobytes, not per line).
struct ClassifyOutputBuffer {
    private var buffer = Data()

    mutating func write(_ line: String) {
        buffer.append(contentsOf: line.utf8)
        buffer.append(0x0A)
        if buffer.count >= 64 * 1024 { flush() }
    }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        FileHandle.standardOutput.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}
