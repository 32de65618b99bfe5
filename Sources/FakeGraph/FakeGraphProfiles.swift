import Foundation
import Synchronization

/// A profile `fake-graph` answers for a PSID (`POST /_fake/profiles`).
public struct ScriptedProfile: Sendable, Hashable, Codable {
    public var psid: String
    public var firstName: String?
    public var lastName: String?
    public var profilePic: String?

    public init(psid: String, firstName: String?, lastName: String?, profilePic: String?) {
        self.psid = psid
        self.firstName = firstName
        self.lastName = lastName
        self.profilePic = profilePic
    }

    /// What an unscripted PSID gets: `User` and the PSID, and a picture URL shaped like Graph's CDN.
    static func standard(psid: String) -> ScriptedProfile {
        ScriptedProfile(
            psid: psid, firstName: "User", lastName: psid,
            profilePic: "https://platform-lookaside.fbsbx.com/platform/profilepic/?psid=\(psid)&height=50&width=50")
    }

    enum CodingKeys: String, CodingKey {
        case psid
        case firstName = "first_name"
        case lastName = "last_name"
        case profilePic = "profile_pic"
    }
}

/// One User Profile API call `fake-graph` received (`GET /_fake/profile-requests`). Kept apart
/// from sends, so tests counting sends are not disturbed by the profile jobs Herald runs.
public struct ReceivedProfileCall: Sendable, Hashable, Codable {
    public var sequence: Int
    public var version: String
    public var psid: String
    /// `fields`, split at commas.
    public var fields: [String]
    public var appsecretProof: Bool
    /// `ReceivedSend.tokenDigest(of:)` of the token; nil without one.
    public var tokenDigest: String?
    public var scenario: String
    /// `ok`, or the ``FakeGraphFailure`` raw value answered.
    public var outcome: String
    public var status: Int

    enum CodingKeys: String, CodingKey {
        case sequence, version, psid, fields, scenario, outcome, status
        case appsecretProof = "appsecret_proof"
        case tokenDigest = "token_digest"
    }
}

/// Scripted profiles and the profile calls received, behind one lock.
final class FakeGraphProfiles: Sendable {
    private struct State {
        var scripted: [String: ScriptedProfile] = [:]
        var calls: [ReceivedProfileCall] = []
        var sequence = 0
    }

    private let state = Mutex(State())
    /// Most calls kept (oldest dropped).
    static let capacity = 10_000

    func script(_ profile: ScriptedProfile) {
        state.withLock { $0.scripted[profile.psid] = profile }
    }

    /// The scripted profile, or the standard one.
    func profile(psid: String) -> ScriptedProfile {
        state.withLock { $0.scripted[psid] } ?? .standard(psid: psid)
    }

    func record(_ call: ReceivedProfileCall) {
        state.withLock { state in
            state.sequence += 1
            var call = call
            call.sequence = state.sequence
            if state.calls.count >= Self.capacity { state.calls.removeFirst(state.calls.count / 2) }
            state.calls.append(call)
        }
    }

    func calls() -> [ReceivedProfileCall] {
        state.withLock { $0.calls }
    }

    /// Forgets calls (scripted profiles stay).
    func clear() {
        state.withLock { $0.calls.removeAll() }
    }
}
