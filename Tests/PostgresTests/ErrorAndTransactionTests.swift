import Foundation
import Postgres
import TestSupport
import Testing

@Suite("Errors and transactions", .onTestThreads)
struct ErrorAndTransactionTests {
    struct Boom: Error {}

    @Test("a unique violation carries SQLSTATE 23505 and the constraint, and no parameter values")
    func uniqueViolation() async throws {
        try await TestDatabase.withSchema(migrated: false) { schema in
            let connection = try schema.connect()
            try connection.execute(script: "CREATE TABLE t (id text CONSTRAINT t_pkey PRIMARY KEY)")
            try connection.query("INSERT INTO t VALUES ($1)", ["secret-value-123"])
            let error = #expect(throws: PostgresError.self) {
                try connection.query("INSERT INTO t VALUES ($1)", ["secret-value-123"])
            }
            #expect(error?.code == .server)
            #expect(error?.sqlState == .uniqueViolation)
            #expect(error?.constraint == "t_pkey")
            #expect(error?.table == "t")
            #expect(error?.query == "INSERT INTO t VALUES ($1)")
            #expect(error.map { "\($0)" }?.contains("secret-value-123") == false)
            // The server's DETAIL quotes the value: it is available, but only on purpose.
            #expect(error?.detail?.contains("secret-value-123") == true)
        }
    }

    @Test("a syntax error carries SQLSTATE 42601 and the connection stays usable")
    func syntaxError() throws {
        let connection = try PostgresConnection(configuration: TestDatabase.configuration())
        let error = #expect(throws: PostgresError.self) { try connection.query("SELEC 1") }
        #expect(error?.sqlState == .syntaxError)
        #expect(error?.isConnectionError == false)
        #expect(try connection.query("SELECT 1")[0].decode(0, as: Int.self) == 1)
    }

    @Test("a transaction commits on return and rolls back on throw")
    func transactions() async throws {
        try await TestDatabase.withSchema(migrated: false) { schema in
            let connection = try schema.connect()
            try connection.execute(script: "CREATE TABLE t (id int8)")
            try connection.transaction { try $0.query("INSERT INTO t VALUES (1)") }
            #expect(throws: Boom.self) {
                try connection.transaction { connection in
                    try connection.query("INSERT INTO t VALUES (2)")
                    throw Boom()
                }
            }
            #expect(connection.transactionState == .idle)
            let ids = try connection.query("SELECT id FROM t ORDER BY id").map { try $0.decode(0, as: Int.self) }
            #expect(ids == [1])
        }
    }

    @Test("connecting to a closed port fails with connectionFailed")
    func connectionRefused() throws {
        let error = #expect(throws: PostgresError.self) {
            _ = try PostgresConnection(
                configuration: PostgresConfiguration(connectionString: "postgresql://postgres@127.0.0.1:1/herald"))
        }
        #expect(error?.code == .connectionFailed)
        #expect(error?.isConnectionError == true)
    }
}
