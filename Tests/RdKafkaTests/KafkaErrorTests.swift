import CRdKafka
@testable import RdKafka
import Testing

@Suite struct KafkaErrorTests {
    @Test func codesHaveLibrdkafkaNames() {
        #expect(KafkaError.Code.queueFull.description == "_QUEUE_FULL")
        #expect(KafkaError.Code.unknownTopicOrPartition.description == "UNKNOWN_TOPIC_OR_PART")
        #expect(KafkaError.Code.incompatibleLibrary.description == "INCOMPATIBLE_LIBRDKAFKA")
    }

    @Test func transientErrorsAreRetriable() {
        #expect(KafkaError(RD_KAFKA_RESP_ERR__TRANSPORT, operation: "x").isRetriable)
        #expect(KafkaError(RD_KAFKA_RESP_ERR__QUEUE_FULL, operation: "x").isRetriable)
        #expect(!KafkaError(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, operation: "x").isRetriable)
        #expect(KafkaError(RD_KAFKA_RESP_ERR__FATAL, operation: "x").isFatal)
    }

    @Test func descriptionSaysWhatFailedAndWhy() {
        let error = KafkaError(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, operation: "produce to news.raw")
        #expect(error.description.hasPrefix("produce to news.raw failed: "))
        #expect(error.description.contains("[_MSG_TIMED_OUT]"))
        #expect(error.description.hasSuffix("(retriable)"))
    }
}

@Suite struct LibrdkafkaVersionTests {
    @Test func decodesTheIntegerForm() {
        #expect(LibrdkafkaVersion(encoded: 0x0200_02ff) == LibrdkafkaVersion(major: 2, minor: 0, revision: 2))
        #expect(LibrdkafkaVersion(encoded: 0x0210_00ff).description == "2.16.0")
    }

    @Test func debiansLibrdkafkaIsTooOldForFlexibleApiVersions() {
        #expect(LibrdkafkaVersion(major: 2, minor: 0, revision: 2) < .minimumForFlexibleApiVersions)
        #expect(!(LibrdkafkaVersion(major: 2, minor: 16, revision: 0) < .minimumForFlexibleApiVersions))
        #expect(LibrdkafkaVersion(major: 1, minor: 9, revision: 9) < LibrdkafkaVersion(major: 2, minor: 0, revision: 0))
    }

    @Test func adviceNamesTheFix() {
        let advice = LibrdkafkaVersion.upgradeAdvice(runtime: LibrdkafkaVersion(major: 2, minor: 0, revision: 2))
        #expect(advice.contains("2.0.2"))
        #expect(advice.contains("Deploy/local-broker.sh install"))
        #expect(advice.contains("LD_LIBRARY_PATH"))
    }

    @Test func runtimeVersionIsReported() {
        #expect(LibrdkafkaVersion.runtime.major >= 2)
        #expect(LibrdkafkaVersion.runtimeString.hasPrefix("\(LibrdkafkaVersion.runtime.major)."))
    }
}
