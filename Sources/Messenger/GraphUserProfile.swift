import Foundation

/// The User Profile API: `GET /{version}/{psid}?fields=first_name,last_name,profile_pic` with the
/// page's token, which Graph answers once the person has started the conversation. No I/O: builds
/// the URL and reads the answer.
public enum GraphUserProfile {
    /// The fields Herald asks for.
    public static let fields = ["first_name", "last_name", "profile_pic"]

    /// What Graph said about a person.
    public struct Profile: Sendable, Hashable {
        public var firstName: String?
        public var lastName: String?
        /// A CDN URL that expires after some days: refreshed with the rest, never kept for ever.
        public var profilePic: String?

        public init(firstName: String?, lastName: String?, profilePic: String?) {
            self.firstName = firstName
            self.lastName = lastName
            self.profilePic = profilePic
        }

        /// First and last name joined and trimmed; nil when both are missing or blank.
        public var name: String? {
            let joined = [firstName, lastName].compactMap { $0 }.joined(separator: " ")
            let trimmed = joined.trimmingCharacters(in: .whitespacesAndNewlines)
            return trimmed.isEmpty ? nil : trimmed
        }
    }

    /// How one call ended.
    public enum Outcome: Sendable, Hashable {
        case fetched(Profile)
        /// Classified as a send's failure (`GraphResponse.classify`): transient ones are worth a
        /// retry, a token error (`token_expired`) speaks for the whole page, the rest are refusals.
        case failed(GraphFailure)

        public var failure: GraphFailure? {
            if case .failed(let failure) = self { failure } else { nil }
        }
    }

    /// `{graphBaseURL}/{version}/{psid}?access_token=…&appsecret_proof=…&fields=first_name,last_name,profile_pic`.
    public static func url(
        graphBaseURL: String, version: String, psid: String, accessToken: String, appSecret: [UInt8]?
    )
        -> String
    {
        GraphSendRequest.url(
            graphBaseURL: graphBaseURL, version: version, path: GraphSendRequest.percentEncode(psid),
            accessToken: accessToken, appSecret: appSecret)
            + "&fields=" + fields.joined(separator: ",")
    }

    /// Reads Graph's answer. A 2xx without an error is a profile, even with fields missing (some
    /// people never give one: the PSID is shown then); errors are classified as a send's are.
    public static func outcome(httpStatus: Int, body: [UInt8], headers: [(String, String)] = []) -> Outcome {
        let root = GraphJSON.parse(body) as? [String: Any]
        if (200...299).contains(httpStatus), let root, root["error"] == nil {
            return .fetched(
                Profile(
                    firstName: nonBlank(root["first_name"]), lastName: nonBlank(root["last_name"]),
                    profilePic: nonBlank(root["profile_pic"])))
        }
        if (200...299).contains(httpStatus) {
            return .failed(
                GraphFailure(
                    reason: .unknown, isTransient: false, detail: "Graph answered HTTP \(httpStatus) without a profile",
                    httpStatus: httpStatus))
        }
        return .failed(
            GraphResponse.classify(httpStatus: httpStatus, body: body, headers: headers).failure
                ?? GraphFailure(reason: .unknown, isTransient: false, detail: "Graph answered HTTP \(httpStatus)"))
    }

    private static func nonBlank(_ value: Any?) -> String? {
        guard let text = WebhookJSON.text(value) else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }
}
