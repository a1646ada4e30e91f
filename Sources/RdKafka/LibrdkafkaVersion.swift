internal import CRdKafka

/// A librdkafka version, as `rd_kafka_version()` encodes it (0xMMmmrrxx).
public struct LibrdkafkaVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var major, minor, revision: Int

    public init(major: Int, minor: Int, revision: Int) {
        self.major = major
        self.minor = minor
        self.revision = revision
    }

    /// Decodes librdkafka's integer form, e.g. `0x020002ff` is 2.0.2.
    public init(encoded: Int32) {
        let value = UInt32(bitPattern: encoded)
        self.init(major: Int((value >> 24) & 0xff), minor: Int((value >> 16) & 0xff), revision: Int((value >> 8) & 0xff))
    }

    /// The librdkafka headers this was built against.
    public static var builtAgainst: LibrdkafkaVersion { LibrdkafkaVersion(encoded: RD_KAFKA_VERSION) }

    /// The librdkafka loaded at run time (which may differ from the headers built against).
    public static var runtime: LibrdkafkaVersion { LibrdkafkaVersion(encoded: rd_kafka_version()) }

    /// The version string librdkafka reports about itself, e.g. "2.16.0".
    public static var runtimeString: String { String(cString: rd_kafka_version_str()) }

    /// The oldest librdkafka that reads the ApiVersions reply of brokers using
    /// flexible versions correctly (Tansu among them): 2.0.2 fails there with
    /// "ApiVersionRequest failed: Local: Read underflow".
    public static let minimumForFlexibleApiVersions = LibrdkafkaVersion(major: 2, minor: 2, revision: 0)

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.major, lhs.minor, lhs.revision) < (rhs.major, rhs.minor, rhs.revision)
    }

    public var description: String { "\(major).\(minor).\(revision)" }

    /// What to tell an operator whose librdkafka is too old for the broker.
    public static func upgradeAdvice(runtime: LibrdkafkaVersion) -> String {
        "librdkafka \(runtime) is loaded, which cannot read this broker's ApiVersions reply "
            + "(fixed in \(minimumForFlexibleApiVersions)); load librdkafka >= \(minimumForFlexibleApiVersions) "
            + "with the same soname first: `Deploy/local-broker.sh install` links one into .local/lib and "
            + "`eval \"$(Deploy/local-broker.sh env)\"` puts it on LD_LIBRARY_PATH (README: librdkafka at run time)"
    }
}
