import Foundation
import HeraldCore
import Hummingbird
import Postgres

/// `/admin/webhook-events`: the dead letters without SQL. List stored webhooks by state, read one
/// with its body exactly as received, and mark one or many pending again so a worker (woken by
/// NOTIFY) processes them; ingest is idempotent, so retrying a processed event is harmless. All
/// SQL is `WebhookEventStore`'s, shared with `herald replay`.
struct AdminWebhookEventRoutes: Sendable {
    let pool: PostgresPool
    let store = WebhookEventStore()

    static let maxBodyBytes = 64 * 1024

    func add<Context: RequestContext>(to group: RouterGroup<Context>) {
        group.get("webhook-events") { request, _ in try await list(request) }
        group.get("webhook-events/{id}") { _, context in try await event(context) }
        group.post("webhook-events/{id}/retry") { _, context in try await retry(context) }
        group.post("webhook-events/retry") { request, _ in try await retryMany(request) }
    }

    func list(_ request: Request) async throws -> Response {
        let paging = try V1Routes.paging(request)
        var state: WebhookEventState?
        if let raw = request.uri.queryParameters["state"].map(String.init) {
            guard let parsed = WebhookEventState(rawValue: raw) else {
                throw APIError(
                    .badRequest, code: .invalidParameter, message: "state must be one of \(WebhookEventState.names)")
            }
            state = parsed
        }
        let page = try await pool.api { [store, state] in try store.list(state: state, paging: paging, on: $0) }
        return try JSONResponse.make(page)
    }

    func event(_ context: some RequestContext) async throws -> Response {
        let id = try Self.id(context)
        let detail = try await pool.api { [store] in try store.event(id: id, on: $0) }
        guard let detail else { throw Self.notFound(id) }
        return try WebhookEventJSON.response(detail)
    }

    func retry(_ context: some RequestContext) async throws -> Response {
        let id = try Self.id(context)
        let event = try await pool.api { [store] connection in
            try connection.transaction { try store.retry(id: id, on: $0) }
        }
        guard let event else { throw Self.notFound(id) }
        return try JSONResponse.make(event)
    }

    func retryMany(_ request: Request) async throws -> Response {
        let bytes = try await request.apiBody(upTo: Self.maxBodyBytes)
        let selection = try WebhookEventRetryBody.selection(from: bytes)
        let count = try await pool.api { [store] connection in
            try connection.transaction { try store.retry(selection, on: $0) }
        }
        return try JSONResponse.make(["retried": count])
    }

    /// The `{id}` of the path: a positive integer, else a 400 `invalid_id`.
    static func id(_ context: some RequestContext) throws -> Int64 {
        try context.parameters.id(of: "webhook event")
    }

    static func notFound(_ id: Int64) -> APIError {
        APIError(.notFound, code: .webhookEventNotFound, message: "no stored webhook event with id \(id)")
    }
}
