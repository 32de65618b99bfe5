import Foundation
import Logging
import Postgres
import Synchronization
import TestSupport
import Testing

@Suite("Connection pool", .onTestThreads)
struct PoolTests {
    @Test("a pool of 4 serves 64 concurrent tasks, never opening more than 4 connections")
    func concurrentTasks() async throws {
        try await TestDatabase.withSchema(migrated: false) { schema in
            let pool = schema.makePool(maxConnections: 4)
            defer { pool.close() }
            let pids = try await withThrowingTaskGroup(of: Int32.self) { group in
                for index in 0..<64 {
                    group.addTask {
                        try await pool.withConnection { connection in
                            let row = try connection.query("SELECT $1::int8 * 2, pg_sleep(0.01)", [index])[0]
                            #expect(try row.decode(0, as: Int.self) == index * 2)
                            return connection.backendPID
                        }
                    }
                }
                return try await group.reduce(into: Set<Int32>()) { $0.insert($1) }
            }
            #expect(pids.count <= 4)
            #expect(pids.count >= 2)
            #expect(pool.connectionCount <= 4)
        }
    }

    @Test("waiting for a busy pool times out with poolTimeout")
    func acquireTimeout() async throws {
        let pool = PostgresPool(
            configuration: try TestDatabase.configuration(),
            options: .init(maxConnections: 1, acquireTimeout: .milliseconds(200)),
            logger: .init(label: "test"))
        defer { pool.close() }
        async let holder: Void = pool.withConnection { connection in
            _ = try connection.query("SELECT pg_sleep(1)")
        }
        try await Task.sleep(for: .milliseconds(100))
        let error = await #expect(throws: PostgresError.self) {
            try await pool.query("SELECT 1")
        }
        #expect(error?.code == .poolTimeout)
        try await holder
        #expect(try await pool.query("SELECT 1")[0].decode(0, as: Int.self) == 1)
    }

    @Test("a closure that leaves a transaction open gets it rolled back before the next borrower")
    func leakedTransaction() async throws {
        try await TestDatabase.withSchema(migrated: false) { schema in
            let pool = schema.makePool(maxConnections: 1)
            defer { pool.close() }
            try await pool.query("CREATE TABLE t (id int8)")
            try await pool.withConnection { connection in
                try connection.execute(script: "BEGIN")
                try connection.query("INSERT INTO t VALUES (1)")
            }
            let count = try await pool.query("SELECT count(*) FROM t")[0].decode(0, as: Int.self)
            #expect(count == 0)
        }
    }

    @Test("cancelling the task cancels the statement on the server")
    func cancellation() async throws {
        let pool = PostgresPool(
            configuration: try TestDatabase.configuration(), options: .init(maxConnections: 1),
            logger: .init(label: "test"))
        defer { pool.close() }
        let task = Task { try await pool.query("SELECT pg_sleep(30) AS cancellation_probe") }
        // Cancel only once the statement is running on the server.
        let observer = try PostgresConnection(configuration: TestDatabase.configuration())
        for _ in 0..<200 {
            let running = try observer.query(
                "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%AS cancellation_probe'")
            if try running[0].decode(0, as: Int.self) > 0 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        task.cancel()
        let error = await #expect(throws: PostgresError.self) { try await task.value }
        #expect(error?.sqlState == .queryCanceled)
    }
}
