import Foundation
import Postgres
import TestSupport
import Testing

@Suite("Migrations")
struct MigratorTests {
    @Test("Herald's migrations load in order and create docs/design.md's tables")
    func heraldSchema() async throws {
        let migrations = try TestDatabase.migrations()
        #expect(migrations.first?.version == 1)
        #expect(migrations.map(\.version) == migrations.map(\.version).sorted())
        try await TestDatabase.withSchema(migrated: true) { schema in
            let tables = try schema.connect().query(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = $1", [schema.name]
            ).map { try $0.decode(0, as: String.self) }
            for table in [
                "pages", "webhook_events", "customers", "messages", "jobs", "blocked_urls",
                "notifications", "schema_migrations",
            ] {
                #expect(tables.contains(table), "missing table \(table)")
            }
        }
    }

    @Test("migrating twice is a no-op")
    func twice() async throws {
        try await TestDatabase.withSchema(migrated: false) { schema in
            let migrator = Migrator(migrations: try TestDatabase.migrations())
            let connection = try schema.connect()
            let first = try migrator.migrate(connection)
            let second = try migrator.migrate(connection)
            #expect(first == migrator.migrations.map(\.version))
            #expect(second.isEmpty)
            #expect(try migrator.pendingMigrations(connection).isEmpty)
            let count = try connection.query("SELECT count(*) FROM schema_migrations")[0].decode(0, as: Int.self)
            #expect(count == migrator.migrations.count)
        }
    }

    @Test("two concurrent runs both succeed and apply each migration once")
    func concurrentRuns() async throws {
        try await TestDatabase.withSchema(migrated: false) { schema in
            let migrator = Migrator(migrations: try TestDatabase.migrations())
            let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
                for _ in 0..<2 {
                    group.addTask { try migrator.migrate(schema.connect()) }
                }
                return try await group.reduce(into: [Int]()) { $0 += $1 }
            }
            #expect(applied.sorted() == migrator.migrations.map(\.version))
        }
    }

    @Test("a failing migration rolls back entirely and names itself; an edited applied one is refused")
    func failureAndEdits() async throws {
        try await TestDatabase.withSchema(migrated: false) { schema in
            let connection = try schema.connect()
            let good = Migration(version: 1, name: "one", sql: "CREATE TABLE a (id int);")
            let bad = Migration(version: 2, name: "two", sql: "CREATE TABLE b (id int); SELEC oops;")
            let error = #expect(throws: PostgresError.self) {
                try Migrator(migrations: [good, bad]).migrate(connection)
            }
            #expect(error?.message.contains("2_two") == true)
            #expect(try connection.query("SELECT to_regclass('b') IS NULL")[0].decode(0, as: Bool.self))
            #expect(try connection.query("SELECT to_regclass('a') IS NOT NULL")[0].decode(0, as: Bool.self))

            let edited = Migration(version: 1, name: "one", sql: "CREATE TABLE a (id int8);")
            let editError = #expect(throws: PostgresError.self) {
                try Migrator(migrations: [edited]).migrate(connection)
            }
            #expect(editError?.code == .migration)
        }
    }

    @Test("badly named migration files are refused")
    func badNames() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("herald-mig-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "SELECT 1;".write(to: folder.appendingPathComponent("initial.sql"), atomically: true, encoding: .utf8)
        #expect(throws: PostgresError.self) { try Migration.load(from: folder) }
    }
}
