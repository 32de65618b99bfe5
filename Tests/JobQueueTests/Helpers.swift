import Foundation
import JobQueue
import Postgres
import Synchronization
import TestSupport

/// Runs `body(index)` on `count` threads of their own (blocking libpq calls stay off the
/// cooperative pool) and waits for all of them; rethrows the first error.
func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) throws -> Void) async throws {
    let errors = Locked<[any Error]>([])
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        let group = DispatchGroup()
        for index in 0..<count {
            group.enter()
            Thread {
                do { try body(index) } catch { errors.withLock { $0.append(error) } }
                group.leave()
            }.start()
        }
        group.notify(queue: .global()) { continuation.resume() }
    }
    if let error = errors.value.first { throw error }
}

/// Runs `body` on a thread of its own and returns its result.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    let result = Locked<Result<T, any Error>?>(nil)
    try await onThreads(1) { _ in result.withLock { $0 = Result { try body() } } }
    return try result.value!.get()
}

/// Starts `pool`, runs `body`, then stops the pool whether `body` threw or not (so no thread
/// outlives the test's schema).
func withStarted(_ pool: JobWorkerPool, _ body: (JobWorkerPool) async throws -> Void) async throws {
    pool.start()
    do {
        try await body(pool)
        await pool.stop()
    } catch {
        await pool.stop()
        throw error
    }
}

/// Polls `condition` every 20 ms for up to `seconds`; false if it never held.
func eventually(within seconds: Double = 20, _ condition: () throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try condition()
}

extension PostgresConnection {
    /// The first column of the first row as an Int (`count(*)` and the like).
    func int(_ sql: String, _ parameters: [any PostgresEncodable] = []) throws -> Int {
        try query(sql, parameters)[0].decode(0, as: Int.self)
    }

    /// One job row's state, attempts and run_at.
    func jobRow(_ id: Int64) throws -> (state: String, attempts: Int, runAt: Date, lastError: String?) {
        let row = try query("SELECT state, attempts, run_at, last_error FROM jobs WHERE id = $1", [id])[0]
        return (
            try row.decode(0, as: String.self), try row.decode(1, as: Int.self), try row.decode(2, as: Date.self),
            try row.decode(3, as: String?.self)
        )
    }
}

let testKind = JobKind("test_job")
