import Foundation
import HeraldCore
import Postgres
import TestSupport
import Testing

@Suite("Webhook ingest: customers, messages, statuses")
struct WebhookIngestTests {
    typealias W = WebhookBuilder

    @Test("every fixture is processed; batched.json gives 3 messages over 2 customers; not-a-page is parked")
    func fixtures() async throws {
        try await TestDatabase.withSchema { schema in
            let harness = try IngestHarness(schema)
            for (name, _) in try WebhookFixtures.signatures() { try harness.store(try WebhookFixtures.body(name)) }
            let outcome = try harness.drain()
            #expect(outcome.parked == 1)
            #expect(outcome.retried == 0)
            let parked = try harness.connection.query("SELECT last_error FROM webhook_events WHERE state = 'parked'")
            #expect(try parked.singleRow()?.decode(0, as: String.self).contains("not \"page\"") == true)
            for mid in ["m_B1", "m_B2", "m_B3"] { #expect(try harness.messageStatus(mid: mid) == "received") }
            #expect(try harness.count("SELECT count(*) FROM customers WHERE page_id = $1", [W.page]) >= 2)
            let other = try #require(try harness.customer("7000000000000002"))
            #expect(other.totalMessages == 1)
            // The echo of another app's message is recorded as a bot message (and read.json's
            // watermark covers it, so it shows seen); Herald's own echo is not recorded again.
            let bots = try harness.connection.query("SELECT mid, status FROM messages WHERE author = 'bot'")
                .map { "\(try $0.decode(0, as: String.self)):\(try $0.decode(1, as: String.self))" }
            #expect(bots == ["m_BOT7:seen"])
            #expect(try harness.messageStatus(mid: "m_OUT42") == nil)
            #expect(
                try harness.count("SELECT count(*) FROM pages WHERE id = $1 AND last_webhook_at IS NOT NULL", [W.page])
                    == 1)
        }
    }

    @Test("the same body twice, and events in reverse order, give the same customer")
    func idempotentAndOrderFree() async throws {
        try await TestDatabase.withSchema { schema in
            let harness = try IngestHarness(schema)
            let start = ms(Date().addingTimeInterval(-3600))
            let events = (0..<5).map {
                W.message("c1", mid: "mid-\($0)", at: start.addingTimeInterval(Double($0) * 60))
            }
            let forward = W.body(events)
            try harness.store(forward, forward)
            try harness.drain()
            let once = try #require(try harness.customer("c1"))
            #expect(once.totalMessages == 5)
            #expect(close(once.firstActiveAt, start))
            #expect(close(once.lastActiveAt, start.addingTimeInterval(240)))

            // Reverse order, one event per body, all again: nothing changes.
            try harness.store(events.reversed().map { W.body([$0]) })
            try harness.drain()
            #expect(try harness.customer("c1") == once)
            #expect(try harness.count("SELECT count(*) FROM messages WHERE psid = 'c1'") == 5)
        }
    }

    @Test("postbacks move last active and the window but not the message count; reads and deliveries are not activity")
    func postbacksAndReceipts() async throws {
        try await TestDatabase.withSchema { schema in
            let harness = try IngestHarness(schema)
            let t0 = ms(Date().addingTimeInterval(-7200))
            try harness.store(W.body([W.message("c2", mid: "m-1", at: t0)]))
            try harness.store(W.body([W.postback("c2", at: t0.addingTimeInterval(600))]))
            try harness.store(
                W.body([W.read("c2", watermark: t0.addingTimeInterval(700), at: t0.addingTimeInterval(900))]))
            try harness.drain()
            let customer = try #require(try harness.customer("c2"))
            #expect(customer.totalMessages == 1)
            #expect(close(customer.lastActiveAt, t0.addingTimeInterval(600)))
            #expect(close(customer.lastMessageAt, t0.addingTimeInterval(600)))
        }
    }

    @Test("reads and deliveries move outbound statuses forward only, whatever order they arrive in")
    func watermarks() async throws {
        try await TestDatabase.withSchema { schema in
            let harness = try IngestHarness(schema)
            let t0 = ms(Date().addingTimeInterval(-600))
            try harness.store(W.body([W.message("c3", mid: "in-1", at: t0)]))
            try harness.drain()
            try harness.insertSentMessage(psid: "c3", mid: "out-1", sentAt: t0.addingTimeInterval(10))
            try harness.insertSentMessage(psid: "c3", mid: "out-2", sentAt: t0.addingTimeInterval(20))
            try harness.insertSentMessage(psid: "c3", mid: "out-3", sentAt: t0.addingTimeInterval(300))

            // The read (covering out-1 and out-2) arrives before the delivery covering the same.
            try harness.store(
                W.body([W.read("c3", watermark: t0.addingTimeInterval(20), at: t0.addingTimeInterval(60))]))
            try harness.drain()
            try harness.store(
                W.body([W.delivery("c3", watermark: t0.addingTimeInterval(20), at: t0.addingTimeInterval(30))]))
            try harness.drain()
            #expect(try harness.messageStatus(mid: "out-1") == "seen")
            #expect(try harness.messageStatus(mid: "out-2") == "seen")
            #expect(try harness.messageStatus(mid: "out-3") == "sent")

            try harness.store(
                W.body([W.delivery("c3", watermark: t0.addingTimeInterval(400), at: t0.addingTimeInterval(401))]))
            try harness.drain()
            #expect(try harness.messageStatus(mid: "out-3") == "delivered")
            #expect(try harness.messageStatus(mid: "out-1") == "seen")
            #expect(
                try harness.count(
                    "SELECT count(*) FROM messages WHERE mid = 'out-1' AND seen_at IS NOT NULL AND delivered_at IS NOT NULL"
                ) == 1)
        }
    }

    @Test("Herald's own echoes change nothing; another app's become bot messages, stored once")
    func echoes() async throws {
        try await TestDatabase.withSchema { schema in
            let harness = try IngestHarness(schema)
            let t0 = ms(Date().addingTimeInterval(-60))
            try harness.store(
                W.body([
                    W.echo("c4", mid: "echo-ours", at: t0, metadata: "herald:42"),
                    W.echo("c4", mid: "echo-theirs", at: t0),
                ]))
            try harness.store(W.body([W.echo("c4", mid: "echo-theirs", at: t0)]))
            try harness.drain()
            #expect(try harness.messageStatus(mid: "echo-ours") == nil)
            #expect(try harness.messageStatus(mid: "echo-theirs") == "sent")
            #expect(try harness.count("SELECT count(*) FROM messages WHERE author = 'bot'") == 1)
            // Echoes are the page talking: the customer did nothing.
            #expect(try harness.customer("c4") == nil)
        }
    }
}

@Suite("Webhook ingest: out-of-order receipts")
struct OutOfOrderReceiptTests {
    typealias W = WebhookBuilder

    @Test("a read that arrives before the echo it covers still marks that message seen")
    func readBeforeEcho() async throws {
        try await TestDatabase.withSchema { schema in
            let harness = try IngestHarness(schema)
            let t0 = ms(Date().addingTimeInterval(-600))
            try harness.store(W.body([W.message("oo", mid: "oo-in", at: t0)]))
            try harness.store(
                W.body([W.read("oo", watermark: t0.addingTimeInterval(60), at: t0.addingTimeInterval(61))]))
            try harness.drain()
            try harness.store(W.body([W.echo("oo", mid: "oo-echo", at: t0.addingTimeInterval(30))]))
            try harness.store(W.body([W.echo("oo", mid: "oo-late", at: t0.addingTimeInterval(120))]))
            try harness.drain()
            #expect(try harness.messageStatus(mid: "oo-echo") == "seen")
            #expect(try harness.messageStatus(mid: "oo-late") == "sent")
        }
    }
}
