import Foundation
import HTTPTypes
import HeraldCore

/// The body of `POST /admin/webhook-events/retry`:
/// `{"state": "parked"|"processed"|"pending", "since"?: RFC 3339, "page_id"?: string}`.
///
/// Read strictly, every problem a 400 `invalid_body` naming the field: this retries in bulk, so a
/// misspelt filter (`"sinse"`) must not quietly widen the selection to every event of the state.
enum WebhookEventRetryBody {
    static let fields: Set<String> = ["state", "since", "page_id"]
    static let shape =
        #"body must be {"state": "parked"|"processed"|"pending", "since"?: RFC 3339 time, "page_id"?: string}"#

    static func selection(from bytes: [UInt8]) throws -> WebhookEventSelection {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw invalid(shape)
        }
        if let unknown = Set(object.keys).subtracting(fields).sorted().first {
            throw invalid("unknown field \"\(unknown)\"; \(shape)")
        }
        guard let stateText = object["state"] as? String else { throw invalid("state is required; \(shape)") }
        guard let state = WebhookEventState(rawValue: stateText) else {
            throw invalid("state must be one of \(WebhookEventState.names)")
        }
        var since: Date?
        if let value = present(object["since"]) {
            guard let text = value as? String, let date = RFC3339.date(from: text) else {
                throw invalid("since must be an RFC 3339 time such as 2026-11-26T08:00:00Z")
            }
            since = date
        }
        var pageID: String?
        if let value = present(object["page_id"]) {
            guard let text = value as? String, !text.isEmpty else {
                throw invalid("page_id must be a non-empty string")
            }
            pageID = text
        }
        return WebhookEventSelection(states: [state], since: since, pageID: pageID)
    }

    /// A field's value, nil when absent or JSON `null`.
    private static func present(_ value: Any?) -> Any? {
        guard let value, !(value is NSNull) else { return nil }
        return value
    }

    private static func invalid(_ message: String) -> APIError {
        APIError(.badRequest, code: .invalidBody, message: message)
    }
}
