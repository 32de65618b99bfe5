import Foundation
import Postgres
import TestSupport
import Testing

/// The change-log triggers join a statement's old and new rows. PL/pgSQL keeps the join's plan
/// for the connection's life, sized by the first call's transition tables, so a nested loop chosen
/// for one row was kept for every later ingest batch: quadratic, half of ingest's database time
/// (docs/benchmarks.md, "Event ingest profile"). Migration 0013 plans them without nested loops.
@Suite("Change-log trigger plans")
struct ChangeLogTriggerPlanTests {
    static let functions = ["herald_changes_customers", "herald_changes_messages", "herald_changes_notifications"]

    @Test("each change-log trigger function plans without nested loops (a CREATE OR REPLACE must keep it)")
    func settings() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            let rows = try connection.query(
                """
                SELECT p.proname, coalesce(array_to_string(p.proconfig, ','), '')
                FROM pg_proc p WHERE p.pronamespace = current_schema()::regnamespace AND p.proname = ANY($1::text[])
                ORDER BY p.proname
                """, [PostgresArrayLiteral.text(Self.functions)])
            let settings = try rows.map { "\(try $0.decode(0, as: String.self)): \(try $0.decode(1, as: String.self))" }
            #expect(settings == Self.functions.map { "\($0): enable_nestloop=off" })
        }
    }

    @Test("after a one-row update, a 600-row update on the same connection logs each changed customer once")
    func largeAfterSmall() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            try connection.query(
                """
                INSERT INTO customers (page_id, psid, first_active_at, last_active_at, total_messages)
                SELECT 'p1', (7000000000000000 + i)::text, now(), now(), 1 FROM generate_series(1, 600) AS i
                """)
            try connection.query("DELETE FROM changes")
            try connection.query("UPDATE customers SET total_messages = 2 WHERE psid = '7000000000000001'")
            try connection.query(
                "UPDATE customers SET total_messages = total_messages + 1, last_seen_by_supporter_at = now()")
            // Unchanged columns log nothing: a watermark-only update of every customer adds no row.
            try connection.query("UPDATE customers SET read_watermark = now()")
            let logged = try connection.query(
                "SELECT count(*), count(DISTINCT psid) FROM changes WHERE kind = 'customer.updated'")[0]
            #expect(try logged.decode(0, as: Int.self) == 601)
            #expect(try logged.decode(1, as: Int.self) == 600)
        }
    }
}
