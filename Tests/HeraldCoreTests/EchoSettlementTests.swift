import Foundation
import HeraldCore
import Messenger
import Postgres
import TestSupport
import Testing

/// docs/messenger.md: after a timeout the message may have been delivered, and the echo carrying
/// Herald's id in `metadata` settles it. docs/design.md: an echo of a message Herald already recorded
/// changes nothing.
@Suite("Webhook ingest: echoes of Herald's own sends")
struct EchoSettlementTests {
    typealias W = WebhookBuilder

    /// An outbound message as the send path leaves it, with no `mid` unless given.
    static func outbound(
        _ harness: IngestHarness, psid: String, status: String, reason: String? = nil, mid: String? = nil
    ) throws -> Int64 {
        try harness.connection.query(
            """
            INSERT INTO messages (page_id, psid, mid, direction, author, content, status, failure_reason, attempts)
            VALUES ($1, $2, $3, 'outbound', 'supporter', '{"text":"hi"}', $4, $5, 1) RETURNING id
            """, [W.page, psid, mid, status, reason])[0].decode(0, as: Int64.self)
    }

    static func state(_ harness: IngestHarness, _ id: Int64) throws -> String {
        try harness.connection.query(
            "SELECT status || '/' || coalesce(mid, '-') || '/' || coalesce(failure_reason, '-') FROM messages WHERE id = $1",
            [id]
        )[0].decode(0, as: String.self)
    }

    @Test("an unanswered send becomes sent with the echo's mid; recorded or otherwise failed messages are left alone")
    func settles() async throws {
        try await TestDatabase.withSchema { schema in
            let harness = try IngestHarness(schema)
            let queued = try Self.outbound(harness, psid: "e1", status: "queued")
            let resend = try Self.outbound(harness, psid: "e1", status: "resend")
            let gaveUp = try Self.outbound(harness, psid: "e1", status: "failed", reason: "graph_unavailable")
            let sending = try Self.outbound(harness, psid: "e1", status: "sending")
            let refused = try Self.outbound(harness, psid: "e1", status: "failed", reason: "outside_window")
            let recorded = try Self.outbound(harness, psid: "e1", status: "sent", mid: "m_recorded")
            let otherCustomer = try Self.outbound(harness, psid: "e2", status: "queued")
            let t0 = ms(Date().addingTimeInterval(-30))
            let ids = [queued, resend, gaveUp, sending, refused, recorded, otherCustomer]
            // One echo per message (the last one names the message but comes from another customer),
            // plus a repeat of the first, as Facebook retries.
            var echoes = ids.enumerated().map { index, id in
                W.echo("e1", mid: "m_echo_\(index)", at: t0, metadata: "herald:\(id)")
            }
            echoes.append(W.echo("e1", mid: "m_echo_0", at: t0, metadata: "herald:\(queued)"))
            try harness.store(W.body(echoes))
            try harness.drain()

            #expect(try Self.state(harness, queued) == "sent/m_echo_0/-")
            #expect(try Self.state(harness, resend) == "sent/m_echo_1/-")
            #expect(try Self.state(harness, gaveUp) == "sent/m_echo_2/-")
            // A worker that died mid-send leaves `sending` until the lease rescue.
            #expect(try Self.state(harness, sending) == "sent/m_echo_3/-")
            #expect(try Self.state(harness, refused) == "failed/-/outside_window")
            #expect(try Self.state(harness, recorded) == "sent/m_recorded/-")
            #expect(try Self.state(harness, otherCustomer) == "queued/-/-")
            let sentAt = try harness.connection.query("SELECT sent_at FROM messages WHERE id = $1", [queued])[0].decode(
                0, as: Date.self)
            #expect(close(sentAt, t0))
            #expect(try harness.count("SELECT count(*) FROM message_attempts WHERE outcome = 'sent:echo'") == 4)
            // Echoes are not messages of their own.
            #expect(try harness.count("SELECT count(*) FROM messages") == ids.count)
        }
    }

    @Test("the timed-out call's own outcome, recorded after its echo, does not undo the settlement")
    func timeoutRecordedAfterEcho() async throws {
        try await TestDatabase.withSchema { schema in
            let harness = try IngestHarness(schema)
            let attempts = SendAttempts()
            let retried = try Self.outbound(harness, psid: "e4", status: "sending")
            let lastTry = try Self.outbound(harness, psid: "e4", status: "sending")
            let t0 = ms(Date().addingTimeInterval(-5))
            try harness.store(
                W.body([
                    W.echo("e4", mid: "m_e4a", at: t0, metadata: "herald:\(retried)"),
                    W.echo("e4", mid: "m_e4b", at: t0, metadata: "herald:\(lastTry)"),
                ]))
            try harness.drain()
            let timeout = SendAttempts.Result.transient(
                reason: .graphUnavailable, detail: "Graph did not answer in time", graphCode: nil, graphSubcode: nil)
            try attempts.record(
                timeout, messageID: retried, previousStatus: .queued, now: Date(), on: harness.connection)
            try attempts.record(
                timeout, messageID: lastTry, previousStatus: .queued, final: true, now: Date(), on: harness.connection)
            #expect(try Self.state(harness, retried) == "sent/m_e4a/-")
            #expect(try Self.state(harness, lastTry) == "sent/m_e4b/-")
        }
    }

    @Test("a read that arrived before the echo still marks the settled message seen")
    func readBeforeEcho() async throws {
        try await TestDatabase.withSchema { schema in
            let harness = try IngestHarness(schema)
            let id = try Self.outbound(harness, psid: "e3", status: "queued")
            let t0 = ms(Date().addingTimeInterval(-60))
            try harness.store(W.body([W.message("e3", mid: "in-e3", at: t0)]))
            try harness.store(
                W.body([W.read("e3", watermark: t0.addingTimeInterval(20), at: t0.addingTimeInterval(21))]))
            try harness.drain()
            try harness.store(
                W.body([W.echo("e3", mid: "m_e3", at: t0.addingTimeInterval(10), metadata: "herald:\(id)")]))
            try harness.drain()
            #expect(try Self.state(harness, id) == "seen/m_e3/-")
        }
    }
}
