import FakeGraph
import Testing

@Suite("FakeGraphScenario: the choice, without a server")
struct FakeGraphScenarioTests {
    static let sendCases: [(recipient: String, expected: String)] = [
        ("1234567890", "ok"),
        ("blocked-url", "blocked-url"),
        ("outside-window", "outside-window"),
        ("outside-window:42", "outside-window"),
        ("user-unavailable", "user-unavailable"),
        ("no-user", "no-user"),
        ("rate-limited", "rate-limited"),
        ("temporary", "temporary"),
        ("too-large", "too-large"),
        ("invalid", "invalid"),
        ("type-mismatch", "type-mismatch"),
        ("user-request-limit", "user-request-limit"),
        ("http-500", "http-500"),
        ("flaky-3", "flaky-3"),
        ("flaky-0:a", "flaky-0"),
        // Only the keyword, or the keyword and ":suffix", selects a row.
        ("invalid-ish", "ok"),
        ("xoutside-window", "ok"),
        ("flaky-x", "ok"),
        ("flaky-1001", "ok"),
    ]

    @Test("a recipient selects its row", arguments: sendCases)
    func recipient(_ recipient: String, expected: String) {
        let scenario = FakeGraphScenario.forSend(.init(accessToken: "page-token", recipient: recipient))
        #expect(scenario.name == expected)
    }

    @Test(
        "a token selects its row, for sends and for /me",
        arguments: [
            (String?.none, "missing-token"), ("", "missing-token"), ("page-expired-1", "expired"),
            ("password", "password-changed"), ("revoked", "revoked"), ("page-token", "ok"),
        ])
    func token(_ token: String?, expected: String) {
        #expect(FakeGraphScenario.forToken(token).name == expected)
        #expect(
            FakeGraphScenario.forSend(.init(accessToken: token, recipient: "outside-window")).name
                == (expected == "ok" ? "outside-window" : expected))
    }

    @Test func urlsInContentAndAttachments() {
        func scenario(content: [String] = [], attachments: [String] = []) -> String {
            FakeGraphScenario.forSend(
                .init(accessToken: "t", recipient: "1", content: content, attachmentURLs: attachments)
            )
            .name
        }
        #expect(scenario(content: ["see https://blocked.example/x"]) == "blocked-url")
        #expect(scenario(content: ["https://ok.example/too-large"]) == "ok")
        #expect(scenario(attachments: ["https://cdn.example/too-large.mp4"]) == "too-large")
        #expect(
            scenario(content: ["https://blocked.example/a"], attachments: ["https://cdn.example/too-large"])
                == "blocked-url")
    }

    @Test func flakyFailsTheFirstNAttemptsThenSucceeds() {
        let scenario = FakeGraphScenario.forSend(.init(accessToken: "t", recipient: "flaky-2:order-9"))
        #expect(scenario.behaviour == .failFirst(count: 2, failure: .temporary))
        #expect((1...4).map { scenario.resolve(attempt: $0) } == [.temporary, .temporary, nil, nil])
        #expect(FakeGraphScenario.ok.resolve(attempt: 1) == nil)
    }

    @Test("canned bodies are the fixture bodies", arguments: FakeGraphFailure.fromFixtures)
    func bodyMatchesFixture(_ failure: FakeGraphFailure) throws {
        let fixture = try GraphFixture(failure.rawValue)
        #expect(failure.status == fixture.status)
        #expect(try GraphFixture.canonical(bytes: Array(failure.body.utf8)) == fixture.canonicalBody)
    }

    @Test func everyFixtureFileHasACannedAnswer() throws {
        // The two success answers are not failures.
        let names = try FileManagerNames.graphFixtures().filter { $0 != "send-ok" && $0 != "subscribe-ok" }
        #expect(Set(names) == Set(FakeGraphFailure.fromFixtures.map(\.rawValue)))
    }

    @Test func helpListsEveryRow() {
        for rule in FakeGraphScenario.table + FakeGraphScenario.subscriptionRows {
            #expect(FakeGraphScenario.helpText.contains(rule.triggers[0].description))
        }
        #expect(FakeGraphScenario.helpText.contains("code 190/463"))
        #expect(FakeGraphScenario.helpText.contains("subscribed_apps"))
        #expect(FakeGraphScenario.helpText.contains("403 permission-denied (code 200)"))
    }

    @Test(
        "a token selects the subscription's row; tokens of subscription rows pass GET /me",
        arguments: [
            (String?.none, "missing-token"), ("", "missing-token"), ("page-expired-1", "expired"),
            ("password", "password-changed"), ("revoked", "revoked"), ("page-token", "ok"),
            ("subscribe-denied:a", "subscribe-denied"), ("x-subscribe-190", "subscribe-190"),
            ("subscribe-flaky-3:b", "subscribe-flaky-3"), ("subscribe-flaky-x", "ok"), ("subscribe-flaky-1001", "ok"),
        ])
    func subscriptionToken(_ token: String?, expected: String) {
        #expect(FakeGraphScenario.forSubscription(token).name == expected)
        if expected.hasPrefix("subscribe-") {
            #expect(FakeGraphScenario.forToken(token) == .ok)
            #expect(FakeGraphScenario.forSend(.init(accessToken: token, recipient: "1")) == .ok)
        }
    }

    @Test func subscriptionsAnswerGraphsOwnErrorsForNoTokenAndTheFlakyCount() {
        #expect(FakeGraphScenario.forSubscription(nil).behaviour == .fail(.accessTokenRequired))
        #expect(FakeGraphScenario.forSubscription("subscribe-denied").behaviour == .fail(.permissionDenied))
        #expect(FakeGraphScenario.forSubscription("subscribe-190").behaviour == .fail(.tokenExpired))
        let flaky = FakeGraphScenario.forSubscription("t-subscribe-flaky-2")
        #expect((1...3).map { flaky.resolve(attempt: $0) } == [.temporary, .temporary, nil])
        #expect(FakeGraphFailure.permissionDenied.status == 403)
        #expect(FakeGraphFailure.accessTokenRequired.summary == "400 access-token-required (code 104)")
    }
}
