import Foundation
import HeraldCore
import JobQueue
import Logging
import Postgres
import ServiceLifecycle
import TestSupport
import Testing
import Workers

/// A send job whose worker died on its last attempt is discarded by lease rescue; its message
/// must end `failed`, not stay `sending` where no resend can reach it.
@Suite("Sends interrupted on their last attempt")
struct AbandonedSendTests {
    @Test(
        "lease rescue discards the job and the message fails graph_unavailable, with an attempt row, and can be resent")
    func abandoned() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            try connection.query(
                "INSERT INTO pages (id, name, access_token, connected_at) VALUES ('p1', 'Shop', 'token'::bytea, now())")
            let store = OutboundStore(maxAttempts: 1)
            let draft = OutboundStore.Draft(pageID: "p1", psid: "c1", content: PostgresJSON(#"{"text":"hi"}"#))
            guard case .created(let id) = try connection.transaction({ try store.create(draft, now: Date(), on: $0) })
            else {
                Issue.record("message not created")
                return
            }
            // A worker claims the job, marks the message sending, and dies without a heartbeat.
            let queue = JobQueue()
            let claimed = try queue.claim(
                kinds: [OutboundStore.sendKind], limit: 1, worker: "dead-worker", lease: .milliseconds(300),
                now: Date(),
                on: connection)
            #expect(claimed.count == 1)
            guard case .send = try SendAttempts().startAll(messageIDs: [id], now: Date(), on: connection)[id]?.start
            else {
                Issue.record("the send did not start")
                return
            }

            var logger = Logger(label: "herald.tests.abandon")
            logger.logLevel = .warning
            let pool = schema.makePool(maxConnections: 2)
            let rescuer = LeaseRescuer(
                pool: pool, jobQueue: queue, clock: SystemClock(), interval: .milliseconds(100), logger: logger)
            try await withRunningServices([rescuer], logger: logger) {
                try await waitUntil("the message settled") {
                    try connection.query("SELECT status FROM messages WHERE id = $1", [id])[0].decode(
                        0, as: String.self) == "failed"
                }
            }
            pool.close()

            let row = try connection.query(
                "SELECT failure_reason, failure_detail FROM messages WHERE id = $1", [id])[0]
            #expect(try row.decode(0, as: String.self) == "graph_unavailable")
            #expect(try row.decode(1, as: String.self).contains("interrupted"))
            let jobState = try connection.query("SELECT state FROM jobs")[0].decode(0, as: String.self)
            #expect(jobState == "discarded")
            let outcomes = try connection.query("SELECT outcome FROM message_attempts WHERE message_id = $1", [id])
                .map { try $0.decode(0, as: String.self) }
            #expect(outcomes == ["failed:graph_unavailable"])
            // graph_unavailable may be resent at any time.
            let requeued = try connection.transaction {
                try store.requeue(messageID: id, by: .api, now: Date(), on: $0)
            }
            #expect(requeued)
        }
    }
}
