import Curl
import FakeGraph
import Foundation
import TestSupport
import Testing

/// The `/_fake` controls that change Graph's answers while a test runs.
@Suite("fake-graph controls: allowed URLs and outages")
struct FakeGraphControlTests {
    @Test func anAllowedURLIsNoLongerBlockedWhileOthersStillAre() async throws {
        try await FakeGraphHarness.with { graph in
            let released = "https://shop.blocked.example/sale"
            let before = try await graph.send(to: "1", text: "see \(released)")
            #expect(before.status == 400)

            let allow = try await graph.post("/_fake/allowed-urls", body: #"{"url":"\#(released)"}"#)
            #expect(allow.status == 204)
            let after = try await graph.send(to: "1", text: "see \(released)")
            #expect(after.status == 200)
            // A message that also holds a URL still blocked keeps failing.
            let mixed = try await graph.send(to: "1", text: "\(released) and https://blocked.example/other")
            #expect(mixed.status == 400)
            #expect(String(decoding: mixed.body, as: UTF8.self).contains("1346003"))

            let listed = try await graph.get("/_fake/allowed-urls")
            #expect(String(decoding: listed.body, as: UTF8.self) == #"{"urls":["\#(released)"]}"#)
        }
    }

    @Test func anAllowBodyWithoutURLIsRefused() async throws {
        try await FakeGraphHarness.with { graph in
            let response = try await graph.post("/_fake/allowed-urls", body: #"{"link":"x"}"#)
            #expect(response.status == 400)
        }
    }

    @Test func anOutageAnswersEveryRequestWithTemporaryUntilItEnds() async throws {
        try await FakeGraphHarness.with { graph in
            #expect(try await graph.post("/_fake/outage?seconds=60", body: "").status == 204)
            let send = try await graph.send(to: "1")
            #expect(send.status == 500)
            #expect(String(decoding: send.body, as: UTF8.self).contains(#""is_transient":true"#))
            #expect(try await graph.get("/v25.0/me?access_token=page-token").status == 500)

            #expect(try await graph.delete("/_fake/outage").status == 204)
            #expect(try await graph.send(to: "1").status == 200)
        }
    }

    @Test func anOutageEndsByItself() async throws {
        try await FakeGraphHarness.with { graph in
            // While it lasts it answers 500 (the test above); here only that it ends on time.
            let started = try await graph.post("/_fake/outage?seconds=0.5", body: "")
            #expect(started.status == 204)
            try await waitUntil("the half-second outage ended", timeout: .seconds(5)) {
                try await graph.send(to: "1").status == 200
            }
        }
    }

    @Test func anOutageNeedsAValidLength() async throws {
        try await FakeGraphHarness.with { graph in
            let words = try await graph.post("/_fake/outage?seconds=soon", body: "")
            let missing = try await graph.post("/_fake/outage", body: "")
            #expect(words.status == 400)
            #expect(missing.status == 400)
        }
    }
}
