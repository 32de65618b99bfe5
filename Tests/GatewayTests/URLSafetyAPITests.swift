import Curl
import Foundation
import Gateway
import Postgres
import TestSupport
import Testing

/// Outbound URL safety at POST: a URL field whose host is a non-public address literal, in any
/// spelling, is stored failed `invalid_format` "URL is not publicly reachable" (201, no send job),
/// like the other format rules. Nothing here connects to any of these addresses.
@Suite("POST …/messages: URLs that are not publicly reachable")
struct URLSafetyAPITests {
    static let detail = "URL is not publicly reachable"

    static let refused: [String] = [
        #"{"image":{"url":"http://127.0.0.1/a.png"}}"#,
        #"{"image":{"url":"http://169.254.169.254/latest/meta-data/"}}"#,
        #"{"image":{"url":"http://2130706433/a.png"}}"#,
        #"{"image":{"url":"http://[::ffff:127.0.0.1]:8080/a.png"}}"#,
        #"{"file":{"url":"http://[::1]:5432/"}}"#,
        #"{"file":{"url":"https://user@10.1.2.3/report.pdf","size_bytes":1200}}"#,
        #"{"file":{"url":"http://0x7f.1/f.zip"}}"#,
        #"{"file":{"url":"http://017700000001/f.zip"}}"#,
        #"{"file":{"url":"http://0.0.0.0:8080/f.zip"}}"#,
        #"{"carousel":{"elements":[{"title":"Shoe","image_url":"http://192.168.1.10/shoe.png"}]}}"#,
        #"{"carousel":{"elements":[{"title":"Shoe","image_url":"https://cdn.example.com/s.png","buttons":[{"type":"web_url","title":"Buy","url":"http://[fd00::1]/buy"}]}]}}"#,
        #"{"carousel":{"elements":[{"title":"Shoe","buttons":[{"type":"web_url","title":"Buy","url":"http://100.64.0.1/"}]}]}}"#,
    ]

    @Test(
        "a URL field whose host is a non-public literal is stored failed invalid_format, 201, no job",
        arguments: refused)
    func refusedAtPost(body: String) async throws {
        try await FormatRuleAPITests.posting(body) { response, schema in
            #expect(response.status == 201, "\(response.text)")
            let message = try SendAPITests.object(response)
            #expect(message["status"] as? String == "failed")
            let failure = try #require(message["failure"] as? [String: Any], "\(response.text)")
            #expect(failure["reason"] as? String == "invalid_format")
            #expect(failure["detail"] as? String == Self.detail)
            #expect(failure["resendable"] as? Bool == false)
            let connection = try schema.connect()
            #expect(try connection.query("SELECT count(*) FROM jobs")[0].decode(0, as: Int.self) == 0)
            let row = try connection.query("SELECT failure_reason, failure_detail FROM messages")[0]
            #expect(try row.decode(0, as: String.self) == "invalid_format")
            #expect(try row.decode(1, as: String.self) == Self.detail)
        }
    }

    @Test(
        "public literals, host names and links in text are queued: names are checked when the worker connects",
        arguments: [
            #"{"image":{"url":"https://cdn.example.com/a.png"}}"#, #"{"image":{"url":"http://8.8.8.8/a.png"}}"#,
            #"{"file":{"url":"http://localhost:5432/"}}"#, #"{"text":"see http://127.0.0.1/ and http://[::1]/"}"#,
            #"{"carousel":{"elements":[{"title":"Ask","buttons":[{"type":"postback","title":"Yes","payload":"http://127.0.0.1/"}]}]}}"#,
        ])
    func queued(body: String) async throws {
        try await FormatRuleAPITests.posting(body) { response, _ in
            #expect(response.status == 201, "\(response.text)")
            let message = try SendAPITests.object(response)
            #expect(message["status"] as? String == "queued", "\(response.text)")
        }
    }

    @Test("with HERALD_ALLOW_PRIVATE_URLS a loopback URL is queued")
    func allowedWhenPrivateAllowed() async throws {
        try await TestDatabase.withSchema { schema in
            try SendAPITests.connectPage(schema)
            try await TestGateway.with(database: schema.configuration, urlPolicy: .anyAddress) { gateway in
                let response = try await SendAPITests.post(gateway, #"{"image":{"url":"http://127.0.0.1:8080/a.png"}}"#)
                #expect(response.status == 201, "\(response.text)")
                #expect(try SendAPITests.object(response)["status"] as? String == "queued", "\(response.text)")
            }
        }
    }
}
