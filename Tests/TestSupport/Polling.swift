import Foundation
import Postgres
import Testing

/// Waits for `condition` by polling every 20 ms until `timeout`; records an issue naming `what`
/// (at the caller's line) if it never holds. Tests wait for states, never for fixed times.
public func waitUntil(
    _ what: String, timeout: Duration = .seconds(10), sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    if try await condition() { return }
    Issue.record("not true within \(timeout): \(what)", sourceLocation: sourceLocation)
}

extension PostgresConnection {
    /// Whether some session waits for a lock on `table` (resolved in this connection's schema):
    /// the proof that a statement is blocked, where a sleep would only hope so.
    public func hasLockWaiter(on table: String) throws -> Bool {
        try query(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted AND relation = to_regclass($1))", [table]
        )[0].decode(0, as: Bool.self)
    }
}

/// Everything an async sequence yields, collected by a task of its own, so a test waits for
/// elements with `waitUntil` (a deadline) instead of an `await next()` that may never return.
public final class Collected<Element: Sendable>: Sendable {
    private let state = Locked((elements: [Element](), finished: false))
    private let task: Task<Void, Never>

    public init<S: AsyncSequence & Sendable>(_ sequence: S) where S.Element == Element {
        let state = self.state
        task = Task {
            do {
                for try await element in sequence { state.withLock { $0.elements.append(element) } }
            } catch {}
            state.withLock { $0.finished = true }
        }
    }

    deinit { task.cancel() }

    public var elements: [Element] { state.value.elements }
    /// Whether the sequence ended.
    public var finished: Bool { state.value.finished }
}
