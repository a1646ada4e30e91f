import Foundation
import NewsModel
import Testing
import TestSupport

/// Every property a schema defines is one the Swift type writes, and the reverse: the
/// fully populated samples fill every schema property (so the validator sees them all)
/// and write nothing the schema does not define. Needs no Python.
@Suite struct SchemaCoverageTests {
    @Test(arguments: SampleEvents.all)
    func theSampleFillsEverySchemaPropertyAndNoOther(_ event: any NewsEvent) throws {
        let schemaName = type(of: event).schemaName
        let schemaURL = URL(fileURLWithPath: Repository.schemas).appendingPathComponent("\(schemaName).schema.json")
        let schema = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: schemaURL)) as? [String: Any])
        let defs = schema["$defs"] as? [String: Any] ?? [:]
        let written = try #require(try JSONSerialization.jsonObject(with: Data(encode(event))) as? [String: Any])

        let defined = propertyPaths(ofSchema: schema, defs: defs, prefix: "")
        let present = propertyPaths(ofValue: written, prefix: "")
        #expect(defined.subtracting(present).sorted() == [], "schema properties the \(schemaName) sample leaves out")
        #expect(present.subtracting(defined).sorted() == [], "fields the \(schemaName) sample writes that the schema lacks")
    }

    private func encode(_ event: any NewsEvent) throws -> [UInt8] {
        func open<Event: NewsEvent>(_ event: Event) throws -> [UInt8] {
            try EventCodec.encode(event, occurredAt: SampleEvents.fetchedAt)
        }
        return try open(event)
    }

    /// `a.b`, `a.list[].c`: every property the schema allows, following local `$ref`s.
    private func propertyPaths(ofSchema schema: [String: Any], defs: [String: Any], prefix: String) -> Set<String> {
        var schema = schema
        if let ref = schema["$ref"] as? String, let target = defs[String(ref.dropFirst("#/$defs/".count))] as? [String: Any] {
            schema = target
        }
        var paths = Set<String>()
        for (name, subschema) in schema["properties"] as? [String: Any] ?? [:] {
            let path = prefix.isEmpty ? name : "\(prefix).\(name)"
            paths.insert(path)
            if let subschema = subschema as? [String: Any] {
                paths.formUnion(propertyPaths(ofSchema: subschema, defs: defs, prefix: path))
            }
        }
        if let items = schema["items"] as? [String: Any] {
            paths.formUnion(propertyPaths(ofSchema: items, defs: defs, prefix: prefix + "[]"))
        }
        return paths
    }

    /// The same paths for a decoded JSON value (a property counts when any element of a list has it).
    private func propertyPaths(ofValue value: Any, prefix: String) -> Set<String> {
        var paths = Set<String>()
        if let object = value as? [String: Any] {
            for (name, member) in object {
                let path = prefix.isEmpty ? name : "\(prefix).\(name)"
                paths.insert(path)
                paths.formUnion(propertyPaths(ofValue: member, prefix: path))
            }
        } else if let list = value as? [Any] {
            for element in list { paths.formUnion(propertyPaths(ofValue: element, prefix: prefix + "[]")) }
        }
        return paths
    }
}
