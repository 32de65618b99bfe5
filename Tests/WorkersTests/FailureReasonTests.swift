import FakeGraph
import Foundation
import HeraldCore
import JobQueue
import Messenger
import Postgres
import TestSupport
import Testing
import Workers

/// Every failure reason Graph can cause, end to end: a message through the real send pipeline
/// (OutboundStore → job → SendWorker → fake-graph → Postgres), then the message as `/v1` shows
/// it. Each case checks the status, the reason, Graph's code and subcode, `resendable` and
/// `resend_when` (docs/design.md's failure table and resend rules), and how many times Graph was
/// called (docs/messenger.md's retry column, the classifier's caps and the job's max attempts).
///
/// The reasons Herald finds before calling Graph are covered by SendPipelineTests.
@Suite("Failure reasons through fake-graph")
struct FailureReasonTests {
    /// The send job's attempts in these tests: above the classifier's cap for Graph's
    /// "unknown / temporary" codes (1 + `GraphErrorRule.temporaryErrorRetries` = 4 calls), so both
    /// that cap and the job's own limit show in the call counts.
    static let maxAttempts = 5

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        /// The page's access token: fake-graph picks the token scenarios from it.
        var token = "valid-token"
        /// The recipient: fake-graph picks most scenarios from its keyword.
        var psid: String
        var content = #"{"text":"hi"}"#
        /// The `FakeGraphFailure` fake-graph must have answered every call with (its `outcome`).
        var graphAnswer: FakeGraphFailure
        var reason: String
        var graphCode: Int?
        var graphSubcode: Int?
        /// docs/design.md's `resend_when` right after the failure; nil means resendable at once.
        var resendWhen: String?
        /// Send API calls before the message fails for good.
        var calls: Int
        /// How long Graph asked to wait (the usage header), when it did.
        var serverDelay: TimeInterval?

        var testDescription: String { name }
    }

    static let cases: [Case] = [
        // Throttling: retried with backoff up to the job's max attempts, Graph's wait honoured.
        Case(
            name: "rate_limited: 613 with a usage header", psid: "rate-limited:r1", graphAnswer: .rateLimited,
            reason: "rate_limited", graphCode: 613, calls: maxAttempts,
            serverDelay: TimeInterval(FakeGraphFailure.minutesToRegainAccess * 60)),
        Case(
            name: "rate_limited: 17/2446079 user request limit", psid: "user-request-limit:r2",
            graphAnswer: .userRequestLimit, reason: "rate_limited", graphCode: 17, graphSubcode: 2_446_079,
            calls: maxAttempts),
        // Graph unavailable: code 2 is capped at 3 retries; an HTML 500 has no Graph error, so no cap.
        Case(
            name: "graph_unavailable: code 2, transient, HTTP 500", psid: "temporary:g1", graphAnswer: .temporary,
            reason: "graph_unavailable", graphCode: 2, calls: 4),
        Case(
            name: "graph_unavailable: HTTP 500 with an HTML page", psid: "http-500:g2", graphAnswer: .http500,
            reason: "graph_unavailable", calls: maxAttempts),
        // Never resendable: a new message is needed.
        Case(
            name: "file_too_large: 100/2018109", psid: "f1",
            content: #"{"file":{"url":"https://cdn.example.com/too-large.pdf","size_bytes":1000}}"#,
            graphAnswer: .fileTooLarge, reason: "file_too_large", graphCode: 100, graphSubcode: 2_018_109,
            resendWhen: "never", calls: 1),
        Case(
            name: "invalid_format: 100/2018047 type mismatch", psid: "type-mismatch:i1", graphAnswer: .typeMismatch,
            reason: "invalid_format", graphCode: 100, graphSubcode: 2_018_047, resendWhen: "never", calls: 1),
        Case(
            name: "invalid_format: 100 without a subcode", psid: "invalid:i2", graphAnswer: .invalidParameter,
            reason: "invalid_format", graphCode: 100, resendWhen: "never", calls: 1),
        // Resendable once the customer writes again (they last wrote before the failure).
        Case(
            name: "outside_window: 10/2018278", psid: "outside-window:w1", graphAnswer: .outsideWindow,
            reason: "outside_window", graphCode: 10, graphSubcode: 2_018_278, resendWhen: "customer_active", calls: 1),
        Case(
            name: "recipient_unavailable: 551/1545041", psid: "user-unavailable:u1", graphAnswer: .userUnavailable,
            reason: "recipient_unavailable", graphCode: 551, graphSubcode: 1_545_041, resendWhen: "customer_active",
            calls: 1),
        Case(
            name: "recipient_unavailable: 100/2018001 no matching user", psid: "no-user:u2",
            graphAnswer: .noMatchingUser, reason: "recipient_unavailable", graphCode: 100, graphSubcode: 2_018_001,
            resendWhen: "customer_active", calls: 1),
        // Resendable once its URL is released.
        Case(
            name: "url_blacklisted: 368/1346003", psid: "b1",
            content: #"{"text":"deal at https://blocked.example/deal"}"#,
            graphAnswer: .blockedURL, reason: "url_blacklisted", graphCode: 368, graphSubcode: 1_346_003,
            resendWhen: "url_released", calls: 1),
        // Resendable once the page is reconnected.
        Case(
            name: "token_expired: 190/463 expired", token: "expired-token", psid: "t1", graphAnswer: .tokenExpired,
            reason: "token_expired", graphCode: 190, graphSubcode: 463, resendWhen: "page_reconnected", calls: 1),
        Case(
            name: "token_expired: 190/460 password changed", token: "password-changed-token", psid: "t2",
            graphAnswer: .tokenPasswordChanged, reason: "token_expired", graphCode: 190, graphSubcode: 460,
            resendWhen: "page_reconnected", calls: 1),
        Case(
            name: "token_expired: 190 permissions revoked", token: "revoked-token", psid: "t3",
            graphAnswer: .tokenPermissionsRevoked, reason: "token_expired", graphCode: 190,
            resendWhen: "page_reconnected", calls: 1),
        // A Graph error no rule covers: unknown, code kept, not retried, resendable at once. The only
        // one fake-graph can give is 2500 (no access token), from a page stored with an empty token.
        Case(
            name: "unknown: 2500 without an access token", token: "", psid: "k1", graphAnswer: .missingToken,
            reason: "unknown", graphCode: 2500, calls: 1),
    ]

    @Test(
        "a Graph refusal ends failed with its reason, Graph's codes, docs/design.md's resend rule and the right number of calls",
        arguments: cases)
    func failure(_ example: Case) async throws {
        try await SendPipelineTests.withPipeline(token: example.token, concurrency: 1) { pipeline in
            // The customer wrote an hour ago: the window is open, and that message predates the failure.
            try pipeline.addCustomer(example.psid, lastMessageAt: Date().addingTimeInterval(-3600))
            let id = try Self.send(example.content, to: example.psid, on: pipeline.connection)
            if let delay = example.serverDelay {
                try await Self.honoursServerDelay(delay, id: id, calls: example.calls, pipeline)
            }
            try await pipeline.waitForFinal([id])

            // The row.
            let state = try pipeline.status(id)
            #expect(state.status == "failed")
            #expect(state.reason == example.reason)

            // What fake-graph was asked and answered.
            let received = pipeline.graph.requests()
            #expect(received.count == example.calls)
            #expect(received.allSatisfy { $0.outcome == example.graphAnswer.rawValue }, "\(received.map(\.outcome))")
            #expect(received.allSatisfy { $0.metadata == "herald:\(id)" && $0.recipient == example.psid })

            // One history row per call: retries, then the failure.
            let history = try pipeline.connection.query(
                "SELECT outcome, graph_code, graph_subcode FROM message_attempts WHERE message_id = $1 ORDER BY id",
                [id])
            #expect(
                try history.map { try $0.decode(0, as: String.self) }
                    == Array(repeating: "retry:\(example.reason)", count: example.calls - 1) + [
                        "failed:\(example.reason)"
                    ])
            #expect(try history.allSatisfy { try $0.decode(1, as: Int?.self) == example.graphCode })
            #expect(try history.allSatisfy { try $0.decode(2, as: Int?.self) == example.graphSubcode })

            // The message as GET /v1/messages/{id} shows it.
            let resource = try #require(try ReadStore().message(id: id, now: Date(), on: pipeline.connection))
            let json = try #require(
                try JSONSerialization.jsonObject(with: JSONEncoder().encode(resource)) as? [String: Any])
            #expect(json["status"] as? String == "failed")
            #expect(json["display_status"] as? String == "failed")
            #expect(json["attempts"] as? Int == example.calls)
            let failure = try #require(json["failure"] as? [String: Any])
            #expect(
                Set(failure.keys) == ["reason", "detail", "graph_code", "graph_subcode", "resendable", "resend_when"])
            #expect(failure["reason"] as? String == example.reason)
            #expect((failure["detail"] as? String)?.isEmpty == false)
            #expect(Self.number(failure["graph_code"]) == example.graphCode)
            #expect(Self.number(failure["graph_subcode"]) == example.graphSubcode)
            #expect(failure["resendable"] as? Bool == (example.resendWhen == nil))
            if let resendWhen = example.resendWhen {
                #expect(failure["resend_when"] as? String == resendWhen)
            } else {
                #expect(failure["resend_when"] is NSNull, "resend_when: \(String(describing: failure["resend_when"]))")
            }
        }
    }

    /// A message with the suite's max attempts, as the send API stores it.
    static func send(_ content: String, to psid: String, on connection: PostgresConnection) throws -> Int64 {
        let outbound = try OutboundContent.decode(Array(content.utf8))
        #expect(outbound.formatViolation() == nil, "the content must reach Graph")
        let draft = OutboundStore.Draft(
            pageID: SendPipelineTests.page, psid: psid,
            content: PostgresJSON(bytes: Array(try JSONEncoder().encode(outbound))))
        let store = OutboundStore(maxAttempts: maxAttempts)
        switch try connection.transaction({ try store.create(draft, now: Date(), on: $0) }) {
        case .created(let id), .existing(let id): return id
        }
    }

    /// Graph asked to wait `delay` seconds: after each failed call the job must be due no earlier
    /// than that after the call, and no sooner call may come; then the test moves the job's
    /// `run_at` to now (time passing) so the attempts run out within the test.
    static func honoursServerDelay(
        _ delay: TimeInterval, id: Int64, calls: Int, _ pipeline: SendPipelineTests.Pipeline
    ) async throws {
        for call in 1..<calls {
            try await waitUntil("call \(call) recorded as a retry", timeout: .seconds(10)) {
                let job = try Self.job(of: id, pipeline.connection)
                return job.state == "retryable" && job.attempts == call && pipeline.graph.requests().count == call
            }
            let job = try Self.job(of: id, pipeline.connection)
            let last = try #require(pipeline.graph.requests().last)
            let wait = job.runAt.timeIntervalSince(last.time)
            // fake-graph rounds its times to the millisecond.
            #expect(wait >= delay - 0.001, "retry \(call) due \(wait) s after the call; Graph asked for \(delay) s")
            #expect(wait < delay + 60, "retry \(call) due \(wait) s after the call; Graph asked for \(delay) s")
            // While it waits the message is queued again, not failed.
            #expect(try pipeline.status(id).status == "queued")
            try pipeline.connection.query(
                "UPDATE jobs SET run_at = now() WHERE id = $1 AND state = 'retryable'", [job.id])
        }
    }

    static func job(of messageID: Int64, _ connection: PostgresConnection) throws
        -> (id: Int64, state: String, attempts: Int, runAt: Date)
    {
        let row = try connection.query(
            """
            SELECT id, state, attempts, run_at FROM jobs
            WHERE kind = 'send_message' AND (payload->>'message_id')::bigint = $1
            """, [messageID])[0]
        return (
            try row.decode(0, as: Int64.self), try row.decode(1, as: String.self), try row.decode(2, as: Int.self),
            try row.decode(3, as: Date.self)
        )
    }

    /// A JSON number as Int; nil for null (a missing key is caught by the key check).
    static func number(_ value: Any?) -> Int? {
        value is NSNull ? nil : (value as? NSNumber)?.intValue
    }
}
