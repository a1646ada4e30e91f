import Testing
@testable import RdKafka

/// The partitions a group member owns, read from the consumer protocol's assignment bytes
/// (`groups describe` shows them; the local Tansu broker sends no assignment, Apache Kafka does).
struct GroupAssignmentTests {
    static func string(_ text: String) -> [UInt8] { [0, UInt8(text.utf8.count)] + Array(text.utf8) }

    @Test func aConsumerProtocolAssignmentGivesItsPartitionsSorted() {
        let bytes: [UInt8] = [0, 1]  // version 1
            + [0, 0, 0, 2]  // two topics
            + Self.string("news.raw") + [0, 0, 0, 2] + [0, 0, 0, 3] + [0, 0, 0, 0]
            + Self.string("alerts.dlq") + [0, 0, 0, 1] + [0, 0, 1, 0]
            + [0xFF, 0xFF, 0xFF, 0xFF]  // no user data
        #expect(KafkaGroupDescription.Member.consumerAssignment(bytes) == [
            KafkaTopicPartition(topic: "alerts.dlq", partition: 256),
            KafkaTopicPartition(topic: "news.raw", partition: 0),
            KafkaTopicPartition(topic: "news.raw", partition: 3),
        ])
    }

    @Test(arguments: [
        [UInt8](),  // nothing
        [0, 0, 0, 0, 0, 1, 0, 9, 0x6E],  // a topic name longer than the bytes
        [0, 0, 0, 0, 0, 1, 0, 1, 0x6E, 0, 0, 0, 2, 0, 0, 0, 1],  // two partitions announced, one there
        [0, 0, 0xFF, 0xFF, 0xFF, 0xFF],  // a negative topic count
    ])
    func truncatedOrBrokenBytesGiveNoAssignment(_ bytes: [UInt8]) {
        #expect(KafkaGroupDescription.Member.consumerAssignment(bytes) == nil)
    }
}
