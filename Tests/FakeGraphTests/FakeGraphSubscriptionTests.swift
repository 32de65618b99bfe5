import Curl
import FakeGraph
import Foundation
import Testing

/// `POST /{version}/{page}/subscribed_apps` over HTTP: Graph's answers, scripted failures by
/// token, and the recording.
@Suite("fake-graph subscribed_apps")
struct FakeGraphSubscriptionTests {
    static let six = "messages,messaging_postbacks,message_deliveries,message_reads,message_echoes,message_reactions"

    func subscribe(
        _ graph: FakeGraphHarness, page: String = "104857600012345", token: String? = "page-token",
        fields: String? = six, formBody: String? = nil
    ) async throws -> HTTPResponse {
        var query: [String] = []
        if let token { query.append("access_token=\(token)") }
        query.append("appsecret_proof=abc123")
        if let fields { query.append("subscribed_fields=\(fields)") }
        let url = "\(graph.server.baseURL)/v25.0/\(page)/subscribed_apps?" + query.joined(separator: "&")
        let headers =
            formBody == nil ? [] : [HTTPHeader(name: "Content-Type", value: "application/x-www-form-urlencoded")]
        return try await FakeGraphHarness.client.execute(
            HTTPRequest(method: .post, url: url, headers: headers, body: Array((formBody ?? "").utf8)))
    }

    @Test func successIsGraphsShapeAndIsRecordedWithoutTheToken() async throws {
        try await FakeGraphHarness.with { graph in
            let response = try await subscribe(graph, token: "EAAB-secret-XYZZY")
            #expect(response.status == 200)
            let fixture = try GraphFixture("subscribe-ok")
            #expect(try GraphFixture.canonical(bytes: response.body) == fixture.canonicalBody)

            let listed = try await graph.get("/_fake/requests?endpoint=subscribed_apps")
            #expect(!listed.text.contains("XYZZY"))
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .millisecondsSince1970
            let calls = try decoder.decode([ReceivedSend].self, from: Data(listed.body))
            #expect(calls == graph.server.subscriptions())
            let call = try #require(calls.first)
            #expect(calls.count == 1)
            #expect(call.endpoint == "subscribed_apps" && call.page == "104857600012345" && call.version == "v25.0")
            #expect(call.subscribedFields == Self.six.split(separator: ",").map(String.init))
            #expect(call.tokenScenario == "valid" && call.appsecretProof && call.outcome == "ok" && call.status == 200)
            #expect(call.recipient == nil && call.messageID == nil)
            #expect(call.tokenDigest == ReceivedSend.tokenDigest(of: "EAAB-secret-XYZZY"))
            #expect(call.tokenDigest != ReceivedSend.tokenDigest(of: "EAAB-secret-XYZZZ"))
            #expect(listed.text.contains(#""subscribed_fields":["messages","#))

            // Sends and subscriptions share the recording; each says which it was.
            _ = try await graph.send(to: "42")
            #expect(graph.server.requests().map(\.endpoint) == ["subscribed_apps", "messages"])
            let sends = try await graph.get("/_fake/requests?endpoint=messages")
            #expect(try decoder.decode([ReceivedSend].self, from: Data(sends.body)).map(\.recipient) == ["42"])
            #expect(graph.server.stats().total == 2)
        }
    }

    @Test func fieldsMayComeInAFormBody() async throws {
        try await FakeGraphHarness.with { graph in
            let response = try await subscribe(
                graph, fields: nil, formBody: "subscribed_fields=messages%2Cmessage_reads")
            #expect(response.status == 200, "\(response.text)")
            #expect(graph.server.subscriptions().first?.subscribedFields == ["messages", "message_reads"])
        }
    }

    @Test func theTokenIsCheckedFirstThenTheFields() async throws {
        try await FakeGraphHarness.with { graph in
            let noToken = try await subscribe(graph, token: nil, fields: nil)
            #expect(noToken.status == 400)
            #expect(try GraphErrorFields(bytes: noToken.body).code == 104)
            let expired = try await subscribe(graph, token: "page-expired-1", fields: nil)
            #expect(
                try GraphErrorFields(bytes: expired.body) == GraphErrorFields(try GraphFixture("token-expired").error))
            let noFields = try await subscribe(graph, fields: nil)
            #expect(noFields.status == 400)
            #expect(noFields.text == FakeGraphFailure.missingSubscribedFields.body)
            #expect(
                graph.server.subscriptions().map(\.outcome) == [
                    "access-token-required", "token-expired", "missing-subscribed-fields",
                ])
        }
    }

    @Test func aTokenWithoutPagesManageMetadataIsRefusedWithGraphs403() async throws {
        try await FakeGraphHarness.with { graph in
            let response = try await subscribe(graph, token: "subscribe-denied-1")
            let fixture = try GraphFixture("permission-denied")
            #expect(response.status == 403)
            #expect(try GraphFixture.canonical(bytes: response.body) == fixture.canonicalBody)
            let error = try GraphErrorFields(bytes: response.body)
            #expect(error.code == 200 && error.subcode == nil && error.type == "OAuthException")
            #expect(response.text.contains("fbtrace_id") && response.text.contains("pages_manage_metadata"))
            // GET /me accepts the same token: the refusal comes at the subscription.
            #expect(try await graph.get("/v25.0/me?access_token=subscribe-denied-1").status == 200)
        }
    }

    @Test func subscribe190AnswersAnExpiredToken() async throws {
        try await FakeGraphHarness.with { graph in
            let response = try await subscribe(graph, token: "subscribe-190")
            #expect(response.status == 400)
            #expect(try GraphErrorFields(bytes: response.body).code == 190)
            #expect(graph.server.subscriptions().first?.outcome == "token-expired")
        }
    }

    @Test func flakyTokensFailNTimesPerPageAndTokenThenSucceed() async throws {
        try await FakeGraphHarness.with { graph in
            var statuses: [Int] = []
            for _ in 0..<3 { statuses.append(try await subscribe(graph, token: "subscribe-flaky-2:a").status) }
            #expect(statuses == [500, 500, 200])
            let failed = try #require(graph.server.subscriptions().first)
            #expect(failed.outcome == "temporary" && failed.scenario == "subscribe-flaky-2")
            // Another token, or another page, counts from the start.
            #expect(try await subscribe(graph, token: "subscribe-flaky-2:b").status == 500)
            #expect(try await subscribe(graph, page: "2", token: "subscribe-flaky-2:a").status == 500)
            let temporary = try await subscribe(graph, token: "subscribe-flaky-1:c")
            #expect(
                try GraphErrorFields(bytes: temporary.body) == GraphErrorFields(try GraphFixture("temporary").error))
            // Clearing starts every count over.
            #expect(try await graph.delete("/_fake/requests").status == 204)
            #expect(try await subscribe(graph, token: "subscribe-flaky-2:a").status == 500)
        }
    }

    @Test func anOutageFailsSubscriptionsToo() async throws {
        try await FakeGraphHarness.with { graph in
            #expect(try await graph.post("/_fake/outage?seconds=60", body: "").status == 204)
            let response = try await subscribe(graph)
            #expect(response.status == 500)
            #expect(response.text.contains(#""is_transient":true"#))
        }
    }
}
