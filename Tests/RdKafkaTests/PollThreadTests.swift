import Foundation
@testable import RdKafka
import Testing

/// `join(within:)` bounds a consumer's close: a poll thread stuck in a call that waits on the
/// broker must not hold a stopping process.
@Suite struct PollThreadTests {
    @Test("join(within:) returns false at its limit while the loop runs, true once it has returned")
    func joinWithinALimit() async throws {
        let released = LockedBox(false)
        let thread = PollThread(name: "poll-thread-test") { _ in
            // A blocking call after the stop, as a commit into a partition, until the test ends it.
            while !released.withLock({ $0 }) { usleep(1_000) }
        }
        thread.requestStop()
        // Bounds only from below: under the full suite's load a task may wait long to be resumed.
        let clock = ContinuousClock()
        let start = clock.now
        #expect(await thread.join(within: .milliseconds(100)) == false)
        #expect(clock.now - start >= .milliseconds(100))
        released.withLock { $0 = true }
        #expect(await thread.join(within: .seconds(120)) == true)
        #expect(await thread.join(within: .zero) == true)  // finished: at once
    }

    @Test("join(within:) ends with the calling task's cancellation")
    func joinEndsWithCancellation() async throws {
        let thread = PollThread(name: "poll-thread-test") { thread in
            while !thread.isStopping { usleep(1_000) }
        }
        let waiting = Task { await thread.join(within: .seconds(30)) }
        try await Task.sleep(for: .milliseconds(50))
        waiting.cancel()
        #expect(await waiting.value == false)
        thread.requestStop()
        await thread.join()
    }
}
