import Curl
import Foundation
import HeraldCore
import Postgres
import TestSupport
import Testing

/// What a supporter sees right after acting: the answer to `POST …/messages` and a resend's
/// status while its attempt is in flight, with real workers racing the gateway.
@Suite("Send answers and the Resend status, with workers running")
struct SendAnswerTests {
    @Test("POST …/messages answers the message as created, never a state a worker gave it after")
    func answerAsCreated() async throws {
        try await RecoveryStack.with { stack in
            #expect(try await stack.connectPage().status == 200)
            for customer in 0..<4 { try stack.customer("answer-\(customer)") }
            // The send workers claim each message within milliseconds of its commit; reading the
            // answer after the commit gave `sending` with an attempt about one time in eight.
            // Eight supporters at once keep the gateway busy between commit and read.
            // Each answer as "status/display_status/attempts".
            let client = stack.gateway.client
            let url = stack.gateway.url("/v1/pages/\(RecoveryStack.page)/customers")
            let auth = [HTTPHeader(name: "Authorization", value: "Bearer \(TestGateway.apiToken)")]
            let answers = try await withThrowingTaskGroup(of: [String].self) { group in
                for supporter in 0..<8 {
                    group.addTask {
                        var answers: [String] = []
                        for index in 0..<5 {
                            let body =
                                #"{"file":{"url":"https://cdn.example.com/\#(supporter)-\#(index).pdf","size_bytes":1000}}"#
                            let response = try await client.execute(
                                .json(
                                    .post, url: "\(url)/answer-\(supporter % 4)/messages", body: Array(body.utf8),
                                    headers: auth))
                            #expect(response.status == 201, "\(response.text)")
                            let json = response.json ?? [:]
                            answers.append(
                                "\(json["status"] ?? "-")/\(json["display_status"] ?? "-")/\(json["attempts"] ?? "-")")
                        }
                        return answers
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(answers.count == 40)
            #expect(answers.filter { $0 != "queued/sending/0" } == [])
            try await waitUntil("all 40 sent") {
                try stack.connection.query("SELECT count(*) FROM messages WHERE status = 'sent'")[0].decode(
                    0, as: Int.self) == 40
            }
        }
    }

    @Test("a resent message shows resend until it is sent, also while its attempt is in flight")
    func resendInFlight() async throws {
        var options = RecoveryStack.Options()
        options.graphLatency = .seconds(3)
        try await RecoveryStack.with(options) { stack in
            #expect(try await stack.connectPage().status == 200)
            try stack.customer("resend-1")
            let id = try stack.connection.query(
                """
                INSERT INTO messages (page_id, psid, direction, author, content, status, failure_reason,
                                      failure_detail, failed_at, attempts)
                VALUES ($1, 'resend-1', 'outbound', 'supporter', '{"text":"again"}', 'failed', 'graph_unavailable',
                        'Graph was down', now(), 1)
                RETURNING id
                """, [RecoveryStack.page])[0].decode(0, as: Int64.self)

            let resent = try await stack.api(.post, "/v1/messages/\(id)/resend")
            #expect(resent.status == 202, "\(resent.text)")
            #expect(resent.json?["display_status"] as? String == "resend")

            // In flight: the worker counted the attempt and fake-graph holds the call for 3 s.
            try await waitUntil("the resend's attempt started") {
                try stack.connection.query("SELECT attempts FROM messages WHERE id = $1", [id])[0]
                    .decode(0, as: Int.self) == 2
            }
            let inFlight = try await stack.api(.get, "/v1/messages/\(id)")
            #expect(inFlight.json?["status"] as? String == "resend", "\(inFlight.text)")
            #expect(inFlight.json?["display_status"] as? String == "resend", "\(inFlight.text)")
            #expect(inFlight.json?["sent_at"] is NSNull, "still in flight: \(inFlight.text)")

            try await stack.wait([id], until: "sent")
            let sent = try await stack.api(.get, "/v1/messages/\(id)")
            #expect(sent.json?["display_status"] as? String == "sent", "\(sent.text)")
            #expect(stack.sends(of: id).count == 1)
        }
    }
}
