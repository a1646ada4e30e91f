import Foundation

/// Everything a `NewsClassifier` is built from. Reading files happens here, once; the classifier
/// itself does no I/O.
public struct ClassifierResources: Sendable {
    public var gazetteer: Gazetteer
    public var taxonomy: Taxonomy
    public var urgencyRules: UrgencyRules
    /// Without a model, topics come from the lexicon alone.
    public var topicModel: TopicModel?

    public init(gazetteer: Gazetteer, taxonomy: Taxonomy, urgencyRules: UrgencyRules, topicModel: TopicModel?) {
        self.gazetteer = gazetteer
        self.taxonomy = taxonomy
        self.urgencyRules = urgencyRules
        self.topicModel = topicModel
    }

    /// The bundled defaults (`Resources/` of this module), optionally with another taxonomy or
    /// topic model file, or with no topic model (`withTopicModel: false`, as training starts).
    public static func bundled(
        taxonomyFile: URL? = nil, topicModelFile: URL? = nil, withTopicModel: Bool = true
    ) throws(ClassifierError) -> ClassifierResources {
        let gazetteerData = try read(bundledFile("gazetteer", "tsv"))
        let gazetteer = try GazetteerParser.parse(String(decoding: gazetteerData, as: UTF8.self))
        var taxonomyURL: URL
        if let taxonomyFile { taxonomyURL = taxonomyFile } else { taxonomyURL = try bundledFile("taxonomy", "json") }
        let taxonomy: Taxonomy
        do {
            taxonomy = try TaxonomyLoader.load(try read(taxonomyURL), source: taxonomyURL.path)
        } catch let error as TaxonomyError {
            throw ClassifierError(.resourceMissing, "taxonomy \(taxonomyURL.path) cannot be used: \(error.message)")
        } catch let error as ClassifierError {
            throw error
        } catch {
            throw ClassifierError(.resourceMissing, "taxonomy \(taxonomyURL.path): \(error)")
        }
        let urgencyURL = try bundledFile("urgency", "json")
        let urgencyRules = try UrgencyRules.load(try read(urgencyURL), source: urgencyURL.path)
        var model: TopicModel?
        if withTopicModel {
            var modelURL: URL
            if let topicModelFile { modelURL = topicModelFile } else { modelURL = try bundledFile("topic-model", "json") }
            model = try TopicModel.load(try read(modelURL), source: modelURL.path)
        }
        return ClassifierResources(gazetteer: gazetteer, taxonomy: taxonomy, urgencyRules: urgencyRules, topicModel: model)
    }

    /// The URL of a bundled resource file.
    public static func bundledFile(_ name: String, _ fileExtension: String) throws(ClassifierError) -> URL {
        if let url = Bundle.module.url(forResource: name, withExtension: fileExtension, subdirectory: "Resources")
            ?? Bundle.module.url(forResource: name, withExtension: fileExtension)
        {
            return url
        }
        throw ClassifierError(.resourceMissing, "the bundled resource \(name).\(fileExtension) is missing from \(Bundle.module.bundlePath); the Classifier target must declare resources: [.copy(\"Resources\")]")
    }

    static func read(_ url: URL) throws(ClassifierError) -> Data {
        do {
            return try Data(contentsOf: url)
        } catch {
            throw ClassifierError(.resourceMissing, "cannot read \(url.path): \(error.localizedDescription)")
        }
    }
}
