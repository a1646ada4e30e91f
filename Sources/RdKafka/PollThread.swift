import Foundation
import Synchronization

/// A dedicated OS thread that runs one client's polling loop, so that
/// librdkafka's blocking polls never occupy Swift's cooperative thread pool.
///
/// The loop body receives the thread and returns when ``isStopping`` is set;
/// ``join()`` waits for that from async code.
final class PollThread: Sendable {
    private struct State {
        var stopping = false
        var finished = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    init(name: String, body: @escaping @Sendable (PollThread) -> Void) {
        let thread = Thread { [self] in
            body(self)
            let waiters = self.state.withLock { state in
                state.finished = true
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume() }
        }
        thread.name = name
        thread.start()
    }

    /// Whether the loop was asked to end.
    var isStopping: Bool { state.withLock { $0.stopping } }

    /// Asks the loop to end after its current iteration.
    func requestStop() {
        state.withLock { $0.stopping = true }
    }

    /// Waits until the loop body has returned.
    func join() async {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state in
                if state.finished { return true }
                state.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }
}

/// Runs a blocking librdkafka call (commit, seek, metadata, admin requests) on a
/// Dispatch queue outside Swift's cooperative pool and resumes with its result.
enum BlockingCall {
    private static let queue = DispatchQueue(label: "newsflash.kafka.blocking", attributes: .concurrent)

    static func run<T: Sendable>(_ body: @escaping @Sendable () throws(KafkaError) -> T) async throws(KafkaError) -> T {
        let result: Result<T, KafkaError> = await withCheckedContinuation { continuation in
            queue.async {
                do throws(KafkaError) {
                    continuation.resume(returning: .success(try body()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }
}
