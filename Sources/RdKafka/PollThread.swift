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
        var nextWaiter: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Bool, Never>] = [:]
    }

    private let state = Mutex(State())

    init(name: String, body: @escaping @Sendable (PollThread) -> Void) {
        let thread = Thread { [self] in
            body(self)
            let waiters = self.state.withLock { state in
                state.finished = true
                defer { state.waiters = [:] }
                return state.waiters.values
            }
            for waiter in waiters { waiter.resume(returning: true) }
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

    /// Waits until the loop body has returned (not even cancellation ends the wait: callers
    /// destroy the client the loop uses next).
    func join() async {
        _ = await wait(newWaiter(), cancellable: false)
    }

    /// Waits until the loop body has returned, for at most `limit` (and not past the task's
    /// cancellation): false when it is still running.
    func join(within limit: Duration) async -> Bool {
        let id = newWaiter()
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask { await withTaskCancellationHandler {
                await self.wait(id, cancellable: true)
            } onCancel: {
                self.state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(returning: false)
            } }
            group.addTask {
                try? await Task.sleep(for: limit)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first || state.withLock { $0.finished }
        }
    }

    private func newWaiter() -> UInt64 {
        state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
    }

    private func wait(_ id: UInt64, cancellable: Bool) async -> Bool {
        await withCheckedContinuation { continuation in
            let done: Bool? = state.withLock { state in
                if state.finished { return true }
                if cancellable, Task.isCancelled { return false }
                state.waiters[id] = continuation
                return nil
            }
            if let done { continuation.resume(returning: done) }
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

    /// Starts `body` on the queue and waits for it at most `limit`: true when it returned in
    /// time, false when the limit passed first (`body` goes on running, unawaited).
    static func run(within limit: Duration, _ body: @escaping @Sendable () -> Void) async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let once = LockedBox<CheckedContinuation<Bool, Never>?>(continuation)
            @Sendable func finish(_ inTime: Bool) {
                once.withLock { pending in
                    defer { pending = nil }
                    return pending
                }?.resume(returning: inTime)
            }
            queue.async {
                body()
                finish(true)
            }
            queue.asyncAfter(deadline: .now() + .milliseconds(limit.milliseconds)) { finish(false) }
        }
    }
}
