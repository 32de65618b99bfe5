import Curl
import Foundation
import Gateway
import Postgres
import TestSupport
import Testing

/// Every Messenger format rule end to end: real loopback HTTP into the gateway, real Postgres
/// behind it. A broken rule is a stored, failed, never-queued message; its boundary is sent.
@Suite("POST …/messages: each format rule through the HTTP API")
struct FormatRuleAPITests {

    /// One request body and what the gateway must answer for it.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var body: String
        /// `failure.reason` for a refused rule; the field path in the 400 message for a shape error.
        var expected: String
        /// A piece of `failure.detail`, so that each case is shown to hit its own rule and not
        /// another one that happens to share the reason.
        var detail: String
        var testDescription: String { name }

        init(_ name: String, _ body: String, _ expected: String, detail: String = "") {
            self.name = name
            self.body = body
            self.expected = expected
            self.detail = detail
        }
    }

    // MARK: - Bodies

    static func text(_ text: String) -> String { #"{"text":""# + text + #""}"# }

    static func carousel(_ elements: [String]) -> String {
        #"{"carousel":{"elements":["# + elements.joined(separator: ",") + "]}}"
    }

    /// An element that is valid on its own (title, subtitle and an image).
    static let card = #"{"title":"Card","subtitle":"Sub","image_url":"https://cdn.example.com/card.png"}"#

    static func card(buttons: [String]) -> String {
        #"{"title":"Card","buttons":["# + buttons.joined(separator: ",") + "]}"
    }

    static let webButton = #"{"type":"web_url","title":"Open","url":"https://shop.example/p/1"}"#
    static let postbackButton = #"{"type":"postback","title":"Yes","payload":"YES"}"#

    static func file(sizeBytes: Int) -> String {
        #"{"file":{"url":"https://cdn.example.com/manual.pdf","size_bytes":\#(sizeBytes)}}"#
    }

    // MARK: - Cases

    static let refused: [Case] = [
        Case("empty text", text(""), "invalid_format", detail: "text is empty"),
        Case("whitespace-only text", text(#" \n\t "#), "invalid_format", detail: "text is only whitespace"),
        Case(
            "text of 2001 characters", text(String(repeating: "a", count: 2001)), "invalid_format",
            detail: "text is 2001 characters"),
        Case("image without a url key", #"{"image":{}}"#, "invalid_format", detail: "image has no url"),
        Case("image with an empty url", #"{"image":{"url":""}}"#, "invalid_format", detail: "image has no url"),
        Case(
            "image with a non-http url", #"{"image":{"url":"ftp://cdn.example.com/a.png"}}"#, "invalid_format",
            detail: "image.url is not an absolute http(s) URL"),
        Case("file without a url key", #"{"file":{"size_bytes":10}}"#, "invalid_format", detail: "file has no url"),
        Case("file with a blank url", #"{"file":{"url":"  "}}"#, "invalid_format", detail: "file has no url"),
        Case("carousel with 0 elements", carousel([]), "invalid_format", detail: "carousel has no elements"),
        Case(
            "carousel without an elements key", #"{"carousel":{}}"#, "invalid_format",
            detail: "carousel has no elements"),
        Case(
            "carousel with 11 elements", carousel(Array(repeating: card, count: 11)), "invalid_format",
            detail: "carousel has 11 elements"),
        // The broken element is the second one: every element is checked, not only the first.
        Case(
            "element without a title", carousel([card, #"{"subtitle":"Sub"}"#]), "invalid_format",
            detail: "carousel.elements[1] has no title"),
        Case(
            "element with nothing but a title", carousel([#"{"title":"Only a title"}"#]), "invalid_format",
            detail: "carousel.elements[0] has no image_url and no button"),
        // The product's rule, stricter than Messenger's: a subtitle alone is not enough.
        Case(
            "element with a title and a subtitle only", carousel([card, #"{"title":"Card","subtitle":"Sub"}"#]),
            "invalid_format", detail: "carousel.elements[1] has no image_url and no button"),
        Case(
            "element title of 81 characters",
            carousel([#"{"title":""# + String(repeating: "t", count: 81) + #"","subtitle":"Sub"}"#]),
            "invalid_format", detail: "carousel.elements[0].title is 81 characters"),
        Case(
            "element subtitle of 81 characters",
            carousel([#"{"title":"Card","subtitle":""# + String(repeating: "s", count: 81) + #""}"#]),
            "invalid_format", detail: "carousel.elements[0].subtitle is 81 characters"),
        Case(
            "element with 4 buttons", carousel([card(buttons: Array(repeating: postbackButton, count: 4))]),
            "invalid_format", detail: "carousel.elements[0] has 4 buttons"),
        Case(
            "button without a type", carousel([card(buttons: [#"{"title":"Open","url":"https://shop.example"}"#])]),
            "invalid_format", detail: "carousel.elements[0].buttons[0] has no type"),
        Case(
            "web_url button without a url", carousel([card(buttons: [#"{"type":"web_url","title":"Open"}"#])]),
            "invalid_format", detail: "carousel.elements[0].buttons[0] is a web_url button without a url"),
        Case(
            "button without a title",
            carousel([card(buttons: [postbackButton, #"{"type":"postback","payload":"NO"}"#])]),
            "invalid_format", detail: "carousel.elements[0].buttons[1] has no title"),
        Case(
            "postback button without a payload", carousel([card(buttons: [#"{"type":"postback","title":"Yes"}"#])]),
            "invalid_format", detail: "carousel.elements[0].buttons[0] is a postback button without a payload"),
        Case(
            "file declaring 26,214,401 bytes (25 MiB + 1)", file(sizeBytes: 26_214_401), "file_too_large",
            detail: "file.size_bytes is 26214401 bytes"),
    ]

    /// The last value each limit allows.
    static let boundaries: [Case] = [
        Case("text of exactly 2000 characters", text(String(repeating: "a", count: 2000)), "queued"),
        // Counted in characters (Unicode scalars), not UTF-8 bytes: 2000 "é" are 4000 bytes.
        Case("text of 2000 two-byte characters", text(String(repeating: "é", count: 2000)), "queued"),
        Case("carousel with exactly 10 elements", carousel(Array(repeating: card, count: 10)), "queued"),
        Case("element with 3 buttons", carousel([card(buttons: [webButton, postbackButton, webButton])]), "queued"),
        Case(
            "element title and subtitle of exactly 80 characters",
            carousel([
                #"{"title":""# + String(repeating: "t", count: 80) + #"","subtitle":""#
                    + String(repeating: "s", count: 80) + #"","buttons":[\#(postbackButton)]}"#
            ]), "queued"),
        Case("file declaring exactly 26,214,400 bytes (25 MiB)", file(sizeBytes: 26_214_400), "queued"),
    ]

    /// Wrong JSON types: 400, nothing stored. SendAPITests covers not-JSON, non-objects, no kind,
    /// two kinds and a non-string text; these are the nested fields. `expected` is the field path
    /// the error message names.
    static let malformed: [Case] = [
        Case("image given as a string", #"{"image":"https://cdn.example.com/a.png"}"#, "image"),
        Case("image url given as a number", #"{"image":{"url":5}}"#, "image.url"),
        Case(
            "negative size_bytes", #"{"file":{"url":"https://cdn.example.com/a.pdf","size_bytes":-1}}"#,
            "file.size_bytes"),
        Case(
            "size_bytes given as a string", #"{"file":{"url":"https://cdn.example.com/a.pdf","size_bytes":"12"}}"#,
            "file.size_bytes"),
        Case("elements given as an object", #"{"carousel":{"elements":{}}}"#, "carousel.elements"),
        Case("element given as a string", #"{"carousel":{"elements":["Card"]}}"#, "carousel.elements[0]"),
        Case(
            "buttons given as an object", #"{"carousel":{"elements":[{"title":"Card","buttons":{}}]}}"#,
            "carousel.elements[0].buttons"),
        Case(
            "button title given as a number",
            #"{"carousel":{"elements":[{"title":"Card","buttons":[{"type":"postback","title":1,"payload":"P"}]}]}}"#,
            "carousel.elements[0].buttons[0].title"),
        Case("text null, so no content kind", #"{"text":null}"#, "exactly one of text, image, file, carousel"),
    ]

    // MARK: - Helpers

    func count(_ table: String, _ schema: TestSchema) throws -> Int {
        try schema.connect().query("SELECT count(*) FROM \(table)")[0].decode(0, as: Int.self)
    }

    // MARK: - Tests

    /// Posts `body` for the connected page on a fresh schema, then checks the answer and the rows.
    static func posting(_ body: String, _ check: (HTTPResponse, TestSchema) throws -> Void) async throws {
        try await TestDatabase.withSchema { schema in
            try SendAPITests.connectPage(schema)
            try await TestGateway.with(database: schema.configuration) { gateway in
                try check(try await SendAPITests.post(gateway, body), schema)
            }
        }
    }

    @Test(
        "a body breaking a format rule is stored as failed, never resendable, and queues no job",
        arguments: refused)
    func refusedByRule(_ rule: Case) async throws {
        try await Self.posting(rule.body) { response, schema in
            #expect(response.status == 201, "\(response.text)")
            let message = try SendAPITests.object(response)
            #expect(message["status"] as? String == "failed")
            #expect(message["display_status"] as? String == "failed")
            let failure = try #require(message["failure"] as? [String: Any], "\(response.text)")
            #expect(failure["reason"] as? String == rule.expected)
            #expect(failure["resendable"] as? Bool == false)
            #expect(failure["resend_when"] as? String == "never")
            let detail = try #require(failure["detail"] as? String)
            #expect(detail.contains(rule.detail), "detail: \(detail)")
            // Stored so the supporter sees it, but never handed to a send worker.
            #expect(try count("jobs", schema) == 0)
            let row = try #require(
                try schema.connect().query("SELECT id, status, failure_reason FROM messages").singleRow())
            #expect(try row.decode(0, as: Int.self) == message["id"] as? Int)
            #expect(try row.decode(1, as: String.self) == "failed")
            #expect(try row.decode(2, as: String?.self) == rule.expected)
        }
    }

    @Test("a body exactly at a limit is queued with one send job", arguments: boundaries)
    func acceptedAtBoundary(_ boundary: Case) async throws {
        try await Self.posting(boundary.body) { response, schema in
            #expect(response.status == 201, "\(response.text)")
            let message = try SendAPITests.object(response)
            #expect(message["status"] as? String == "queued", "\(response.text)")
            #expect(message["failure"] is NSNull, "\(response.text)")
            #expect(try count("messages", schema) == 1)
            let jobs = try schema.connect().query("SELECT kind, payload->>'message_id' FROM jobs")
            #expect(jobs.count == 1)
            let job = try #require(jobs.first)
            #expect(try job.decode(0, as: String.self) == "send_message")
            #expect(try job.decode(1, as: String.self) == String(message["id"] as? Int ?? 0))
        }
    }

    @Test("a nested field of the wrong JSON type is a 400 naming it, and nothing is stored", arguments: malformed)
    func malformedShape(_ shape: Case) async throws {
        try await Self.posting(shape.body) { response, schema in
            #expect(response.status == 400, "\(response.text)")
            #expect(response.errorCode == "invalid_message")
            let error = try #require(try SendAPITests.object(response)["error"] as? [String: Any])
            let text = try #require(error["message"] as? String)
            #expect(text.contains(shape.expected), "message: \(text)")
            #expect(try count("messages", schema) == 0)
            #expect(try count("jobs", schema) == 0)
        }
    }
}
