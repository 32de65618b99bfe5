import Postgres

extension PostgresPool {
    /// Runs an API request's database work on a pooled connection; an unreachable database (or a
    /// pool with no free connection in time) becomes a 503 `database_unavailable` the client may
    /// retry, so no route answers 500 for an outage.
    func api<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        do {
            return try await withConnection(body)
        } catch let error as PostgresError where error.isUnavailable {
            throw APIError.unavailable(code: .databaseUnavailable, message: "the database cannot be reached")
        }
    }
}

extension PostgresError {
    /// The database cannot be reached, or no pooled connection came free in time.
    var isUnavailable: Bool { isConnectionError || code == .poolTimeout || code == .poolClosed }
}
