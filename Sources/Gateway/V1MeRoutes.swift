import Hummingbird

/// `GET /v1/me`: who the bearer token is, `{"type": "supporter", "id", "name"}` or
/// `{"type": "api"}` (the console shows the supporter's name from it).
struct V1MeRoutes: Sendable {
    func add<Context: RequestContext>(to group: RouterGroup<Context>) {
        group.get("me") { _, _ in try JSONResponse.make(try Caller.required().attribution) }
    }
}
