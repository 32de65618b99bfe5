import Foundation
import Messenger
import TestSupport
import Testing

@Suite("POST /{page}/subscribed_apps: URL and outcomes")
struct GraphPageSubscriptionTests {
    private func fixture(_ name: String) throws -> (status: Int, body: [UInt8]) {
        let url = RepositoryPaths.fixtures.appendingPathComponent("graph/\(name).json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let body = try JSONSerialization.data(withJSONObject: try #require(object["body"]))
        return (try #require(object["http_status"] as? Int), Array(body))
    }

    static let six =
        "messages,messaging_postbacks,message_deliveries,message_reads,message_echoes,message_reactions"

    @Test func theURLNamesThePageTheSixFieldsTheTokenAndTheProof() {
        let url = GraphPageSubscription.url(
            graphBaseURL: "https://graph.facebook.com/", version: "/v25.0", pageID: "104857600012345",
            accessToken: "a b+c", appSecret: Array("secret".utf8))
        let proof = GraphSendRequest.appSecretProof(accessToken: "a b+c", appSecret: Array("secret".utf8))
        #expect(
            url == "https://graph.facebook.com/v25.0/104857600012345/subscribed_apps?access_token=a%20b%2Bc"
                + "&appsecret_proof=\(proof)&subscribed_fields=\(Self.six)")
        #expect(GraphPageSubscription.fields.joined(separator: ",") == Self.six)
        let unsigned = GraphPageSubscription.url(
            graphBaseURL: "http://127.0.0.1:9", version: "v25.0", pageID: "1/2", accessToken: "t", appSecret: nil,
            fields: ["messages"])
        #expect(unsigned == "http://127.0.0.1:9/v25.0/1%2F2/subscribed_apps?access_token=t&subscribed_fields=messages")
    }

    @Test func successTrueIsSubscribedToTheFieldsAskedFor() throws {
        let answer = try fixture("subscribe-ok")
        #expect(
            GraphPageSubscription.outcome(httpStatus: answer.status, body: answer.body)
                == .subscribed(fields: GraphPageSubscription.fields))
        #expect(
            GraphPageSubscription.outcome(httpStatus: 200, body: Array(#"{"success":true}"#.utf8), fields: ["messages"])
                == .subscribed(fields: ["messages"]))
    }

    @Test(
        "a 2xx without success: true is a failure, not retried",
        arguments: [#"{"success":false}"#, "{}", "ok", #"{"success":"true"}"#])
    func withoutSuccess(_ body: String) throws {
        let failure = try #require(GraphPageSubscription.outcome(httpStatus: 200, body: Array(body.utf8)).failure)
        #expect(failure.reason == .unknown && !failure.isTransient)
        #expect(failure.detail.contains("success"))
    }

    @Test func thePermissionErrorIsPermanentWithGraphsMessage() throws {
        let answer = try fixture("permission-denied")
        #expect(answer.status == 403)
        let failure = try #require(GraphPageSubscription.outcome(httpStatus: answer.status, body: answer.body).failure)
        #expect(failure.code == 200 && failure.subcode == nil)
        #expect(!failure.isTransient)
        #expect(failure.reason == .unknown)
        #expect(failure.detail == "(#200) Requires pages_manage_metadata permission to manage the object")
    }

    @Test(arguments: ["token-expired", "token-password-changed", "token-permissions-revoked"])
    func tokenErrorsAreTokenExpired(_ name: String) throws {
        let answer = try fixture(name)
        let failure = try #require(GraphPageSubscription.outcome(httpStatus: answer.status, body: answer.body).failure)
        #expect(failure.reason == .tokenExpired && !failure.isTransient && failure.code == 190)
    }

    @Test("Graph's transient answers and codes 1, 2, 4, 17, 32, 613 are transient", arguments: [1, 2, 4, 17, 32, 613])
    func transientCodes(_ code: Int) {
        let body = #"{"error":{"message":"try later","type":"OAuthException","code":\#(code),"fbtrace_id":"x"}}"#
        let failure = GraphPageSubscription.outcome(httpStatus: 400, body: Array(body.utf8)).failure
        #expect(failure?.isTransient == true)
    }

    @Test func temporaryOutagesAndNoAnswerAreTransient() throws {
        let temporary = try fixture("temporary")
        #expect(
            GraphPageSubscription.outcome(httpStatus: temporary.status, body: temporary.body).failure?.isTransient
                == true)
        let unmarked = #"{"error":{"message":"odd","type":"OAuthException","code":12345,"is_transient":true}}"#
        #expect(GraphPageSubscription.outcome(httpStatus: 400, body: Array(unmarked.utf8)).failure?.isTransient == true)
        let page = GraphPageSubscription.outcome(httpStatus: 502, body: Array("<html>".utf8)).failure
        #expect(page?.isTransient == true && page?.reason == .graphUnavailable)
        let throttled = GraphPageSubscription.outcome(
            httpStatus: 429, body: [], headers: [("Retry-After", "30")]
        ).failure
        #expect(throttled?.isTransient == true && throttled?.retryAfter == .seconds(30))
        let none = try #require(GraphPageSubscription.unreachable(description: "refused", isTimeout: false).failure)
        #expect(none.isTransient && none.reason == .graphUnavailable && none.detail.contains("refused"))
        let late = try #require(GraphPageSubscription.unreachable(description: "after 10 s", isTimeout: true).failure)
        #expect(late.isTransient && late.detail.contains("in time"))
    }
}
