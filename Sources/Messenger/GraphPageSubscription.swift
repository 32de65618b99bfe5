import Foundation

/// Subscribing the app to a page's webhooks: `POST /{version}/{page-id}/subscribed_apps` with
/// `subscribed_fields` and the page token (docs/messenger.md, "Other Graph calls"). No I/O:
/// builds the URL and reads the answer.
///
/// A page sends webhooks only for fields subscribed at both app and page level, so a page Herald
/// connects stays silent until this call succeeds. Graph answers `{"success": true}`; errors are
/// the usual error object, classified by the Send API's table (`GraphResponse.classify`), so
/// codes 1, 2, 4, 17, 32, 613, `is_transient`, 5xx and network failures are transient, 190 is
/// `token_expired` and the permission error a page without `pages_manage_metadata` gets
/// (code 200, HTTP 403) is a permanent `unknown`.
public enum GraphPageSubscription {
    /// The fields Herald subscribes a page to: every webhook it processes
    /// (docs/messenger.md, "Webhooks").
    public static let fields = [
        "messages", "messaging_postbacks", "message_deliveries", "message_reads", "message_echoes", "message_reactions",
    ]

    /// How one subscription call ended.
    public enum Outcome: Sendable, Hashable {
        /// Graph answered `{"success": true}`: the page sends webhooks for `fields`.
        case subscribed(fields: [String])
        case failed(GraphFailure)

        public var failure: GraphFailure? {
            if case .failed(let failure) = self { failure } else { nil }
        }
    }

    /// `{graphBaseURL}/{version}/{pageID}/subscribed_apps?access_token=…&appsecret_proof=…&subscribed_fields=…`
    /// (`appsecret_proof` only with an app secret). POST it with an empty body.
    public static func url(
        graphBaseURL: String, version: String, pageID: String, accessToken: String, appSecret: [UInt8]?,
        fields: [String] = fields
    ) -> String {
        let path = "\(GraphSendRequest.percentEncode(pageID))/subscribed_apps"
        return GraphSendRequest.url(
            graphBaseURL: graphBaseURL, version: version, path: path, accessToken: accessToken, appSecret: appSecret)
            + "&subscribed_fields=" + fields.map(GraphSendRequest.percentEncode).joined(separator: ",")
    }

    /// Reads Graph's answer to the call that asked for `fields`.
    public static func outcome(
        httpStatus: Int, body: [UInt8], headers: [(String, String)] = [], fields: [String] = fields
    ) -> Outcome {
        let root = GraphJSON.parse(body) as? [String: Any]
        if (200...299).contains(httpStatus), root?["error"] == nil {
            if GraphJSON.isTrue(root?["success"]) { return .subscribed(fields: fields) }
            return .failed(
                GraphFailure(
                    reason: .unknown, isTransient: false,
                    detail: "Graph answered HTTP \(httpStatus) without \"success\": true", httpStatus: httpStatus))
        }
        // Not a 2xx, or a Graph error: classify never answers `.sent` then.
        return .failed(
            GraphResponse.classify(httpStatus: httpStatus, body: body, headers: headers).failure
                ?? GraphFailure(reason: .unknown, isTransient: false, detail: "Graph answered HTTP \(httpStatus)"))
    }

    /// A call that got no answer at all (connection refused, reset, DNS, timeout): transient.
    public static func unreachable(description: String, isTimeout: Bool) -> Outcome {
        let detail =
            isTimeout
            ? "Graph did not answer the subscription in time (\(description))"
            : "Graph could not be reached (\(description))"
        return .failed(GraphFailure(reason: .graphUnavailable, isTransient: true, detail: detail))
    }
}
