import HTTPTypes
import HeraldCore

/// Who a `/v1` request comes from, as `BearerAuthMiddleware` established it: a supporter's own
/// token, or the service token `HERALD_API_TOKEN` (an integration).
///
/// A task-local rather than a custom request context: the routes stay generic over any context,
/// and Hummingbird runs a route's handler inside its middleware's `next`, so the value is set for
/// exactly that request's handler (and what it captures, such as a stream's body).
enum Caller: Sendable, Hashable {
    case supporter(SupporterStore.Identity)
    case api

    @TaskLocal static var current: Caller?

    /// The caller of the request being handled; only routes behind the `/v1` middleware ask.
    static func required() throws -> Caller {
        guard let current else {
            throw APIError(
                .internalServerError, code: .internalError, message: "the request has no authenticated caller")
        }
        return current
    }

    /// Who a message this caller creates or resends is attributed to.
    var actor: MessageActor {
        switch self {
        case .supporter(let identity): .supporter(id: identity.id)
        case .api: .api
        }
    }

    /// `GET /v1/me`: the same shape as a message's `sent_by`.
    var attribution: MessageAttribution {
        switch self {
        case .supporter(let identity): .supporter(id: identity.id, name: identity.name)
        case .api: .api
        }
    }
}
