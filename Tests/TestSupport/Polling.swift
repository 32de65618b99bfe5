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
