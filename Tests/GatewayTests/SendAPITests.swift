import Curl
import Foundation
import Gateway
import Postgres
import TestSupport
import Testing

@Suite("POST /v1/pages/{page_id}/customers/{psid}/messages")
struct SendAPITests {
    static let page = "104857600012345"

    static func post(
        _ gateway: TestGateway, _ body: String, page: String = page, psid: String = "c1", key: String? = nil
    )
        async throws -> HTTPResponse
    {
        var headers = [HTTPHeader(name: "Authorization", value: "Bearer \(TestGateway.apiToken)")]
        if let key { headers.append(HTTPHeader(name: "Idempotency-Key", value: key)) }
        return try await gateway.client.execute(
            .json(
                .post, url: gateway.url("/v1/pages/\(page)/customers/\(psid)/messages"), body: Array(body.utf8),
                headers: headers))
    }

    static func connectPage(_ schema: TestSchema) throws {
        try schema.connect().query(
            "INSERT INTO pages (id, name, access_token, connected_at) VALUES ($1, 'Shop', $2, now())",
            [page, Array("token".utf8)])
    }

    static func object(_ response: HTTPResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    @Test("a text is queued: 201 with the message, and its send job exists")
    func queued() async throws {
        try await TestDatabase.withSchema { schema in
            try Self.connectPage(schema)
            try await TestGateway.with(database: schema.configuration) { gateway in
                let response = try await Self.post(gateway, #"{"text":"Hello"}"#)
                #expect(response.status == 201, "\(response.text)")
                let message = try Self.object(response)
                #expect(message["status"] as? String == "queued")
                #expect(message["display_status"] as? String == "sending")
                #expect(message["author"] as? String == "supporter")
                #expect((message["content"] as? [String: Any])?["text"] as? String == "Hello")
                let jobs = try schema.connect().query(
                    "SELECT kind, ordering_key FROM jobs WHERE payload->>'message_id' = $1",
                    [String(message["id"] as? Int ?? 0)])
                #expect(try jobs.singleRow()?.decode(0, as: String.self) == "send_message")
                #expect(try jobs.singleRow()?.decode(1, as: String.self) == "\(Self.page)|c1")
            }
        }
    }

    @Test(
        "format rules store the message as failed with its reason and queue nothing",
        arguments: [
            (#"{"text":"   "}"#, "invalid_format"),
            (#"{"image":{}}"#, "invalid_format"),
            (#"{"carousel":{"elements":[]}}"#, "invalid_format"),
            (#"{"carousel":{"elements":[{"title":"Only a title"}]}}"#, "invalid_format"),
            (#"{"file":{"url":"https://x.example/a.zip","size_bytes":30000000}}"#, "file_too_large"),
        ])
    func formatRules(body: String, reason: String) async throws {
        try await TestDatabase.withSchema { schema in
            try Self.connectPage(schema)
            try await TestGateway.with(database: schema.configuration) { gateway in
                let response = try await Self.post(gateway, body)
                #expect(response.status == 201)
                let message = try Self.object(response)
                #expect(message["status"] as? String == "failed")
                let failure = try #require(message["failure"] as? [String: Any])
                #expect(failure["reason"] as? String == reason)
                #expect(failure["resendable"] as? Bool == false)
                #expect(failure["resend_when"] as? String == "never")
                #expect(try schema.connect().query("SELECT count(*) FROM jobs")[0].decode(0, as: Int.self) == 0)
            }
        }
    }

    @Test("bodies that are not one known shape get 400; an unconnected page gets 404")
    func refused() async throws {
        try await TestDatabase.withSchema { schema in
            try Self.connectPage(schema)
            try await TestGateway.with(database: schema.configuration) { gateway in
                for body in [
                    "not json", "[]", "{}", #"{"text":5}"#, #"{"text":"a","image":{"url":"https://x"}}"#,
                    #"{"video":{}}"#,
                ] {
                    let response = try await Self.post(gateway, body)
                    #expect(response.status == 400, "body \(body)")
                    #expect(response.errorCode == "invalid_message")
                }
                let unknownPage = try await Self.post(gateway, #"{"text":"hi"}"#, page: "999")
                #expect(unknownPage.status == 404)
                #expect(unknownPage.errorCode == "page_not_found")
                let unauthorized = try await gateway.client.execute(
                    .json(
                        .post, url: gateway.url("/v1/pages/\(Self.page)/customers/c1/messages"),
                        body: Array(#"{"text":"x"}"#.utf8)))
                #expect(unauthorized.status == 401)
                #expect(try schema.connect().query("SELECT count(*) FROM messages")[0].decode(0, as: Int.self) == 0)
            }
        }
    }

    @Test("the same Idempotency-Key returns the first message, again with 201, and queues one job")
    func idempotency() async throws {
        try await TestDatabase.withSchema { schema in
            try Self.connectPage(schema)
            try await TestGateway.with(database: schema.configuration) { gateway in
                let first = try await Self.post(gateway, #"{"text":"once"}"#, key: "abc")
                let second = try await Self.post(gateway, #"{"text":"once"}"#, key: "abc")
                #expect(first.status == 201)
                #expect(first.header("Idempotent-Replayed") == nil)
                #expect(second.status == 201)
                #expect(second.header("Idempotent-Replayed") == "true")
                #expect(try Self.object(first)["id"] as? Int == (try Self.object(second)["id"] as? Int))
                #expect(try schema.connect().query("SELECT count(*) FROM jobs")[0].decode(0, as: Int.self) == 1)
            }
        }
    }
}
