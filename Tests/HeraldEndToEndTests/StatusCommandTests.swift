import Foundation
import Postgres
import TestSupport
import Testing

/// `herald status` (and `herald replay`, which shares the retry with the admin API) as the real
/// executable, the way an operator or a monitoring check runs it.
@Suite("herald status", .onTestThreads)
struct StatusCommandTests {
    /// Runs `herald` with `arguments` against `schema`.
    static func herald(_ arguments: [String], schema: TestSchema) throws -> (status: Int32, output: String) {
        let environment = try HeraldProcessSupport.environment(schema: schema, graphURL: "http://127.0.0.1:9")
        return try ChildProcess.run(try HeraldProcessSupport.binary(), arguments, environment: environment)
    }

    /// The JSON object `--json` printed (its only line that is one).
    static func document(_ output: String) throws -> [String: Any] {
        let line = try #require(output.split(separator: "\n").first { $0.hasPrefix("{") }, "\(output)")
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test(
        "--help lists only HERALD_DATABASE_URL as required and the exit codes; no database URL exits 78; none reachable exits 2"
    )
    func settingsAndFailures() throws {
        let binary = try HeraldProcessSupport.binary()
        let help = try ChildProcess.run(binary, ["status", "--help"], environment: ["PATH": "/usr/bin:/bin"])
        #expect(help.status == 0, "\(help.output)")
        #expect(help.output.contains("HERALD_DATABASE_URL (required)"), "\(help.output)")
        #expect(
            !help.output.contains("HERALD_APP_SECRET") && !help.output.contains("HERALD_MIGRATIONS_DIR"),
            "\(help.output)")
        #expect(help.output.contains("--max-lag-seconds") && help.output.contains("--json"))
        #expect(help.output.contains("Exit codes:\n  0   healthy\n  1   something needs attention"), "\(help.output)")

        let missing = try ChildProcess.run(binary, ["status"], environment: ["PATH": "/usr/bin:/bin"])
        #expect(missing.status == 78, "\(missing.output)")
        #expect(missing.output.contains("HERALD_DATABASE_URL is required"), "\(missing.output)")

        let down = try ChildProcess.run(
            binary, ["status", "--json"],
            environment: [
                "PATH": "/usr/bin:/bin", "HERALD_DATABASE_URL": "postgresql://127.0.0.1:9/none?connect_timeout=2",
            ])
        #expect(down.status == 2, "\(down.output)")
        #expect(down.output.contains("herald status: cannot read the database"), "\(down.output)")

        let badLag = try ChildProcess.run(
            binary, ["status", "--max-lag-seconds", "0"], environment: ["PATH": "/usr/bin:/bin"])
        #expect(badLag.status == 64, "\(badLag.output)")
    }

    @Test("a healthy installation: exit 0, every documented key, the figures as stored")
    func healthy() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            try connection.execute(
                script: """
                    INSERT INTO pages (id, access_token) VALUES ('p1', 't');
                    INSERT INTO blocked_urls (url, released_at) VALUES ('https://a.example/', now());
                    INSERT INTO jobs (kind, state, run_at) VALUES ('send_message', 'available', now() - interval '5 seconds');
                    INSERT INTO messages (page_id, psid, direction, author, content, status, failure_reason, failed_at)
                    VALUES ('p1', 'c', 'outbound', 'supporter', '{}', 'failed', 'outside_window', now());
                    INSERT INTO webhook_events (body, state) VALUES ('\\x7b7d', 'processed'), ('\\x7b7d', 'processed');
                    ANALYZE webhook_events;
                    """)
            let (status, output) = try Self.herald(["status", "--json"], schema: schema)
            #expect(status == 0, "\(output)")
            let json = try Self.document(output)
            #expect(json["healthy"] as? Bool == true)
            #expect(json["max_lag_seconds"] as? Int == 300)
            #expect((json["findings"] as? [Any])?.isEmpty == true)
            #expect(json["checked_at"] is String)
            let webhooks = try #require(json["webhooks"] as? [String: Any])
            #expect(Set(webhooks.keys) == ["pending", "parked", "oldest_pending_age_seconds", "processed_estimate"])
            #expect(webhooks["pending"] as? Int == 0 && webhooks["parked"] as? Int == 0)
            #expect(webhooks["oldest_pending_age_seconds"] is NSNull)
            #expect(webhooks["processed_estimate"] as? Int == 2)
            let jobs = try #require(json["jobs"] as? [String: [String: Any]])
            #expect(Set(jobs.keys) == ["send_message", "inactivity_check", "subscribe_page"])
            let send = try #require(jobs["send_message"])
            #expect(Set(send.keys) == ["available", "running", "retryable", "oldest_available_age_seconds"])
            #expect(send["available"] as? Int == 1 && send["running"] as? Int == 0 && send["retryable"] as? Int == 0)
            #expect((5...60).contains(send["oldest_available_age_seconds"] as? Int ?? -1))
            #expect(jobs["subscribe_page"]?["oldest_available_age_seconds"] is NSNull)
            #expect(json["pages"] as? [String: Int] == ["connected": 1, "expired": 0, "not_connected": 0])
            #expect(json["blocked_urls"] as? [String: Int] == ["blocked": 0, "released": 1])
            #expect(json["failed_last_hour"] as? [String: Int] == ["outside_window": 1])

            let text = try Self.herald(["status"], schema: schema)
            #expect(text.status == 0, "\(text.output)")
            #expect(text.output.contains("Healthy: nothing needs attention"), "\(text.output)")
            #expect(text.output.contains("Failed (1 h) outside_window 1"), "\(text.output)")
        }
    }

    @Test("parked webhooks and an expired page: exit 1, each named with what to do and where to read")
    func needsAttention() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            try connection.execute(
                script: """
                    INSERT INTO pages (id, access_token, token_status, token_expired_at) VALUES ('p1', 't', 'expired', now());
                    INSERT INTO webhook_events (body, state, last_error) VALUES ('\\x78', 'parked', 'unreadable body: body is not JSON'),
                                                                              ('\\x78', 'parked', 'unreadable body: body is not JSON');
                    """)
            let (status, output) = try Self.herald(["status", "--json"], schema: schema)
            #expect(status == 1, "\(output)")
            let json = try Self.document(output)
            #expect(json["healthy"] as? Bool == false)
            #expect((json["webhooks"] as? [String: Any])?["parked"] as? Int == 2)
            #expect((json["pages"] as? [String: Int])?["expired"] == 1)
            let findings = try #require(json["findings"] as? [[String: String]])
            #expect(findings.map { $0["code"] } == ["parked_webhooks", "expired_pages"])
            #expect(findings.allSatisfy { Set($0.keys) == ["code", "message", "action", "docs"] })

            let text = try Self.herald(["status"], schema: schema)
            #expect(text.status == 1, "\(text.output)")
            for expected in [
                "Needs attention (2):", "- parked_webhooks: 2 webhook event(s) parked",
                "GET /admin/webhook-events?state=parked", #"read: docs/operations.md, "Dead letters""#,
                "- expired_pages: 1 page(s) with an expired token", "PUT /admin/pages/{id}",
                #"read: docs/operations.md, "Connecting a page""#,
            ] {
                #expect(text.output.contains(expected), "missing \(expected): \(text.output)")
            }
            // A stricter threshold adds nothing here: nothing is pending.
            #expect(try Self.herald(["status", "--max-lag-seconds", "1"], schema: schema).status == 1)
        }
    }

    @Test("herald replay marks processed (and with --include-parked, parked) events since a time pending")
    func replay() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            try connection.execute(
                script: """
                    INSERT INTO webhook_events (body, state, received_at) VALUES
                        ('\\x7b7d', 'processed', now() - interval '3 days'), ('\\x7b7d', 'processed', now() - interval '1 hour'),
                        ('\\x7b7d', 'parked', now() - interval '1 hour'), ('\\x7b7d', 'pending', now());
                    """)
            let since = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-86_400))
            let first = try Self.herald(["replay", "--since", since], schema: schema)
            #expect(first.status == 0, "\(first.output)")
            #expect(first.output.contains("1 webhook events queued for replay"), "\(first.output)")
            let second = try Self.herald(["replay", "--since", since, "--include-parked"], schema: schema)
            #expect(second.output.contains("1 webhook events queued for replay"), "\(second.output)")
            let states = try connection.query(
                "SELECT state, count(*) FROM webhook_events GROUP BY state ORDER BY state"
            )
            .map { "\(try $0.decode(0, as: String.self))=\(try $0.decode(1, as: Int.self))" }
            #expect(states == ["pending=3", "processed=1"])
            let bad = try Self.herald(["replay", "--since", "yesterday"], schema: schema)
            #expect(bad.status == 64, "\(bad.output)")
        }
    }
}
