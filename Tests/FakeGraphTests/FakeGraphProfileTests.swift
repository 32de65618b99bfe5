import Curl
import FakeGraph
import Foundation
import Messenger
import Testing

/// `GET /{version}/{psid}`, the User Profile API, over HTTP: scripted profiles, Graph's failures
/// (status, error JSON with code, subcode, type and fbtrace_id), and the recording.
@Suite("fake-graph User Profile API")
struct FakeGraphProfileTests {
    func profile(_ graph: FakeGraphHarness, _ psid: String, token: String = "page-token") async throws -> HTTPResponse {
        try await graph.get(
            "/v25.0/\(psid)?access_token=\(token)&appsecret_proof=abc&fields=first_name,last_name,profile_pic")
    }

    @Test func scriptedAndStandardProfiles() async throws {
        try await FakeGraphHarness.with { graph in
            let scripted = try await graph.post(
                "/_fake/profiles",
                body:
                    #"{"psid":"42","first_name":"Nguyễn","last_name":"Văn An","profile_pic":"https://cdn.example/42.jpg"}"#
            )
            #expect(scripted.status == 204)
            let response = try await profile(graph, "42")
            #expect(response.status == 200)
            #expect(
                response.text
                    == #"{"first_name":"Nguyễn","id":"42","last_name":"Văn An","profile_pic":"https://cdn.example/42.jpg"}"#
            )
            guard
                case .fetched(let fetched) = GraphUserProfile.outcome(httpStatus: response.status, body: response.body)
            else {
                Issue.record("not a profile: \(response.text)")
                return
            }
            #expect(fetched.name == "Nguyễn Văn An")

            let standard = try await profile(graph, "77")
            let standardBody = try FakeGraphHarness.object(standard)
            #expect(standardBody["first_name"] as? String == "User")
            #expect(standardBody["last_name"] as? String == "77")
            #expect((standardBody["profile_pic"] as? String)?.hasPrefix("https://") == true)
            let noPicture = try await profile(graph, "no-picture")
            #expect(noPicture.status == 200)
            #expect(try FakeGraphHarness.object(noPicture)["profile_pic"] == nil)

            let calls = graph.server.profileRequests()
            #expect(calls.map(\.psid) == ["42", "77", "no-picture"])
            #expect(calls.allSatisfy { $0.appsecretProof && $0.outcome == "ok" && $0.fields.count == 3 })
            #expect(calls.first?.tokenDigest == ReceivedSend.tokenDigest(of: "page-token"))
            // Profile calls are not sends.
            #expect(graph.server.requests().isEmpty)
            let listed = try await graph.get("/_fake/profile-requests")
            #expect(!listed.text.contains("page-token"))
        }
    }

    @Test(
        "failures answer as Graph does and classify as Herald expects",
        arguments: [
            ("profile-denied", "page-token", 403, 200, nil, "OAuthException", false, GraphFailureKind.unknown),
            ("no-profile", "page-token", 400, 100, 33, "GraphMethodException", false, .unknown),
            ("rate-limited", "page-token", 400, 613, nil, "OAuthException", true, .rateLimited),
            ("temporary", "page-token", 500, 2, nil, "OAuthException", true, .graphUnavailable),
            ("42", "expired-token", 400, 190, 463, "OAuthException", false, .tokenExpired),
        ] as [(String, String, Int, Int, Int?, String, Bool, GraphFailureKind)])
    func failures(
        psid: String, token: String, status: Int, code: Int, subcode: Int?, type: String, transient: Bool,
        reason: GraphFailureKind
    ) async throws {
        try await FakeGraphHarness.with { graph in
            let response = try await profile(graph, psid, token: token)
            #expect(response.status == status)
            let error = try #require(try FakeGraphHarness.object(response)["error"] as? [String: Any])
            #expect(error["code"] as? Int == code)
            #expect(error["error_subcode"] as? Int == subcode)
            #expect(error["type"] as? String == type)
            #expect(error["fbtrace_id"] is String)
            #expect((error["message"] as? String)?.isEmpty == false)
            let failure = try #require(
                GraphUserProfile.outcome(httpStatus: response.status, body: response.body).failure)
            #expect(failure.isTransient == transient)
            #expect(failure.reason == reason)
            if psid == "no-profile" { #expect((error["message"] as? String)?.contains("ID 'no-profile'") == true) }
        }
    }

    @Test func flakyPSIDsFailFirstThenAnswer() async throws {
        try await FakeGraphHarness.with { graph in
            var statuses: [Int] = []
            for _ in 0..<3 { statuses.append(try await profile(graph, "flaky-2").status) }
            #expect(statuses == [500, 500, 200])
            #expect(graph.server.profileRequests().map(\.outcome) == ["temporary", "temporary", "ok"])
        }
    }
}
