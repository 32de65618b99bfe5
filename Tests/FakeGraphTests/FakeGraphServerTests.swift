import Curl
import FakeGraph
import Foundation
import Testing

@Suite("fake-graph over HTTP: sends, /me, latency, recording")
struct FakeGraphServerTests {
    @Test func successHasGraphsShapeAndUniqueIDs() async throws {
        let okKeys = try Set(FakeGraphHarness.objectKeys(fixture: "send-ok"))
        try await FakeGraphHarness.with { graph in
            var ids: Set<String> = []
            for index in 0..<20 {
                let page = index.isMultiple(of: 2) ? "me" : "100000000000001"
                let response = try await graph.send(
                    raw: FakeGraphHarness.textBody(recipient: "6543210987654321", text: "Hello \(index)"), page: page)
                #expect(response.status == 200)
                let body = try FakeGraphHarness.object(response)
                #expect(Set(body.keys) == okKeys)
                #expect(body["recipient_id"] as? String == "6543210987654321")
                let id = try #require(body["message_id"] as? String)
                #expect(id.hasPrefix("m_"))
                ids.insert(id)
            }
            #expect(ids.count == 20)
        }
    }

    @Test func messageIDsDifferAcrossServers() async throws {
        let first = try await FakeGraphHarness.with {
            try FakeGraphHarness.object(try await $0.send(to: "1"))["message_id"] as? String
        }
        let second = try await FakeGraphHarness.with {
            try FakeGraphHarness.object(try await $0.send(to: "1"))["message_id"] as? String
        }
        #expect(first != nil && first != second)
    }

    @Test func senderActionsAnswerWithoutAMessageID() async throws {
        try await FakeGraphHarness.with { graph in
            let response = try await graph.send(raw: #"{"recipient":{"id":"42"},"sender_action":"typing_on"}"#)
            #expect(response.status == 200)
            #expect(try FakeGraphHarness.object(response).keys.sorted() == ["recipient_id"])
        }
    }

    @Test func latencyIsApplied() async throws {
        try await FakeGraphHarness.with(.init(latency: .milliseconds(200))) { graph in
            let clock = ContinuousClock()
            let start = clock.now
            let sent = try await graph.send(to: "1")
            #expect(sent.status == 200)
            #expect(clock.now - start >= .milliseconds(150))
            let meStart = clock.now
            let me = try await graph.get("/v25.0/me?access_token=page-token")
            #expect(me.status == 200)
            #expect(clock.now - meStart >= .milliseconds(150))
        }
    }

    @Test func meDescribesThePageOrRejectsTheToken() async throws {
        try await FakeGraphHarness.with(.init(pageID: "555", pageName: "Fake Page")) { graph in
            let ok = try await graph.get("/v25.0/me?access_token=page-token")
            #expect(ok.status == 200)
            let page = try FakeGraphHarness.object(ok)
            #expect(page["id"] as? String == "555" && page["name"] as? String == "Fake Page")

            let expired = try await graph.get("/v26.0/me?access_token=expired")
            let fixture = try GraphFixture("token-expired")
            #expect(expired.status == fixture.status)
            #expect(try GraphFixture.canonical(bytes: expired.body) == fixture.canonicalBody)

            let missing = try await graph.get("/v25.0/me")
            #expect(missing.status == 400)
            #expect(try GraphErrorFields(bytes: missing.body).code == 2500)
            // /me calls are not sends.
            #expect(graph.server.requests().isEmpty)
        }
    }

    @Test func recordsSendsWithoutTokens() async throws {
        try await FakeGraphHarness.with { graph in
            _ = try await graph.send(raw: FakeGraphHarness.textBody(recipient: "42", text: "Hi", metadata: "herald-7"))
            _ = try await graph.send(to: "outside-window")
            _ = try await graph.send(
                raw: FakeGraphHarness.textBody(recipient: "43", text: "x"), token: "page-expired-XYZZY")
            _ = try await graph.send(
                raw: FakeGraphHarness.templateBody(recipient: "44", buttonURL: "https://ok.example"))

            let listed = try await graph.get("/_fake/requests")
            #expect(listed.status == 200)
            #expect(!listed.text.contains("page-token") && !listed.text.contains("XYZZY"))
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .millisecondsSince1970
            let sends = try decoder.decode([ReceivedSend].self, from: Data(listed.body))
            #expect(sends == graph.server.requests())
            #expect(sends.map(\.sequence) == [1, 2, 3, 4])
            #expect(sends.map(\.outcome) == ["ok", "outside-window", "token-expired", "ok"])
            #expect(sends.map(\.tokenScenario) == ["valid", "valid", "expired", "valid"])
            let first = try #require(sends.first)
            #expect(first.recipient == "42" && first.messagingType == "RESPONSE" && first.metadata == "herald-7")
            #expect(first.text == "Hi" && first.appsecretProof && first.messageID?.hasPrefix("m_") == true)
            #expect(sends[3].tag == "HUMAN_AGENT" && sends[3].attachmentType == "template")
            #expect(abs(first.time.timeIntervalSinceNow) < 60)

            let filtered = try await graph.get("/_fake/requests?recipient=outside-window")
            #expect(try decoder.decode([ReceivedSend].self, from: Data(filtered.body)).count == 1)

            let stats = try JSONDecoder().decode(
                FakeGraphStats.self, from: Data(try await graph.get("/_fake/stats").body))
            #expect(
                stats
                    == FakeGraphStats(
                        total: 4, byOutcome: ["ok": 2, "outside-window": 1, "token-expired": 1], recorded: 4))

            #expect(try await graph.delete("/_fake/requests").status == 204)
            #expect(graph.server.requests().isEmpty)
            #expect(graph.server.stats() == FakeGraphStats())
        }
    }

    @Test func recordingIsBounded() async throws {
        try await FakeGraphHarness.with(.init(maxRecordedRequests: 3)) { graph in
            for index in 1...5 { _ = try await graph.send(to: "r\(index)") }
            #expect(graph.server.requests().map(\.recipient) == ["r3", "r4", "r5"])
            #expect(graph.server.requests().map(\.sequence) == [3, 4, 5])
            #expect(graph.server.stats().total == 5)
        }
    }

    static let malformed: [(body: String, failure: FakeGraphFailure)] = [
        ("not json", .malformedBody),
        ("[]", .malformedBody),
        ("", .malformedBody),
        (#"{"recipient":{"id":12}}"#, .malformedBody),
        ("{}", .missingRecipient),
        (#"{"recipient":{},"message":{"text":"hi"}}"#, .missingRecipient),
        (#"{"recipient":{"id":"1"},"messaging_type":"RESPONSE"}"#, .missingMessage),
        (#"{"recipient":{"id":"1"},"message":{}}"#, .emptyMessage),
        (FakeGraphHarness.textBody(recipient: "1", text: String(repeating: "é", count: 2001)), .textTooLong),
        // 286 family emoji: 286 characters on screen, 2002 code points, which is what counts.
        (FakeGraphHarness.textBody(recipient: "1", text: String(repeating: "👨‍👩‍👧‍👦", count: 286)), .textTooLong),
        (
            FakeGraphHarness.textBody(recipient: "1", text: "hi", metadata: String(repeating: "x", count: 1001)),
            .metadataTooLong
        ),
    ]

    @Test("malformed bodies get Graph's code 100", arguments: malformed)
    func malformedBodies(_ body: String, failure: FakeGraphFailure) async throws {
        try await FakeGraphHarness.with { graph in
            let response = try await graph.send(raw: body)
            #expect(response.status == 400)
            let error = try GraphErrorFields(bytes: response.body)
            #expect(error.code == 100 && error.type == "OAuthException")
            #expect(response.text == failure.body)
            #expect(graph.server.requests().map(\.outcome) == [failure.rawValue])
        }
    }

    @Test func textOfExactly2000CharactersIsAccepted() async throws {
        try await FakeGraphHarness.with { graph in
            let response = try await graph.send(to: "1", text: String(repeating: "é", count: 2000))
            #expect(response.status == 200)
        }
    }

    @Test func portZeroPicksDistinctFreePorts() async throws {
        let first = try await FakeGraphServer.start(logger: FakeGraphHarness.logger)
        let second = try await FakeGraphServer.start(logger: FakeGraphHarness.logger)
        #expect(first.port > 0 && second.port > 0 && first.port != second.port)
        #expect(first.baseURL == "http://127.0.0.1:\(first.port)")
        await first.stop()
        await second.stop()
        await second.stop()
        // A stopped server no longer answers.
        await #expect(throws: CurlError.self) {
            _ = try await FakeGraphHarness.client.execute(HTTPRequest(url: first.baseURL + "/_fake/stats"))
        }
    }

    @Test func aTakenPortFailsToStart() async throws {
        try await FakeGraphHarness.with { graph in
            await #expect(throws: (any Error).self) {
                _ = try await FakeGraphServer.start(
                    configuration: .init(port: graph.server.port), logger: FakeGraphHarness.logger)
            }
        }
    }
}
