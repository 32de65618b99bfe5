import Foundation
import HeraldCore
import Hummingbird
import Logging
import Messenger
import NIOCore
import Postgres

/// `/admin/pages`: connect or reconnect a page (`PUT`), list pages (`GET`). Tokens go in, never out.
///
/// Added to the `/admin` group behind the admin token. With a `tokenChecker`, a new token is first
/// shown to Graph (`GET /me`): refused, or belonging to another page → 422 `token_rejected` and
/// nothing changes; Graph unreachable → the token is stored anyway (a bad one then shows as
/// `token_expired` on the first send) and a warning is logged.
///
/// With a `subscriber` (and a `store` with a `PageSubscription`), the stored page is then
/// subscribed to the app's webhooks: the connect transaction clears the page's subscription
/// fields and enqueues a `subscribe_page` job a minute out; the handler calls Graph itself (off
/// the event loop, on the client's threads) and records the answer, so the PUT answers with
/// `subscribed_fields` (or `subscription_error`) as Graph left them. A failed subscription never
/// fails the connect: a transient one is retried by the job with backoff, a refusal is kept.
struct AdminPageRoutes: Sendable {
    let pool: PostgresPool
    let clock: any HeraldClock
    let store: PageStore
    /// `HERALD_TOKEN_KEY`: tokens are sealed with it when set.
    let tokenKey: [UInt8]?
    let tokenChecker: (any PageTokenChecker)?
    let subscriber: (any PageSubscriber)?
    let logger: Logger

    static let maxBodyBytes = 64 * 1024

    /// The `PUT` body; decoding rejects wrong types (a number is not a boolean).
    private struct Body: Decodable {
        var accessToken: String?
        var name: String?
        var humanAgentEnabled: Bool?

        enum CodingKeys: String, CodingKey {
            case accessToken = "access_token"
            case name
            case humanAgentEnabled = "human_agent_enabled"
        }
    }

    func add<Context: RequestContext>(to group: RouterGroup<Context>) {
        group.put("pages/{page_id}") { request, context in try await connect(request, context) }
        group.get("pages") { _, _ in try await list() }
    }

    func connect(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let pageID = try context.parameters.segment("page_id")
        var connect = try await Self.body(of: request)
        connect.pageID = pageID
        if let tokenChecker {
            try await verify(&connect, with: tokenChecker)
        }
        let now = clock.now()
        var result = try await pool.api { [store, tokenKey, connect] in
            try store.connect(connect, key: tokenKey, now: now, on: $0)
        }
        if let subscriber, let target = result.subscription {
            result.page = await subscribe(target, with: subscriber) ?? result.page
        }
        return try JSONResponse.make(result)
    }

    /// Subscribes the just-connected page and records Graph's answer; the page as it is then, or
    /// nil when the answer could not be recorded (the job subscribes the page later).
    private func subscribe(_ target: PageSubscription.Target, with subscriber: any PageSubscriber) async
        -> PageResource?
    {
        var logger = self.logger
        logger[metadataKey: "herald.page.id"] = "\(target.pageID)"
        let outcome = await subscriber.subscribe(pageID: target.pageID, accessToken: target.accessToken)
        switch outcome {
        case .subscribed:
            logger.info("page subscribed to the app's webhooks")
        case .failed(let failure):
            logger.warning(
                failure.isTransient
                    ? "page subscription failed for now; a subscribe_page job retries it"
                    : "page subscription refused by Graph; reconnect the page once fixed",
                metadata: [
                    "herald.graph.code": "\(failure.code ?? 0)", "herald.failure.reason": "\(failure.reason.rawValue)",
                ])
        }
        do {
            let now = clock.now()
            return try await pool.withConnection { [store] in
                try store.settleSubscription(outcome, for: target, now: now, on: $0)
            }
        } catch {
            logger.warning(
                "page subscription not recorded; the subscribe_page job will subscribe the page",
                metadata: ["herald.error": "\(error)"])
            return nil
        }
    }

    /// Graph's word on the token: refusal is a 422; an accepted token names its page, which must be
    /// this one (and gives the page its name when the request has none).
    private func verify(_ connect: inout PageStore.Connect, with checker: any PageTokenChecker) async throws {
        var logger = self.logger
        logger[metadataKey: "herald.page.id"] = "\(connect.pageID)"
        switch await checker.check(accessToken: connect.accessToken) {
        case .accepted(let id, let name):
            if let id, id != connect.pageID {
                throw APIError(
                    .unprocessableContent, code: .tokenRejected,
                    message: "the access token belongs to page \(id), not \(connect.pageID)",
                    details: ["graph_page_id": .string(id)])
            }
            if connect.name == nil { connect.name = name }
        case .rejected(let failure):
            logger.notice("page token refused by Graph", metadata: ["herald.graph.code": "\(failure.code ?? 0)"])
            var details: [String: JSONValue] = ["reason": .string(failure.reason.rawValue)]
            if let code = failure.code { details["graph_code"] = .int(Int64(code)) }
            if let subcode = failure.subcode { details["graph_subcode"] = .int(Int64(subcode)) }
            throw APIError(
                .unprocessableContent, code: .tokenRejected,
                message: "Graph refused the access token: \(failure.detail)", details: details)
        case .undecided(let failure):
            logger.warning(
                "page token not checked: Graph gave no verdict; storing it",
                metadata: ["herald.graph.failure": "\(failure.reason.rawValue)"])
        }
    }

    func list() async throws -> Response {
        let pages = try await pool.api { [store] in try store.listPages(on: $0) }
        return try JSONResponse.make(["pages": pages])
    }

    /// The request body as a connection request (page id still empty), or a 400 `invalid_body`.
    static func body(of request: Request) async throws -> PageStore.Connect {
        let bytes = try await request.apiBody(upTo: maxBodyBytes)
        let decoded: Body
        do {
            decoded = try JSONDecoder().decode(Body.self, from: Data(bytes))
        } catch {
            throw APIError(
                .badRequest, code: .invalidBody,
                message: #"body must be {"access_token": string, "name"?: string, "human_agent_enabled"?: boolean}"#)
        }
        guard let token = decoded.accessToken, !token.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw APIError(.badRequest, code: .invalidBody, message: "access_token must be a non-empty string")
        }
        return PageStore.Connect(
            pageID: "", accessToken: token, name: decoded.name, humanAgentEnabled: decoded.humanAgentEnabled)
    }
}
