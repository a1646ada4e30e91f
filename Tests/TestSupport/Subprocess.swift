import Foundation
import Synchronization

/// Runs a program to completion, with a time limit, capturing its output.
public enum Subprocess {
    public struct Result: Sendable {
        /// The exit status, or the signal's number when ``crashed`` or killed.
        public var status: Int32
        public var stdout: String
        public var stderr: String
        /// The signal that ended the process, when one did (none: it exited).
        public var signal: Int32? = nil

        /// Ended by a signal that means a crash (a trap, a bad access, an abort), not a stop.
        public var crashed: Bool { signal.map { [SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV].contains($0) } ?? false }
    }

    public static func run(
        _ executable: URL, _ arguments: [String], environment: [String: String]? = nil, stdin: String? = nil,
        timeout: TimeInterval = 60
    ) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let killer = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
        // Read both pipes concurrently so neither fills up and blocks the child.
        let errData = LockedData()
        let errReader = DispatchQueue.global()
        let group = DispatchGroup()
        group.enter()
        errReader.async {
            errData.set(readToEnd(err.fileHandleForReading))
            group.leave()
        }
        let outData = readToEnd(out.fileHandleForReading)
        group.wait()
        process.waitUntilExit()
        killer.cancel()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData.get(), as: UTF8.self),
            signal: process.terminationReason == .uncaughtSignal ? process.terminationStatus : nil)
    }
}

extension Subprocess {
    /// Everything `handle` yields until end of file. Foundation's `readDataToEndOfFile()` traps
    /// (`try!`) on EINTR, and a signal that lands on the reading thread crashed the whole test
    /// process that way once in CI (FileHandle.swift:699, "Interrupted system call"); this retries.
    public static func readToEnd(_ handle: FileHandle) -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(handle.fileDescriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                data.append(contentsOf: buffer[0..<count])
            } else if count < 0, errno == EINTR {
                continue
            } else {
                return data
            }
        }
    }

    /// ``run(_:_:environment:stdin:timeout:)`` on a Dispatch thread: an async test that waits for
    /// a process must not hold one of the cooperative pool's threads (two on two cores) meanwhile,
    /// or every other test in the process stalls with it.
    public static func run(
        _ executable: URL, _ arguments: [String], environment: [String: String]? = nil, stdin: String? = nil,
        timeout: TimeInterval = 60
    ) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Swift.Result { try run(executable, arguments, environment: environment, stdin: stdin, timeout: timeout) as Result })
            }
        }
    }
}

private final class LockedData: Sendable {
    private let data = Mutex(Data())
    func set(_ value: Data) { data.withLock { $0 = value } }
    func get() -> Data { data.withLock { $0 } }
}

/// Where the repository and its tools are, for tests.
public enum Repository {
    /// The repository root (this file is Tests/TestSupport/Subprocess.swift).
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static let environment = ProcessInfo.processInfo.environment
    public static let isCI = environment["CI"] == "true"

    /// The Python with the project's tools: $NEWSFLASH_PYTHON, else .venv/bin/python.
    public static var python: URL? {
        let path = environment["NEWSFLASH_PYTHON"] ?? root.appendingPathComponent(".venv/bin/python").path
        return FileManager.default.isExecutableFile(atPath: path) ? URL(fileURLWithPath: path) : nil
    }

    /// Tests that need the Python tools run where they are installed, and always in CI
    /// (where a missing tool is a failure, not a skip).
    public static var hasPython: Bool { python != nil || isCI }

    public static func script(_ relative: String) -> String {
        root.appendingPathComponent(relative).path
    }

    public static var schemas: String { script("Schemas/events") }
}
