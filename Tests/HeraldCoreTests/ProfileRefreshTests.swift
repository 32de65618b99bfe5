import Foundation
import HeraldCore
import JobQueue
import Postgres
import TestSupport
import Testing

/// When `fetch_profile` jobs are scheduled: on first sight and on stale activity (by the ingest
/// batch, in its transaction), and paced on page (re)connect. No worker runs here: ingest never
/// waits for a profile.
@Suite("Profile scheduling")
struct ProfileRefreshTests {
    static let page = WebhookBuilder.page

    static func connectPage(_ connection: PostgresConnection) throws {
        try connection.query(
            """
            INSERT INTO pages (id, name, access_token, connected_at) VALUES ($1, 'Page', $2, now())
            ON CONFLICT (id) DO UPDATE SET access_token = EXCLUDED.access_token, connected_at = EXCLUDED.connected_at
            """,
            [page, Array("token".utf8)])
    }

    static func jobs(_ harness: IngestHarness) throws -> [(key: String, state: String, runAt: Date)] {
        try harness.connection.query(
            "SELECT unique_key, state, run_at FROM jobs WHERE kind = 'fetch_profile' ORDER BY run_at, unique_key"
        ).map {
            (try $0.decode(0, as: String.self), try $0.decode(1, as: String.self), try $0.decode(2, as: Date.self))
        }
    }

    @Test("first sight on a connected page: one job per customer, due now; messages are stored without waiting")
    func firstSight() async throws {
        try await TestDatabase.withSchema { schema in
            try await TestDatabase.offPool {
                let harness = try IngestHarness(schema)
                try Self.connectPage(harness.connection)
                let now = harness.clock.now()
                try harness.store(
                    WebhookBuilder.body([
                        WebhookBuilder.message("p1", mid: "m1", at: now),
                        WebhookBuilder.message("p1", mid: "m2", at: now),
                        WebhookBuilder.message("p2", mid: "m3", at: now),
                    ]))
                try harness.drain()
                let jobs = try Self.jobs(harness)
                #expect(jobs.map(\.key) == ["\(Self.page):p1", "\(Self.page):p2"])
                #expect(jobs.allSatisfy { $0.state == "available" && abs($0.runAt.timeIntervalSince(now)) < 0.001 })
                // The messages are visible while the profiles wait.
                #expect(try harness.count("SELECT count(*) FROM messages WHERE mid IN ('m1', 'm2', 'm3')") == 3)
                #expect(try harness.count("SELECT count(*) FROM customers WHERE profile_status = 'pending'") == 2)
                // More activity while the job waits adds none.
                try harness.store(WebhookBuilder.body([WebhookBuilder.message("p1", mid: "m4", at: now)]))
                try harness.drain()
                #expect(try Self.jobs(harness).count == 2)
            }
        }
    }

    @Test("customers of a page that is not connected, or whose token expired, get no job")
    func notConnected() async throws {
        try await TestDatabase.withSchema { schema in
            try await TestDatabase.offPool {
                let harness = try IngestHarness(schema)
                let now = harness.clock.now()
                try harness.store(WebhookBuilder.body([WebhookBuilder.message("p1", mid: "m1", at: now)]))
                try harness.drain()
                #expect(try Self.jobs(harness).isEmpty)
                try Self.connectPage(harness.connection)
                try harness.connection.query("UPDATE pages SET token_status = 'expired'")
                try harness.store(WebhookBuilder.body([WebhookBuilder.message("p1", mid: "m2", at: now)]))
                try harness.drain()
                #expect(try Self.jobs(harness).isEmpty)
            }
        }
    }

    @Test(
        "activity fetches a profile again only once it is older than the refresh period",
        arguments: [(days: 8.0, scheduled: true), (days: 6.0, scheduled: false)])
    func staleRefresh(days: Double, scheduled: Bool) async throws {
        try await TestDatabase.withSchema { schema in
            try await TestDatabase.offPool {
                let harness = try IngestHarness(schema)
                try Self.connectPage(harness.connection)
                let now = harness.clock.now()
                try harness.connection.query(
                    """
                    INSERT INTO customers (page_id, psid, first_name, name, profile_status, profile_fetched_at)
                    VALUES ($1, 'p1', 'An', 'An', 'fetched', $2)
                    """, [Self.page, now.addingTimeInterval(-days * 86_400)])
                try harness.store(WebhookBuilder.body([WebhookBuilder.message("p1", mid: "m1", at: now)]))
                try harness.drain()
                #expect(try Self.jobs(harness).count == (scheduled ? 1 : 0))
            }
        }
    }

    @Test("HERALD_PROFILE_REFRESH_DAYS sets the refresh period")
    func refreshPeriodIsASetting() async throws {
        try await TestDatabase.withSchema { schema in
            try await TestDatabase.offPool {
                var options = WebhookIngestor.Configuration()
                options.profileRefresh = ProfileRefresh(refreshAfter: 1 * 86_400)
                let harness = try IngestHarness(schema, options: options)
                try Self.connectPage(harness.connection)
                let now = harness.clock.now()
                try harness.connection.query(
                    """
                    INSERT INTO customers (page_id, psid, profile_status, profile_fetched_at)
                    VALUES ($1, 'p1', 'unavailable', $2)
                    """, [Self.page, now.addingTimeInterval(-2 * 86_400)])
                try harness.store(WebhookBuilder.body([WebhookBuilder.message("p1", mid: "m1", at: now)]))
                try harness.drain()
                #expect(try Self.jobs(harness).count == 1)
            }
        }
    }

    @Test("connecting a page schedules its customers without a profile, most recent first, 10 a second")
    func connectPacing() async throws {
        try await TestDatabase.withSchema { schema in
            try await TestDatabase.offPool {
                let harness = try IngestHarness(schema)
                let connection = harness.connection
                let now = harness.clock.now()
                // 30 customers without a profile (c00 the least recently active), one fetched.
                try connection.query(
                    """
                    INSERT INTO customers (page_id, psid, last_active_at)
                    SELECT $1, 'c' || lpad(i::text, 2, '0'), $2::timestamptz + i * interval '1 minute'
                    FROM generate_series(0, 29) AS i
                    """, [Self.page, now.addingTimeInterval(-86_400)])
                try connection.query(
                    "INSERT INTO customers (page_id, psid, profile_status, profile_fetched_at) VALUES ($1, 'done', 'fetched', $2)",
                    [Self.page, now])
                let connected = try PageStore().connect(
                    .init(pageID: Self.page, accessToken: "token"), key: nil, now: now, on: connection)
                #expect(connected.page.id == Self.page)
                let jobs = try Self.jobs(harness)
                #expect(jobs.count == 30)
                #expect(jobs.first?.key == "\(Self.page):c29")
                #expect(jobs.last?.key == "\(Self.page):c00")
                let offsets = jobs.map { $0.runAt.timeIntervalSince(now) }
                for (index, offset) in offsets.enumerated() {
                    #expect(abs(offset - Double(index) / ProfileRefresh.connectPacePerSecond) < 0.001)
                }
                // A reconnect adds nothing for customers whose job still waits.
                _ = try PageStore().connect(
                    .init(pageID: Self.page, accessToken: "token2"), key: nil, now: now, on: connection)
                #expect(try Self.jobs(harness).count == 30)
                // Activity brings a paced customer's untried job forward to now.
                try harness.store(WebhookBuilder.body([WebhookBuilder.message("c00", mid: "m1", at: now)]))
                try harness.drain()
                let c00 = try #require(try Self.jobs(harness).first { $0.key == "\(Self.page):c00" })
                #expect(abs(c00.runAt.timeIntervalSince(now)) < 0.001)
            }
        }
    }
}
