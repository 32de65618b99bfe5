import Foundation

/// Checking a page access token with `GET /{version}/me` before Herald stores it. No I/O: builds
/// the URL and reads the answer.
public enum GraphTokenCheck {
    /// What Graph's answer says about the token.
    public enum Verdict: Sendable, Hashable {
        /// Graph accepted the token; `/me` of a page token describes the page.
        case accepted(id: String?, name: String?)
        /// Graph refused it (expired, revoked, malformed…): storing it would only fail every send.
        case rejected(GraphFailure)
        /// No verdict (network error, outage, throttling): the token may be fine.
        case undecided(GraphFailure)
    }

    /// `{graphBaseURL}/{version}/me?access_token=…&appsecret_proof=…&fields=id,name`.
    public static func url(graphBaseURL: String, version: String, accessToken: String, appSecret: [UInt8]?) -> String {
        // The Send URL with its last path component replaced: same normalisation and encoding.
        let send = GraphSendRequest.url(
            graphBaseURL: graphBaseURL, version: version, accessToken: accessToken, appSecret: appSecret)
        return send.replacingFirst("/me/messages?", with: "/me?") + "&fields=id,name"
    }

    /// Reads an answer of `GET /me`. Graph errors are classified by the Send API's table, so a
    /// token error is `token_expired` and anything transient leaves the question open.
    public static func verdict(httpStatus: Int, body: [UInt8]) -> Verdict {
        let root = GraphJSON.parse(body) as? [String: Any]
        if (200...299).contains(httpStatus), root?["error"] == nil {
            return .accepted(id: WebhookJSON.identifier(root?["id"]), name: WebhookJSON.text(root?["name"]))
        }
        guard case .failed(let failure) = GraphResponse.classify(httpStatus: httpStatus, body: body, headers: []) else {
            return .undecided(
                GraphFailure(reason: .unknown, isTransient: true, detail: "Graph answered HTTP \(httpStatus)"))
        }
        return failure.isTransient ? .undecided(failure) : .rejected(failure)
    }

    /// A call that got no answer at all.
    public static func unreachable(description: String, isTimeout: Bool) -> Verdict {
        .undecided(GraphResponse.networkFailure(description: description, isTimeout: isTimeout))
    }
}

extension String {
    fileprivate func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
