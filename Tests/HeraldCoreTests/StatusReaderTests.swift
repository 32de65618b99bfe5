import Foundation
import HeraldCore
import Postgres
import TestSupport
import Testing

/// `StatusReader` and `StatusFinding` on a real schema: every figure `herald status` prints, and
/// which of them need an operator.
@Suite("Status report")
struct StatusReaderTests {
    /// A schema with something of everything; see each insert.
    static func seed(_ connection: PostgresConnection) throws {
        try connection.execute(
            script: """
                INSERT INTO webhook_events (body, state, received_at, next_attempt_at) VALUES
                    ('\\x7b7d', 'processed', now() - interval '2 days', now() - interval '2 days'),
                    ('\\x7b7d', 'processed', now() - interval '1 day', now() - interval '1 day'),
                    ('\\x7b7d', 'pending', now() - interval '10 minutes', now() - interval '10 minutes'),
                    ('\\x7b7d', 'pending', now() - interval '1 hour', now() + interval '5 minutes'),
                    ('\\x7b7d', 'parked', now() - interval '3 hours', now() - interval '3 hours');
                INSERT INTO jobs (kind, state, run_at, locked_by, locked_until, finished_at) VALUES
                    ('send_message', 'available', now() - interval '20 seconds', NULL, NULL, NULL),
                    ('send_message', 'available', now(), NULL, NULL, NULL),
                    ('send_message', 'running', now() - interval '1 minute', 'w', now() + interval '30 seconds', NULL),
                    ('send_message', 'retryable', now() + interval '1 minute', NULL, NULL, NULL),
                    ('send_message', 'completed', now() - interval '1 hour', NULL, NULL, now()),
                    ('inactivity_check', 'available', now() + interval '1 day', NULL, NULL, NULL);
                INSERT INTO pages (id, access_token, token_status) VALUES
                    ('p-valid', 't', 'valid'), ('p-expired', 't', 'expired'), ('p-webhooks-only', NULL, 'valid');
                INSERT INTO blocked_urls (url, released_at) VALUES
                    ('https://a.example/', NULL), ('https://b.example/', now()), ('https://c.example/', now());
                INSERT INTO messages (page_id, psid, direction, author, content, status, failure_reason, failed_at) VALUES
                    ('p-valid', 'c', 'outbound', 'supporter', '{}', 'failed', 'outside_window', now() - interval '10 minutes'),
                    ('p-valid', 'c', 'outbound', 'supporter', '{}', 'failed', 'outside_window', now() - interval '20 minutes'),
                    ('p-valid', 'c', 'outbound', 'supporter', '{}', 'failed', 'rate_limited', now() - interval '30 minutes'),
                    ('p-valid', 'c', 'outbound', 'supporter', '{}', 'failed', 'unknown', now() - interval '2 hours'),
                    ('p-valid', 'c', 'outbound', 'supporter', '{}', 'sent', NULL, NULL);
                ANALYZE webhook_events;
                """)
    }

    @Test("the figures of one snapshot: counts, ages, the processed estimate, failures of the last hour")
    func figures() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            try Self.seed(connection)
            let report = try StatusReader().read(on: connection)
            #expect(connection.transactionState == .idle)
            #expect(report.webhooks.pending == 2)
            #expect(report.webhooks.parked == 1)
            // The due one waited ten minutes; the other is not due yet.
            #expect((600...610).contains(report.webhooks.oldestPendingAgeSeconds ?? -1))
            #expect(report.webhooks.processedEstimate == 2)
            let send = try #require(report.jobs["send_message"])
            #expect(send.available == 2 && send.running == 1 && send.retryable == 1)
            #expect((20...30).contains(send.oldestAvailableAgeSeconds ?? -1))
            #expect(report.jobs["inactivity_check"] == StatusReport.Jobs(available: 1))
            #expect(report.jobs["subscribe_page"] == StatusReport.Jobs())
            #expect(report.pages == StatusReport.Pages(connected: 1, expired: 1, notConnected: 1))
            #expect(report.blockedURLs == StatusReport.BlockedURLCounts(blocked: 1, released: 2))
            #expect(report.failedLastHour == ["outside_window": 2, "rate_limited": 1])
            #expect(abs(report.checkedAt.timeIntervalSinceNow) < 60)

            let findings = StatusFinding.findings(in: report, maxLagSeconds: 300)
            #expect(findings.map(\.code) == ["ingest_lag", "parked_webhooks", "expired_pages"])
            #expect(findings.allSatisfy { $0.docs.hasPrefix("docs/operations.md, ") && !$0.action.isEmpty })
            #expect(
                findings.first { $0.code == "parked_webhooks" }?.message.hasPrefix("1 webhook event(s) parked") == true)
            let strict = StatusFinding.findings(in: report, maxLagSeconds: 10)
            #expect(strict.map(\.code) == ["ingest_lag", "job_lag", "parked_webhooks", "expired_pages"])
            #expect(strict[1].message.contains("send_message"))
        }
    }

    @Test("an empty installation is healthy; the estimate is unknown until the table is analyzed")
    func healthy() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            let report = try StatusReader().read(on: connection)
            #expect(
                report.webhooks
                    == StatusReport.Webhooks(
                        pending: 0, parked: 0, oldestPendingAgeSeconds: nil, processedEstimate: nil))
            #expect(Set(report.jobs.keys) == ["send_message", "inactivity_check", "subscribe_page"])
            #expect(report.failedLastHour.isEmpty)
            #expect(StatusFinding.findings(in: report, maxLagSeconds: 1).isEmpty)
        }
    }
}
