/// Applies migrations in order, each once, each in its own transaction, recorded in
/// `schema_migrations` of the session's current schema.
///
/// A session-level advisory lock (keyed on the schema) serialises concurrent runs: the second
/// process waits, then finds everything applied. The lock dies with the session, so a crashed
/// run never leaves it held.
public struct Migrator: Sendable {
    public let migrations: [Migration]

    public init(migrations: [Migration]) { self.migrations = migrations }

    /// A migration that was applied earlier, as recorded.
    public struct Applied: Sendable, Hashable {
        public var version: Int
        public var checksum: String
    }

    /// Applies what is pending; returns the versions applied by this call.
    @discardableResult
    public func migrate(_ connection: PostgresConnection) throws -> [Int] {
        try connection.query("SELECT pg_advisory_lock(hashtext(current_schema() || '.schema_migrations'))")
        defer {
            _ = try? connection.query("SELECT pg_advisory_unlock(hashtext(current_schema() || '.schema_migrations'))")
        }
        try connection.execute(
            script: """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    checksum text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """)
        let pending = try pendingMigrations(connection)
        for migration in pending {
            try connection.transaction { connection in
                do {
                    try connection.execute(script: migration.sql)
                } catch var error as PostgresError {
                    error.message = "migration \(migration.version)_\(migration.name): \(error.message)"
                    throw error
                }
                try connection.query(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    [migration.version, migration.name, migration.checksum])
            }
        }
        return pending.map(\.version)
    }

    /// Migrations not yet applied; throws when an applied one was edited.
    /// Versions newer than this build's are tolerated, so old replicas keep serving during a rollout.
    public func pendingMigrations(_ connection: PostgresConnection) throws -> [Migration] {
        let exists = try connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL")
        guard try exists[0].decode(0, as: Bool.self) else { return migrations }
        var applied: [Int: String] = [:]
        for row in try connection.query("SELECT version, checksum FROM schema_migrations") {
            applied[try row.decode(0, as: Int.self)] = try row.decode(1, as: String.self)
        }
        for migration in migrations {
            if let checksum = applied[migration.version], checksum != migration.checksum {
                throw PostgresError(
                    code: .migration,
                    message:
                        "migration \(migration.version)_\(migration.name) was edited after it was applied; add a new migration instead"
                )
            }
        }
        return migrations.filter { applied[$0.version] == nil }
    }
}
