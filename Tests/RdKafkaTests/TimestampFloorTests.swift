@testable import RdKafka
import Testing

@Suite struct TimestampFloorTests {
    let partition = KafkaTopicPartition(topic: "news.raw", partition: 0)
    let other = KafkaTopicPartition(topic: "news.raw", partition: 1)

    @Test func withoutFloorEverythingPasses() {
        var floor = TimestampFloor()
        #expect(floor.isEmpty)
        do { let admitted = floor.admits(partition, timestampMilliseconds: 1); #expect(admitted) }
        do { let admitted = floor.admits(partition, timestampMilliseconds: nil); #expect(admitted) }
    }

    @Test func skipsOlderRecordsUntilTheFirstAtOrAfterTheFloor() {
        var floor = TimestampFloor()
        floor.set(partition, milliseconds: 1_000)
        do { let admitted = floor.admits(partition, timestampMilliseconds: 10); #expect(!admitted) }
        do { let admitted = floor.admits(partition, timestampMilliseconds: 999); #expect(!admitted) }
        do { let admitted = floor.admits(partition, timestampMilliseconds: nil); #expect(!admitted) }
        do { let admitted = floor.admits(partition, timestampMilliseconds: 1_000); #expect(admitted) }
        // lifted: later records pass even with older (out-of-order) timestamps, as in Kafka
        do { let admitted = floor.admits(partition, timestampMilliseconds: 5); #expect(admitted) }
        #expect(floor.isEmpty)
    }

    @Test func floorsArePerPartitionAndCanBeCleared() {
        var floor = TimestampFloor()
        floor.set(partition, milliseconds: 1_000)
        floor.set(other, milliseconds: 2_000)
        do { let admitted = floor.admits(other, timestampMilliseconds: 2_000); #expect(admitted) }
        do { let admitted = floor.admits(partition, timestampMilliseconds: 500); #expect(!admitted) }
        floor.clear([partition])
        do { let admitted = floor.admits(partition, timestampMilliseconds: 500); #expect(admitted) }
    }
}
