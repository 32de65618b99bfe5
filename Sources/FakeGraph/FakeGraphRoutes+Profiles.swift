import Foundation
import Hummingbird
import NIOCore

extension FakeGraphRoutes {
    /// `GET /{version}/{psid}?fields=…`: the User Profile API. The token first, then the PSID
    /// (``FakeGraphScenario/profileTable``); success answers the requested fields of the
    /// scripted (or standard) profile and `id`, as Graph does.
    func profile(_ request: Request, version: String, psid: String) async -> Response {
        let token = Self.accessToken(request.uri)
        let fields = (request.uri.queryParameters["fields"].map(String.init) ?? "").split(separator: ",").map(
            String.init)
        let scenario = recorder.inOutage() ? Self.outage : FakeGraphScenario.forProfile(accessToken: token, psid: psid)
        let attempt = if case .failFirst = scenario.behaviour { recorder.attempt(key: "profile|\(psid)") } else { 1 }
        let answer: FakeGraphAnswer
        if let failure = scenario.resolve(attempt: attempt) {
            var failed = FakeGraphAnswer.failure(failure, pageID: configuration.pageID)
            // Graph names the object it will not describe.
            if failure == .profileNotFound {
                failed.body = failed.body.replacingOccurrences(of: "ID '0'", with: "ID '\(psid)'")
            }
            answer = failed
        } else {
            answer = .json(profileBody(psid: psid, fields: fields))
        }
        recorder.profiles.record(
            ReceivedProfileCall(
                sequence: 0, version: version, psid: psid, fields: fields,
                appsecretProof: request.uri.queryParameters["appsecret_proof"] != nil,
                tokenDigest: token.map(ReceivedSend.tokenDigest(of:)), scenario: scenario.name,
                outcome: scenario.resolve(attempt: attempt)?.rawValue ?? "ok", status: answer.status))
        await applyLatency()
        return answer.response
    }

    /// The profile's requested fields (all three when `fields` is absent) and `id`, keys sorted.
    private func profileBody(psid: String, fields: [String]) -> String {
        let profile = recorder.profiles.profile(psid: psid)
        let wanted = Set(fields.isEmpty ? ["first_name", "last_name", "profile_pic"] : fields)
        var values: [String: String] = ["id": psid]
        if wanted.contains("first_name"), let value = profile.firstName { values["first_name"] = value }
        if wanted.contains("last_name"), let value = profile.lastName { values["last_name"] = value }
        let noPicture = psid.split(separator: ":", maxSplits: 1).first == "no-picture"
        if wanted.contains("profile_pic"), !noPicture, let value = profile.profilePic { values["profile_pic"] = value }
        let members = values.keys.sorted().map { "\(Self.quoted($0)):\(Self.quoted(values[$0]!))" }
        return "{" + members.joined(separator: ",") + "}"
    }

    /// `POST /_fake/profiles` `{"psid", "first_name"?, "last_name"?, "profile_pic"?}`: the profile
    /// Graph answers for that PSID from now on.
    func scriptProfile(_ request: Request) async throws -> Response {
        let buffer = try await request.body.collect(upTo: 64 * 1024)
        guard let profile = try? JSONDecoder().decode(ScriptedProfile.self, from: Data(buffer.readableBytesView)),
            !profile.psid.isEmpty
        else {
            return Response(
                status: .badRequest, headers: [.contentType: "application/json; charset=UTF-8"],
                body: .init(
                    byteBuffer: ByteBuffer(
                        string:
                            #"{"error":"body must be {\"psid\": \"...\", \"first_name\"?, \"last_name\"?, \"profile_pic\"?}"}"#
                    )))
        }
        recorder.profiles.script(profile)
        return Response(status: .noContent)
    }
}
