import Pipeline
import RdKafka
import Testing

@Suite struct OffsetTrackerTests {
    let p0 = KafkaTopicPartition(topic: "news.raw", partition: 0)
    let p1 = KafkaTopicPartition(topic: "news.raw", partition: 1)

    @Test func inOrderCompletionStoresEachNextOffset() {
        var tracker = OffsetTracker()
        for offset in 0..<3 { tracker.start(p0, offset: Int64(offset)) }
        #expect(tracker.finish(p0, offset: 0) == 1)
        #expect(tracker.finish(p0, offset: 1) == 2)
        #expect(tracker.finish(p0, offset: 2) == 3)
        #expect(tracker.inFlightCount == 0)
    }

    @Test func aLaterMessageFinishingFirstStoresNothingUntilTheGapCloses() {
        var tracker = OffsetTracker()
        for offset in 10..<14 { tracker.start(p0, offset: Int64(offset)) }
        #expect(tracker.finish(p0, offset: 12) == nil)
        #expect(tracker.finish(p0, offset: 11) == nil)
        #expect(tracker.finish(p0, offset: 10) == 13)  // 13 is still in flight
        #expect(tracker.finish(p0, offset: 13) == 14)
    }

    @Test func partitionsAreIndependent() {
        var tracker = OffsetTracker()
        tracker.start(p0, offset: 5)
        tracker.start(p1, offset: 7)
        tracker.start(p0, offset: 6)
        #expect(tracker.finish(p1, offset: 7) == 8)
        #expect(tracker.finish(p0, offset: 6) == nil)
        #expect(tracker.finish(p0, offset: 5) == 7)
    }

    @Test func unknownOrRepeatedFinishesAreIgnored() {
        var tracker = OffsetTracker()
        tracker.start(p0, offset: 1)
        #expect(tracker.finish(p0, offset: 9) == nil)
        #expect(tracker.finish(p1, offset: 1) == nil)
        #expect(tracker.finish(p0, offset: 1) == 2)
        #expect(tracker.finish(p0, offset: 1) == nil)
    }
}
