import Foundation
import HeraldCore
import Postgres
import TestSupport
import Testing

/// A captured delivery with `"timestamp": 0` once set `delivered_at` to 1970-01-01.
@Suite("Webhook ingest: an event time of 0 is unknown, not the epoch")
struct EventTimeIngestTests {
    @Test("the captured delivery with timestamp 0 records delivered_at at its watermark")
    func deliveryAtWatermark() async throws {
        try await TestDatabase.withSchema { schema in
            let harness = try IngestHarness(schema)
            let watermark = Date(timeIntervalSince1970: 1_764_140_461)
            let id = try harness.connection.query(
                """
                INSERT INTO messages (page_id, psid, mid, direction, author, content, status, sent_at, attempts)
                VALUES ($1, '6543210987654321', 'm_OUT42', 'outbound', 'supporter', '{"text":"hi"}', 'sent', $2, 1)
                RETURNING id
                """, [WebhookBuilder.page, watermark.addingTimeInterval(-1)])[0].decode(0, as: Int64.self)
            try harness.store(try WebhookFixtures.body("delivery-timestamp-zero.json"))
            let outcome = try harness.drain()
            #expect(outcome.parked == 0 && outcome.retried == 0)
            let row = try harness.connection.query(
                "SELECT status, extract(epoch FROM delivered_at)::float8 FROM messages WHERE id = $1", [id])[0]
            #expect(try row.decode(0, as: String.self) == "delivered")
            #expect(try row.decode(1, as: Double.self) == watermark.timeIntervalSince1970)
            let epochs = try harness.connection.query(
                "SELECT count(*) FROM messages WHERE delivered_at < '2000-01-01' OR seen_at < '2000-01-01'")
            #expect(try epochs[0].decode(0, as: Int.self) == 0)
        }
    }

    @Test("a customer message with timestamp 0 is active at the entry's time")
    func messageAtEntryTime() async throws {
        try await TestDatabase.withSchema { schema in
            let harness = try IngestHarness(schema)
            let entryTime = Date().addingTimeInterval(-600)
            let ms = Int64(entryTime.timeIntervalSince1970 * 1000)
            let body =
                #"{"object":"page","entry":[{"id":"\#(WebhookBuilder.page)","time":\#(ms),"messaging":[{"sender":{"id":"c0"},"recipient":{"id":"\#(WebhookBuilder.page)"},"timestamp":0,"message":{"mid":"m_zero","text":"hi"}}]}]}"#
            try harness.store(Array(body.utf8))
            try harness.drain()
            let customer = try #require(try harness.customer("c0"))
            let first = try #require(customer.firstActiveAt)
            let last = try #require(customer.lastActiveAt)
            #expect(abs(first.timeIntervalSince(entryTime)) < 0.001)
            #expect(abs(last.timeIntervalSince(entryTime)) < 0.001)
            #expect(customer.totalMessages == 1)
        }
    }
}
