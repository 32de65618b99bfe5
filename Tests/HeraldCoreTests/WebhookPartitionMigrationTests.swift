import Foundation
import HeraldCore
import Postgres
import TestSupport
import Testing

/// Migration 0012 on a database that already holds webhooks: the old table becomes the legacy
/// partition, and every stored webhook stays readable, ingestible and retryable, while new ones
/// land in day partitions with ids that keep rising.
@Suite("Webhook partition migration")
struct WebhookPartitionMigrationTests {
    /// A schema migrated up to (not including) 0012, seeded with one webhook in each state; the ids.
    static func seeded(_ schema: TestSchema) throws -> (connection: PostgresConnection, ids: [String: Int64]) {
        let connection = try schema.connect()
        let all = try TestDatabase.migrations()
        try Migrator(migrations: all.filter { $0.version < 12 }).migrate(connection)
        let now = Date()
        let message = WebhookBuilder.body([
            WebhookBuilder.message("alice", mid: "m_legacy", at: now.addingTimeInterval(-3_600))
        ])
        let empty = WebhookBuilder.body([])
        var ids: [String: Int64] = [:]
        for (name, body, state, age) in [
            ("old", empty, "processed", 40 * 86_400.0), ("pending", message, "pending", 3_600),
            ("parked", empty, "parked", 2 * 86_400), ("today", empty, "processed", 60),
        ] {
            ids[name] = try connection.query(
                "INSERT INTO webhook_events (body, state, received_at) VALUES ($1, $2, $3) RETURNING id",
                [body, state, now.addingTimeInterval(-age)])[0].decode(0, as: Int64.self)
        }
        return (connection, ids)
    }

    static func migrate(_ connection: PostgresConnection) throws -> [Int] {
        try Migrator(migrations: try TestDatabase.migrations()).migrate(connection)
    }

    @Test("stored webhooks stay readable, ingestible and retryable; new ones land in day partitions")
    func seededDatabase() async throws {
        try await TestDatabase.withSchema(migrated: false) { schema in
            let (connection, ids) = try Self.seeded(schema)
            #expect(try Self.migrate(connection).contains(12))
            #expect(
                try connection.query("SELECT relkind::text FROM pg_class WHERE oid = 'webhook_events'::regclass")[0]
                    .decode(0, as: String.self) == "p")
            let placed = try connection.query("SELECT DISTINCT tableoid::regclass::text FROM webhook_events")
                .map { try $0.decode(0, as: String.self) }
            #expect(placed == ["webhook_events_legacy"])

            let store = WebhookEventStore()
            for (name, id) in ids {
                #expect(try store.event(id: id, on: connection)?.event.id == id, "\(name)")
            }
            #expect(
                try store.list(state: .parked, paging: Paging(limit: 10)!, on: connection).events.map(\.id) == [
                    ids["parked"]!
                ])

            let ingested = try WebhookIngestor().ingestBatch(now: Date(), on: connection)
            #expect(ingested.processed == 1)
            #expect(
                try connection.query("SELECT count(*) FROM messages WHERE mid = 'm_legacy'")[0].decode(0, as: Int.self)
                    == 1)
            let retried = try connection.transaction { try store.retry(id: ids["parked"]!, on: $0) }
            #expect(retried?.state == .pending)
            #expect(try WebhookIngestor().ingestBatch(now: Date(), on: connection).processed == 1)
            #expect(try store.event(id: ids["parked"]!, on: connection)?.event.state == .processed)

            // Today's rows made the legacy partition run to tomorrow; tomorrow has a day partition.
            let tomorrow = Date().addingTimeInterval(86_400)
            let new = try connection.query(
                "INSERT INTO webhook_events (body, received_at) VALUES ('\\x7b7d', $1) RETURNING id, tableoid::regclass::text",
                [tomorrow])[0]
            #expect(try new.decode(0, as: Int64.self) > ids.values.max()!)
            #expect(try new.decode(1, as: String.self) == WebhookPartitionsTests.partition(tomorrow))

            // The 40-day-old processed webhook goes row by row; the legacy partition stays for its other rows.
            let pruned = try WebhookPartitions().dropExpired(now: Date(), on: connection)
            #expect(pruned == WebhookPartitions.Pruned(partitions: [], rows: 1, kept: []))
            #expect(try store.event(id: ids["old"]!, on: connection) == nil)
        }
    }

    @Test(
        "with the key and the range constraint built beforehand, the migration uses them (nothing to build under its lock)"
    )
    func preparedOnline() async throws {
        try await TestDatabase.withSchema(migrated: false) { schema in
            let (connection, ids) = try Self.seeded(schema)
            // The operator's steps from docs/operations.md, each of which lets writes go on; the
            // bound is a literal UTC midnight three days ahead.
            let row = try connection.query(
                """
                SELECT b, to_char(b AT TIME ZONE 'UTC', 'YYYY-MM-DD') || ' 00:00:00+00'
                FROM (SELECT date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' + interval '3 days' AS b) s
                """)[0]
            let (bound, literal) = (try row.decode(0, as: Date.self), try row.decode(1, as: String.self))
            try connection.execute(
                script:
                    "CREATE UNIQUE INDEX CONCURRENTLY webhook_events_id_received ON webhook_events (id, received_at)")
            try connection.execute(
                script: """
                    ALTER TABLE webhook_events ADD CONSTRAINT webhook_events_legacy_bound CHECK (received_at < '\(literal)') NOT VALID
                    """)
            try connection.execute(script: "ALTER TABLE webhook_events VALIDATE CONSTRAINT webhook_events_legacy_bound")

            #expect(try Self.migrate(connection).contains(12))
            let range = try connection.query(
                "SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE oid = 'webhook_events_legacy'::regclass")[0]
                .decode(0, as: String.self)
            #expect(range.hasPrefix("FOR VALUES FROM (MINVALUE) TO ('\(literal.prefix(10))"), "\(range)")
            // Days before the operator's bound stay in the legacy partition; the first day partition starts at it.
            let rows = try connection.query(
                """
                INSERT INTO webhook_events (body, received_at) VALUES ('\\x7b7d', $1 - interval '1 second'), ('\\x7b7d', $1)
                RETURNING tableoid::regclass::text
                """, [bound]
            ).map { try $0.decode(0, as: String.self) }
            #expect(rows == ["webhook_events_legacy", "webhook_events_default"])
            #expect(try WebhookPartitions().createAhead(now: bound, on: connection) == 3)
            #expect(
                try connection.query("SELECT count(*) FROM \(WebhookPartitionsTests.partition(bound))")[0].decode(
                    0, as: Int.self) == 1)
            #expect(try WebhookEventStore().event(id: ids["pending"]!, on: connection) != nil)
        }
    }
}
