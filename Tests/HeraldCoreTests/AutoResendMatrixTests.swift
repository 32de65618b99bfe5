import Foundation
import HeraldCore
import Messenger
import Postgres
import TestSupport
import Testing

/// `HERALD_AUTO_RESEND_ON_REPLY`: when a customer writes, ingest requeues their failed messages
/// that `ResendPolicy` allows now. Every failure reason × a customer message written before or
/// after the failure: requeued exactly when the API would call the message resendable with a
/// `customer_active` rule (the only rule a customer's message can satisfy).
@Suite("Auto-resend on reply follows ResendPolicy for every reason")
struct AutoResendMatrixTests {
    @Test(
        "requeued exactly for outside_window and recipient_unavailable, and only when the customer wrote after the failure"
    )
    func matrix() async throws {
        try await TestDatabase.withSchema { schema in
            let harness = try IngestHarness(schema, autoResend: OutboundStore())
            let now = Date()
            try harness.connection.query(
                "INSERT INTO pages (id, name, access_token, connected_at) VALUES ($1, 'Shop', 'token'::bytea, $2)",
                [WebhookBuilder.page, now.addingTimeInterval(-7 * 86400)])
            var cell = 0
            for reason in FailureReason.allCases {
                for wroteAfterFailure in [false, true] {
                    cell += 1
                    let psid = "auto-\(cell)"
                    let failedAt = now.addingTimeInterval(-1800)
                    let id = try harness.connection.query(
                        """
                        INSERT INTO messages (page_id, psid, direction, author, content, status, failure_reason,
                                              failure_detail, failed_at, attempts)
                        VALUES ($1, $2, 'outbound', 'supporter', '{"text":"hi"}', 'failed', $3, 'x', $4, 1)
                        RETURNING id
                        """, [WebhookBuilder.page, psid, reason.rawValue, failedAt])[0].decode(0, as: Int64.self)
                    let writtenAt = failedAt.addingTimeInterval(wroteAfterFailure ? 600 : -600)
                    try harness.store(
                        WebhookBuilder.body([WebhookBuilder.message(psid, mid: "m_auto_\(cell)", at: writtenAt)]))
                    try harness.drain()
                    let status = try harness.connection.query("SELECT status FROM messages WHERE id = $1", [id])[0]
                        .decode(0, as: String.self)
                    let expected = wroteAfterFailure && [.outsideWindow, .recipientUnavailable].contains(reason)
                    #expect(
                        status == (expected ? "resend" : "failed"),
                        "\(reason.rawValue), wrote after: \(wroteAfterFailure)")
                    let resentBy = try harness.connection.query("SELECT resent_by FROM messages WHERE id = $1", [id])[0]
                        .decode(0, as: String?.self)
                    #expect(resentBy == (expected ? "system" : nil), "an auto-resend is Herald's: \(reason.rawValue)")
                    // The same message through the API's read model: resendable now in exactly these cases
                    // or for reasons a customer does not gate.
                    if status == "failed" {
                        let message = try #require(try ReadStore().message(id: id, now: now, on: harness.connection))
                        let gatedByCustomer = message.failure?.resendWhen == .customerActive
                        #expect(
                            !(message.failure?.resendable == true
                                && [.outsideWindow, .recipientUnavailable].contains(reason)))
                        #expect(gatedByCustomer == [.outsideWindow, .recipientUnavailable].contains(reason))
                    }
                }
            }
        }
    }
}
