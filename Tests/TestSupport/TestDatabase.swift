import Foundation
import Logging
import Postgres

/// The real Postgres the test command starts (`scripts/test` exports `HERALD_TEST_DATABASE_URL`).
///
/// Tests that need it fail with a clear message when it is missing; they never skip.
public enum TestDatabase {
    public struct Missing: Error, CustomStringConvertible {
        public var description: String {
            "HERALD_TEST_DATABASE_URL is not set: run the tests with scripts/test, which starts the embedded Postgres"
        }
    }

    /// The test database's libpq URL.
    public static func url() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["HERALD_TEST_DATABASE_URL"], !url.isEmpty else {
            throw Missing()
        }
        return url
    }

    /// A configuration for the test database, optionally bound to one schema via `search_path`.
    public static func configuration(schema: String? = nil, url: String? = nil) throws -> PostgresConfiguration {
        PostgresConfiguration(
            connectionString: try url ?? Self.url(), applicationName: "herald-tests",
            sessionSettings: schema.map { ["search_path": $0] } ?? [:])
    }

    /// Herald's migrations, read from the repository's `sql/` folder.
    public static func migrations() throws -> [Migration] {
        try Migration.load(from: RepositoryPaths.sql)
    }

    /// Runs `body` with a fresh schema of its own (migrated unless told otherwise), dropped afterwards,
    /// so tests running in parallel never see each other's rows.
    public static func withSchema<T>(
        migrated: Bool = true, url: String? = nil, _ body: (TestSchema) async throws -> T
    ) async throws -> T {
        let schema = try await offPool { try TestSchema.create(migrated: migrated, url: url) }
        do {
            // Test bodies talk to libpq synchronously: they run on threads of their own.
            let value = try await TestThreads.run { try await body(schema) }
            try await offPool { schema.drop() }
            return value
        } catch {
            try? await offPool { schema.drop() }
            throw error
        }
    }

    /// Runs blocking libpq work on a Dispatch thread: the cooperative pool has one thread per
    /// core, and every test's awaits (timers, graceful shutdowns) wait while one is blocked.
    public static func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
        }
    }
}

/// A schema created for one test.
public struct TestSchema: Sendable {
    public let name: String
    public let configuration: PostgresConfiguration
    private let adminConfiguration: PostgresConfiguration

    static func create(migrated: Bool, url: String?) throws -> TestSchema {
        let name = "test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        let admin = try TestDatabase.configuration(url: url)
        let connection = try PostgresConnection(configuration: admin)
        try connection.execute(script: "CREATE SCHEMA \(name)")
        let schema = TestSchema(
            name: name, configuration: try TestDatabase.configuration(schema: name, url: url),
            adminConfiguration: admin)
        if migrated {
            try Migrator(migrations: try TestDatabase.migrations()).migrate(schema.connect())
        }
        return schema
    }

    /// Opens a new connection bound to this schema.
    public func connect() throws -> PostgresConnection {
        try PostgresConnection(configuration: configuration)
    }

    /// A pool bound to this schema, with the pool's default acquire timeout: test bodies run on
    /// `TestThreads`, so the pool's continuations never wait for a cooperative thread.
    public func makePool(maxConnections: Int = 4, acquireTimeout: Duration = .seconds(10)) -> PostgresPool {
        PostgresPool(
            configuration: configuration,
            options: .init(maxConnections: maxConnections, acquireTimeout: acquireTimeout),
            logger: Logger(label: "herald.tests.postgres"))
    }

    func drop() {
        guard let connection = try? PostgresConnection(configuration: adminConfiguration) else { return }
        try? connection.execute(script: "DROP SCHEMA IF EXISTS \(name) CASCADE")
    }
}

/// Paths inside the repository, found from this file's location.
public enum RepositoryPaths {
    public static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    public static let sql = root.appendingPathComponent("sql")
    public static let scripts = root.appendingPathComponent("scripts")
    /// Test data: webhook bodies with their signatures, and Graph answers (`Tests/Fixtures`).
    public static let fixtures = root.appendingPathComponent("Tests/Fixtures")
    public static let docs = root.appendingPathComponent("docs")
}
