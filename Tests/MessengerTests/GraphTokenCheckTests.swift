import Foundation
import Messenger
import TestSupport
import Testing

@Suite("GET /me token check: URL and verdicts")
struct GraphTokenCheckTests {
    private func fixture(_ name: String) throws -> (status: Int, body: [UInt8]) {
        let url = RepositoryPaths.fixtures.appendingPathComponent("graph/\(name).json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let body = try JSONSerialization.data(withJSONObject: try #require(object["body"]))
        return (try #require(object["http_status"] as? Int), Array(body))
    }

    @Test func theURLAsksMeForIdAndNameWithTheProof() {
        let url = GraphTokenCheck.url(
            graphBaseURL: "https://graph.facebook.com/", version: "/v25.0", accessToken: "a b+c",
            appSecret: Array("secret".utf8))
        let proof = GraphSendRequest.appSecretProof(accessToken: "a b+c", appSecret: Array("secret".utf8))
        #expect(
            url == "https://graph.facebook.com/v25.0/me?access_token=a%20b%2Bc&appsecret_proof=\(proof)&fields=id,name")
        let unsigned = GraphTokenCheck.url(
            graphBaseURL: "http://127.0.0.1:9", version: "v25.0", accessToken: "t", appSecret: nil)
        #expect(unsigned == "http://127.0.0.1:9/v25.0/me?access_token=t&fields=id,name")
    }

    @Test func aPageAnswerIsAccepted() {
        let verdict = GraphTokenCheck.verdict(httpStatus: 200, body: Array(#"{"name":"Shop","id":"1048"}"#.utf8))
        #expect(verdict == .accepted(id: "1048", name: "Shop"))
    }

    @Test(arguments: ["token-expired", "token-password-changed", "token-permissions-revoked", "invalid-parameter"])
    func graphErrorsRejectTheToken(_ name: String) throws {
        let answer = try fixture(name)
        guard case .rejected(let failure) = GraphTokenCheck.verdict(httpStatus: answer.status, body: answer.body) else {
            Issue.record("\(name) should reject the token")
            return
        }
        #expect(failure.code != nil)
        if name.hasPrefix("token-") { #expect(failure.reason == .tokenExpired) }
    }

    @Test(arguments: ["temporary", "rate-limited"])
    func transientAnswersLeaveItUndecided(_ name: String) throws {
        let answer = try fixture(name)
        guard case .undecided = GraphTokenCheck.verdict(httpStatus: answer.status, body: answer.body) else {
            Issue.record("\(name) should leave the token undecided")
            return
        }
    }

    @Test func anOutagePageOrNoAnswerIsUndecided() {
        guard case .undecided(let page) = GraphTokenCheck.verdict(httpStatus: 502, body: Array("<html>".utf8)) else {
            Issue.record("a 502 page should be undecided")
            return
        }
        #expect(page.reason == .graphUnavailable)
        guard case .undecided(let network) = GraphTokenCheck.unreachable(description: "refused", isTimeout: false)
        else {
            Issue.record("no answer should be undecided")
            return
        }
        #expect(network.detail.contains("refused"))
    }
}
