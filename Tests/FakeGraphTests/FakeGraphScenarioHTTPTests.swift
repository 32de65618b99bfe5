import Curl
import FakeGraph
import Foundation
import Testing

/// One scripted request and the fixture it must be answered with.
struct ScriptedCase: Sendable, CustomTestStringConvertible {
    var label: String
    var body: String
    var token = "page-token"
    var fixture: String

    var testDescription: String { "\(label) → \(fixture)" }

    static let all: [ScriptedCase] = [
        ScriptedCase(
            label: "token expired", body: FakeGraphHarness.textBody(recipient: "1", text: "hi"), token: "expired",
            fixture: "token-expired"),
        ScriptedCase(
            label: "token password", body: FakeGraphHarness.textBody(recipient: "1", text: "hi"),
            token: "page-password-changed", fixture: "token-password-changed"),
        ScriptedCase(
            label: "token revoked", body: FakeGraphHarness.textBody(recipient: "1", text: "hi"), token: "revoked",
            fixture: "token-permissions-revoked"),
        ScriptedCase(label: "recipient blocked-url", body: text(to: "blocked-url"), fixture: "blocked-url"),
        ScriptedCase(
            label: "URL in text",
            body: FakeGraphHarness.textBody(recipient: "1", text: "see https://blocked.example/x"),
            fixture: "blocked-url"),
        ScriptedCase(
            label: "URL in attachment",
            body: FakeGraphHarness.attachmentBody(recipient: "1", url: "https://blocked.example/cat.png"),
            fixture: "blocked-url"),
        ScriptedCase(
            label: "URL in template button",
            body: FakeGraphHarness.templateBody(recipient: "1", buttonURL: "https://shop.blocked.example/p"),
            fixture: "blocked-url"),
        ScriptedCase(label: "recipient outside-window", body: text(to: "outside-window:7"), fixture: "outside-window"),
        ScriptedCase(
            label: "recipient user-unavailable", body: text(to: "user-unavailable"), fixture: "user-unavailable"),
        ScriptedCase(label: "recipient no-user", body: text(to: "no-user"), fixture: "no-matching-user"),
        ScriptedCase(label: "recipient rate-limited", body: text(to: "rate-limited"), fixture: "rate-limited"),
        ScriptedCase(label: "recipient temporary", body: text(to: "temporary"), fixture: "temporary"),
        ScriptedCase(label: "recipient too-large", body: text(to: "too-large"), fixture: "file-too-large"),
        ScriptedCase(
            label: "attachment URL too-large",
            body: FakeGraphHarness.attachmentBody(recipient: "1", url: "https://cdn.example/too-large.mp4"),
            fixture: "file-too-large"),
        ScriptedCase(label: "recipient invalid", body: text(to: "invalid"), fixture: "invalid-parameter"),
        ScriptedCase(label: "recipient type-mismatch", body: text(to: "type-mismatch"), fixture: "type-mismatch"),
        ScriptedCase(
            label: "recipient user-request-limit", body: text(to: "user-request-limit"), fixture: "user-request-limit"),
    ]

    private static func text(to recipient: String) -> String {
        FakeGraphHarness.textBody(recipient: recipient, text: "Hello")
    }
}

@Suite("fake-graph answers scripted failures exactly as the fixtures")
struct FakeGraphScenarioHTTPTests {
    @Test(arguments: ScriptedCase.all)
    func answersTheFixture(_ scripted: ScriptedCase) async throws {
        let fixture = try GraphFixture(scripted.fixture)
        try await FakeGraphHarness.with { graph in
            let response = try await graph.send(raw: scripted.body, token: scripted.token)
            #expect(response.status == fixture.status)
            #expect(response.header("Content-Type")?.hasPrefix("application/json") == true)
            #expect(try GraphErrorFields(bytes: response.body) == GraphErrorFields(fixture.error))
            #expect(try GraphFixture.canonical(bytes: response.body) == fixture.canonicalBody)
            #expect(graph.server.requests().map(\.outcome) == [scripted.fixture])
        }
    }

    @Test func rateLimitCarriesTheUsageHeader() async throws {
        try await FakeGraphHarness.with(.init(pageID: "777")) { graph in
            let response = try await graph.send(to: "rate-limited")
            let header = try #require(response.header("X-Business-Use-Case-Usage"))
            let usage = try JSONSerialization.jsonObject(with: Data(header.utf8)) as? [String: [[String: Any]]]
            let entry = try #require(usage?["777"]?.first)
            #expect(entry["estimated_time_to_regain_access"] as? Int == FakeGraphFailure.minutesToRegainAccess)
        }
    }

    @Test func http500AnswersHTMLNotJSON() async throws {
        try await FakeGraphHarness.with { graph in
            let response = try await graph.send(to: "http-500")
            #expect(response.status == 500)
            #expect(response.header("Content-Type")?.hasPrefix("text/html") == true)
            #expect((try? JSONSerialization.jsonObject(with: Data(response.body))) == nil)
        }
    }

    @Test func missingTokenIsCode2500() async throws {
        try await FakeGraphHarness.with { graph in
            for token in [String?.none, ""] {
                let response = try await graph.send(
                    raw: FakeGraphHarness.textBody(recipient: "1", text: "hi"), token: token)
                #expect(response.status == 400)
                let error = try GraphErrorFields(bytes: response.body)
                #expect(error == GraphErrorFields(["code": 2500, "type": "OAuthException"]))
                #expect(response.text.contains("An active access token must be used"))
            }
        }
    }

    @Test func flakyFailsNTimesPerRecipientThenSucceeds() async throws {
        try await FakeGraphHarness.with { graph in
            var statuses: [Int] = []
            for _ in 0..<5 { statuses.append(try await graph.send(to: "flaky-3").status) }
            #expect(statuses == [500, 500, 500, 200, 200])
            // Another recipient has its own count.
            #expect(try await graph.send(to: "flaky-3:other").status == 500)
            let transient = try GraphErrorFields(bytes: try await graph.send(to: "flaky-1:x").body)
            #expect(transient == GraphErrorFields(try GraphFixture("temporary").error))
            #expect(try await graph.send(to: "flaky-1:x").status == 200)
            // Clearing starts the counts over.
            #expect(try await graph.delete("/_fake/requests").status == 204)
            #expect(try await graph.send(to: "flaky-3").status == 500)
        }
    }
}
