import Foundation
import HeraldCore
import Hummingbird
import Messenger
import Postgres

/// `POST /v1/pages/{page_id}/customers/{psid}/actions`: a sender action (`mark_seen`,
/// `typing_on`, `typing_off`) for a customer, sent to Graph at once.
///
/// Best effort, as Messenger treats them: never stored as messages, never change a message's
/// status, never retried. `mark_seen` also records the supporter's read (the conversation list's
/// `unread`), even when the window is closed and Graph is not called.
struct V1ActionRoutes: Sendable {
    let pool: PostgresPool
    let clock: any HeraldClock
    let store: SenderActionStore
    /// Nil in a gateway built without Graph access: every action then answers 503.
    let sender: (any SenderActionSender)?
    let metrics: GatewayMetrics

    /// `{"action": "typing_on"}` and some room; nothing larger is an action.
    static let maxBodyBytes = 4 * 1024

    func add<Context: RequestContext>(to group: RouterGroup<Context>) {
        group.post("pages/{page_id}/customers/{psid}/actions") { request, context in
            try await act(request, context)
        }
    }

    func act(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let (pageID, psid) = try V1Routes.customerKey(context)
        let action = try Self.action(of: try await request.apiBody(upTo: Self.maxBodyBytes, what: "action body"))
        let now = clock.now()
        let target: SenderActionStore.Target
        do {
            target = try await pool.withConnection { [store] connection in
                let target = try store.target(pageID: pageID, psid: psid, now: now, on: connection)
                if action == .markSeen, target != .pageNotConnected {
                    try store.markSeen(pageID: pageID, psid: psid, at: now, on: connection)
                }
                return target
            }
        } catch let error as PostgresError where error.isUnavailable {
            throw APIError.unavailable(code: .databaseUnavailable, message: "the database cannot be reached")
        }
        let accessToken: String
        switch target {
        case .pageNotConnected:
            throw APIError(
                .notFound, code: .pageNotFound,
                message: "page \(pageID) is not connected; connect it with PUT /admin/pages/\(pageID)")
        case .tokenUnusable:
            metrics.senderAction(action.rawValue, outcome: "skipped_token_unusable")
            throw APIError(
                .conflict, code: .tokenExpired, message: "the page's access token expired; reconnect the page")
        case .outsideWindow(let closesAt):
            metrics.senderAction(action.rawValue, outcome: "skipped_outside_window")
            throw APIError(
                .conflict, code: .outsideWindow,
                message: closesAt.map { "the customer's 24-hour window closed at \(RFC3339.string(from: $0))" }
                    ?? "the customer has not written to the page, so no window is open",
                details: ["window_closes_at": closesAt.map { .string(RFC3339.string(from: $0)) } ?? .null])
        case .ready(let token):
            accessToken = token
        }
        guard let sender else {
            throw APIError.unavailable(code: .graphUnavailable, message: "this gateway cannot reach Graph")
        }
        let result = await sender.send(action, psid: psid, accessToken: accessToken)
        metrics.senderAction(action.rawValue, outcome: result.outcome)
        return try JSONResponse.make(ActionAnswer(action: action, result: result), status: .accepted)
    }

    /// The action named by a body `{"action": "…"}`, or a 400 naming what is wrong.
    static func action(of body: [UInt8]) throws -> SenderAction {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw APIError(
                .badRequest, code: .invalidAction, message: #"the body must be a JSON object {"action": "…"}"#)
        }
        guard let name = object["action"] as? String else {
            throw APIError(.badRequest, code: .invalidAction, message: "action must be a string")
        }
        guard let action = SenderAction(rawValue: name) else {
            throw APIError(
                .badRequest, code: .unknownAction,
                message: "action must be one of \(SenderAction.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return action
    }
}

/// The 202 answer: what was asked and what Graph said (`taken`, or a failure reason with Graph's
/// message). Nothing is retried either way.
struct ActionAnswer: Encodable {
    var action: SenderAction
    var result: SenderActionResult

    enum CodingKeys: String, CodingKey {
        case action, outcome, detail
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(action.rawValue, forKey: .action)
        try container.encode(result.outcome, forKey: .outcome)
        switch result {
        case .taken: try container.encodeNil(forKey: .detail)
        case .refused(let failure): try container.encode(failure.detail, forKey: .detail)
        }
    }
}
