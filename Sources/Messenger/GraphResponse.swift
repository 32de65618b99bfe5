/// Reads a Send API answer into an outcome.
///
/// Graph errors are classified on the JSON `error` object, not the HTTP status (Graph answers most
/// errors with 400, some with 500): first by `GraphErrorRule.table`; an error no rule covers is
/// `graph_unavailable` (transient) when Graph marked it `is_transient` or the status is 5xx, else
/// `unknown` with its code kept. Without a readable `error`: 2xx needs a `message_id` (else
/// `unknown`, not retried, since the message may have gone out), 5xx is `graph_unavailable`, 429 is
/// `rate_limited`, anything else `unknown`.
public enum GraphResponse {
    public static func classify(httpStatus: Int, body: [UInt8], headers: [(String, String)]) -> GraphSendOutcome {
        let root = GraphJSON.parse(body) as? [String: Any]
        let isServerError = (500...599).contains(httpStatus)

        if let error = root?["error"] as? [String: Any] {
            var failure = graphError(error, isServerError: isServerError)
            failure.httpStatus = httpStatus
            if failure.isTransient { failure.retryAfter = retryAfter(headers: headers) }
            return .failed(failure)
        }
        if (200...299).contains(httpStatus) {
            if let messageID = WebhookJSON.identifier(root?["message_id"]) {
                return .sent(messageID: messageID, recipientID: WebhookJSON.identifier(root?["recipient_id"]))
            }
            return .failed(
                GraphFailure(
                    reason: .unknown, isTransient: false,
                    detail: "Graph answered HTTP \(httpStatus) without a message_id; the message may have been sent",
                    httpStatus: httpStatus))
        }
        let failure: GraphFailure
        if isServerError {
            failure = GraphFailure(
                reason: .graphUnavailable, isTransient: true, detail: "Graph answered HTTP \(httpStatus)",
                retryAfter: retryAfter(headers: headers), httpStatus: httpStatus)
        } else if httpStatus == 429 {
            failure = GraphFailure(
                reason: .rateLimited, isTransient: true, detail: "Graph answered HTTP 429 (too many requests)",
                retryAfter: retryAfter(headers: headers), httpStatus: httpStatus)
        } else {
            failure = GraphFailure(
                reason: .unknown, isTransient: false,
                detail: "Graph answered HTTP \(httpStatus) without a Graph error", httpStatus: httpStatus)
        }
        return .failed(failure)
    }

    /// A call that got no HTTP answer (connection refused, reset, DNS, timeout): `graph_unavailable`,
    /// transient. After a timeout the message may have been delivered; the echo carrying Herald's id
    /// in `metadata` settles it.
    public static func networkFailure(description: String, isTimeout: Bool) -> GraphFailure {
        let detail =
            isTimeout
            ? "Graph did not answer in time (\(description)); the message may have been delivered, its echo will tell"
            : "Graph could not be reached (\(description))"
        return GraphFailure(reason: .graphUnavailable, isTransient: true, detail: detail)
    }

    private static func graphError(_ error: [String: Any], isServerError: Bool) -> GraphFailure {
        let code = GraphJSON.code(error["code"])
        let subcode = GraphJSON.code(error["error_subcode"])
        let message = WebhookJSON.text(error["message"]) ?? ""
        let userMessage = WebhookJSON.text(error["error_user_msg"]) ?? ""
        let detail =
            !OutboundContent.isBlank(message)
            ? message
            : !OutboundContent.isBlank(userMessage)
                ? userMessage
                : "Graph error " + (code.map(String.init) ?? "without a code") + (subcode.map { "/\($0)" } ?? "")
        let traceID = WebhookJSON.text(error["fbtrace_id"])

        if let code, let rule = GraphErrorRule.rule(code: code, subcode: subcode) {
            return GraphFailure(
                reason: rule.reason, isTransient: rule.isTransient, code: code, subcode: subcode, detail: detail,
                maxRetries: rule.maxRetries, traceID: traceID)
        }
        let transient = GraphJSON.isTrue(error["is_transient"]) || isServerError
        return GraphFailure(
            reason: transient ? .graphUnavailable : .unknown, isTransient: transient, code: code, subcode: subcode,
            detail: detail, traceID: traceID)
    }
}
