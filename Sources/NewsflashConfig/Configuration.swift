import Foundation

/// The settings of one process, resolved from four places in this order of precedence: its
/// flags, the environment, the configuration file (one file, a section per stage), the defaults of
/// ``Setting/catalog``.
///
/// A value from any place is checked against its setting's kind when it is read, and the error
/// names where the bad value came from. ``problems(processes:)`` checks every value at once, and
/// the file for unknown sections and keys, for `newsflash config check`.
public struct Configuration: Sendable {
    /// Where a value came from.
    public enum Origin: Sendable, Hashable, CustomStringConvertible {
        case flag(String)
        case environment(String)
        case file(String)
        case `default`

        public var description: String {
            switch self {
            case .flag(let flag): return flag
            case .environment(let name): return "$\(name)"
            case .file(let path): return path
            case .default: return "default"
            }
        }
    }

    /// The processes and the sections they read.
    public static let processes: [(name: String, sections: [String])] = [
        ("ingest", ["kafka", "log", "metrics", "liveness", "ingest"]),
        ("classify", ["kafka", "log", "metrics", "liveness", "classify"]),
        ("match", ["kafka", "log", "metrics", "liveness", "store", "match"]),
        ("notify-webhook", ["kafka", "log", "metrics", "liveness", "store", "secrets", "notifyWebhook"]),
        ("notify-email", ["kafka", "log", "metrics", "liveness", "store", "secrets", "notifyEmail"]),
        ("api", ["kafka", "log", "store", "secrets", "api"]),
    ]

    /// The settings a process must be given (no default).
    static let required: [String: [String]] = ["ingest": ["ingest.sources"], "notify-email": ["notifyEmail.smtpURL", "notifyEmail.from"]]

    /// The file this was read from; nil when there is none.
    public let filePath: String?
    /// The file's sections as read.
    public let file: [String: [String: JSONValue]]
    public let environment: [String: String]
    /// Values given as flags, by setting key, as text (lists comma-joined).
    public var flags: [String: String]
    /// `--kafka-config key=value` flags.
    public var flagProperties: [String: String]
    /// Sections and keys of the file that no setting has, with a suggestion where one is near.
    public let unknownKeys: [String]

    /// - Parameters:
    ///   - fileBytes: the configuration file's contents, or nil when there is none.
    public init(
        filePath: String? = nil, fileBytes: [UInt8]? = nil, environment: [String: String] = [:], flags: [String: String] = [:],
        flagProperties: [String: String] = [:]
    ) throws(ConfigurationFileError) {
        self.filePath = fileBytes == nil ? nil : filePath
        self.environment = environment
        self.flags = flags
        self.flagProperties = flagProperties
        guard let fileBytes else {
            file = [:]
            unknownKeys = []
            return
        }
        let origin = filePath ?? "configuration"
        let root: JSONValue
        do {
            root = try JSONDecoder().decode(JSONValue.self, from: Data(fileBytes))
        } catch {
            throw ConfigurationFileError("\(origin): not JSON (\(Self.describe(error)))")
        }
        guard case .object(let sections) = root else { throw ConfigurationFileError("\(origin): must be a JSON object with a section per stage") }
        var file: [String: [String: JSONValue]] = [:]
        var unknown: [String] = []
        let known = Setting.sections
        for (section, value) in sections.sorted(by: { $0.key < $1.key }) {
            guard known.contains(section) else {
                unknown.append("unknown section \"\(section)\"" + Self.suggestion(section, among: known))
                continue
            }
            guard case .object(let entries) = value else { throw ConfigurationFileError("\(origin): section \"\(section)\" must be an object") }
            file[section] = entries
            let names = Setting.catalog.filter { $0.section == section }.map(\.name)
            for name in entries.keys.sorted() where !names.contains(name) {
                unknown.append("unknown setting \"\(section).\(name)\"" + Self.suggestion(name, among: names, prefix: "\(section)."))
            }
        }
        self.file = file
        unknownKeys = unknown
    }

    /// Reads the file at `path`. A missing file is an error when `required` (it was named by flag
    /// or environment); otherwise the process runs on the environment, flags and defaults.
    public static func load(
        path: String, required: Bool, environment: [String: String], flags: [String: String] = [:], flagProperties: [String: String] = [:]
    ) throws(ConfigurationFileError) -> Configuration {
        var bytes: [UInt8]?
        if let data = FileManager.default.contents(atPath: path) {
            bytes = Array(data)
        } else if required || FileManager.default.fileExists(atPath: path) {
            throw ConfigurationFileError("cannot read configuration file \(path)")
        }
        return try Configuration(filePath: path, fileBytes: bytes, environment: environment, flags: flags, flagProperties: flagProperties)
    }

    // MARK: Resolving

    /// The value of a setting as text and where it came from; nil when it has none anywhere.
    public func resolved(_ key: String) -> (text: String, origin: Origin)? {
        let setting = Self.setting(key)
        if let flag = flags[key] { return (flag, .flag(setting.flag ?? key)) }
        if let name = setting.environment, setting.kind != .kafkaProperties, let value = environment[name] { return (value, .environment(name)) }
        if let value = file[setting.section]?[setting.name], let filePath {
            return (value.text ?? "", .file(filePath))
        }
        return setting.defaultValue.map { ($0, .default) }
    }

    /// The setting's value, checked: a clear error naming where a bad value came from.
    public func string(_ key: String) throws(SettingError) -> String {
        guard let value = try optionalString(key) else { throw SettingError("\(key) is required: \(Self.whereToSet(Self.setting(key)))") }
        return value
    }

    /// The setting's value, checked, or nil when it has none.
    public func optionalString(_ key: String) throws(SettingError) -> String? {
        let setting = Self.setting(key)
        guard let (text, origin) = resolved(key) else { return nil }
        if case .file = origin, let value = file[setting.section]?[setting.name], value.text == nil {
            throw SettingError("\(key) in \(origin) must be \(Self.expected(setting.kind)), not \(value.kindName)")
        }
        if let problem = Self.check(text, setting.kind) { throw SettingError("\(key) from \(origin) \(problem), got '\(text)'") }
        return text
    }

    public func int(_ key: String) throws(SettingError) -> Int {
        let text = try string(key)
        guard let value = Int(text) else { throw SettingError("\(key) must be an integer, got '\(text)'") }
        return value
    }

    public func double(_ key: String) throws(SettingError) -> Double {
        let text = try string(key)
        guard let value = Double(text) else { throw SettingError("\(key) must be a number, got '\(text)'") }
        return value
    }

    public func bool(_ key: String) throws(SettingError) -> Bool {
        Self.boolean(try string(key)) ?? false
    }

    public func list(_ key: String) throws(SettingError) -> [String] {
        guard let text = try optionalString(key) else { return [] }
        return Self.split(text)
    }

    /// librdkafka properties: the file's `kafka.properties`, then `NEWSFLASH_KAFKA_<PROPERTY>`
    /// variables, then `--kafka-config` flags, each overriding the one before.
    public func kafkaProperties() throws(SettingError) -> [String: String] {
        var properties: [String: String] = [:]
        if let value = file["kafka"]?["properties"] {
            guard case .object(let entries) = value else { throw SettingError("kafka.properties in \(filePath ?? "") must be an object of librdkafka properties") }
            for (name, entry) in entries {
                guard let text = entry.text, !entry.isArray else {
                    throw SettingError("kafka.properties.\(name) in \(filePath ?? "") must be a string, number or boolean")
                }
                properties[name] = text
            }
        }
        for (name, value) in environment where name.hasPrefix(Self.kafkaPrefix) && name.count > Self.kafkaPrefix.count {
            properties[Self.kafkaProperty(fromVariable: name)] = value
        }
        properties.merge(flagProperties) { $1 }
        return properties
    }

    static let kafkaPrefix = "NEWSFLASH_KAFKA_"

    /// `NEWSFLASH_KAFKA_SASL_PASSWORD` is `sasl.password`.
    static func kafkaProperty(fromVariable name: String) -> String {
        name.dropFirst(kafkaPrefix.count).lowercased().replacingOccurrences(of: "_", with: ".")
    }

    /// A section of the file as it was written (the ingest section is decoded as a whole).
    public func section(_ name: String) -> [String: JSONValue]? { file[name] }

    // MARK: Checking

    /// Every problem of the settings `processes` read: unknown keys in the file, and values that do
    /// not fit their kind, wherever they came from.
    public func problems(processes: [String]) -> [String] {
        var problems = unknownKeys
        let sections = Self.sections(read: processes)
        for setting in Setting.catalog where sections.contains(setting.section) {
            switch setting.kind {
            case .kafkaProperties:
                do { _ = try kafkaProperties() } catch { problems.append(error.message) }
            case .ingest:
                continue
            default:
                do { _ = try optionalString(setting.key) } catch { problems.append(error.message) }
            }
        }
        return problems
    }

    /// The settings `processes` require and are not given, each with where to give it.
    public func missing(processes: [String]) -> [String] {
        var missing: [String] = []
        for process in processes {
            for key in Self.required[process] ?? [] {
                let setting = Self.setting(key)
                let given = setting.kind == .ingest ? file[setting.section]?[setting.name] != nil : resolved(key) != nil
                if !given { missing.append("\(key) is required by run \(process): \(Self.whereToSet(setting))") }
            }
        }
        return missing
    }

    /// One row per setting `processes` read: key, value as printable (secrets redacted), origin.
    public func report(processes: [String]) -> [(key: String, value: String, origin: Origin?)] {
        let sections = Self.sections(read: processes)
        var rows: [(key: String, value: String, origin: Origin?)] = []
        for setting in Setting.catalog where sections.contains(setting.section) {
            switch setting.kind {
            case .kafkaProperties:
                let properties = (try? kafkaProperties()) ?? [:]
                if properties.isEmpty { rows.append((setting.key, "(none)", nil)) }
                for (name, value) in properties.sorted(by: { $0.key < $1.key }) {
                    let origin: Origin =
                        flagProperties[name] != nil ? .flag("--kafka-config")
                        : environment.keys.first { $0.hasPrefix(Self.kafkaPrefix) && Self.kafkaProperty(fromVariable: $0) == name }.map { .environment($0) }
                        ?? .file(filePath ?? "")
                    rows.append(("\(setting.key).\(name)", Self.redactedProperty(name, value), origin))
                }
            case .ingest:
                guard let value = file[setting.section]?[setting.name] else {
                    rows.append((setting.key, setting.defaultValue ?? "(none)", setting.defaultValue == nil ? nil : .default))
                    continue
                }
                if setting.name == "sources", case .array(let sources) = value {
                    let ids = sources.compactMap { source -> String? in if case .object(let fields) = source { return fields["id"]?.text } else { return nil } }
                    rows.append((setting.key, "\(sources.count): \(ids.joined(separator: ", "))", .file(filePath ?? "")))
                } else {
                    rows.append((setting.key, value.text ?? value.kindName, .file(filePath ?? "")))
                }
            default:
                if let (text, origin) = resolved(setting.key) {
                    let shown = switch setting.secrecy {
                    case .urlPassword: Self.redactedURL(text)
                    case .whole: "<redacted>"
                    case .none, .propertyValues: text
                    }
                    rows.append((setting.key, shown, origin))
                } else {
                    rows.append((setting.key, "(none)", nil))
                }
            }
        }
        return rows
    }

    // MARK: Helpers

    /// The file sections `processes` read.
    static func sections(read processes: [String]) -> Set<String> {
        Set(Self.processes.filter { processes.contains($0.name) }.flatMap(\.sections))
    }

    static func setting(_ key: String) -> Setting {
        guard let setting = Setting.named(key) else { preconditionFailure("no setting \(key) in Setting.catalog") }
        return setting
    }

    static func whereToSet(_ setting: Setting) -> String {
        var places = ["\"\(setting.name)\" in the file's \"\(setting.section)\" section"]
        if let variable = setting.environment { places.append("$\(variable)") }
        if let flag = setting.flag { places.append(flag) }
        return "give " + places.joined(separator: ", or ")
    }

    /// Why `text` does not fit `kind`, or nil when it does.
    static func check(_ text: String, _ kind: Setting.Kind) -> String? {
        switch kind {
        case .text:
            return text.trimmingCharacters(in: .whitespaces).isEmpty ? "must not be empty" : nil
        case .integer(let range):
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
                return "must be an integer from \(range.lowerBound) to \(range.upperBound)"
            }
            return nil
        case .number(let above, let atMost):
            guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite, value > above, value <= (atMost ?? .infinity) else {
                return "must be a number above \(Self.format(above))" + (atMost.map { " and at most \(Self.format($0))" } ?? "")
            }
            return nil
        case .boolean:
            return boolean(text) == nil ? "must be true or false" : nil
        case .choice(let choices):
            return choices.contains(text) ? nil : "must be one of \(choices.joined(separator: ", "))"
        case .list:
            return split(text).isEmpty && !text.isEmpty ? "must be a comma-separated list" : nil
        case .kafkaProperties, .ingest:
            return nil
        }
    }

    static func expected(_ kind: Setting.Kind) -> String {
        switch kind {
        case .integer: return "an integer"
        case .number: return "a number"
        case .boolean: return "true or false"
        case .list: return "an array of strings or a comma-separated string"
        default: return "a string"
        }
    }

    static func boolean(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: return nil
        }
    }

    static func split(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    /// `scheme://user:<redacted>@host…`: the password of a URL, and nothing else, hidden.
    public static func redactedURL(_ text: String) -> String {
        guard let schemeEnd = text.range(of: "://"), let at = text[schemeEnd.upperBound...].firstIndex(of: "@") else { return text }
        let userInfo = text[schemeEnd.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":<redacted>" + String(text[at...])
    }

    /// librdkafka properties that hold secrets print as `<redacted>`.
    static func redactedProperty(_ name: String, _ value: String) -> String {
        let secretWords = ["password", "secret", "key", "jaas", "oauthbearer.config", "token"]
        return secretWords.contains { name.lowercased().contains($0) } ? "<redacted>" : value
    }

    static func suggestion(_ name: String, among names: [String], prefix: String = "") -> String {
        let near = names.map { ($0, distance($0.lowercased(), name.lowercased())) }.filter { $0.1 <= 2 }.min { $0.1 < $1.1 }
        return near.map { "; did you mean \"\(prefix)\($0.0)\"?" } ?? ""
    }

    /// Levenshtein distance, for suggestions.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }

    static func describe(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            return (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String ?? context.debugDescription
        }
        return "\(error)"
    }
}

/// A configuration file that cannot be read at all.
public struct ConfigurationFileError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A setting whose value does not fit, naming where the value came from.
public struct SettingError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
