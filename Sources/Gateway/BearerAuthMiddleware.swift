import HTTPTypes
import Hummingbird

/// Lets a request through only with `Authorization: Bearer <token>` of its door; else 401
/// `unauthorized` (and 403 `forbidden` for a supporter's token at the admin door).
///
/// `/v1` takes the service token (`HERALD_API_TOKEN`, caller `api`) or a supporter's own token
/// (caller `supporter`), and runs the route with `Caller.current` set. `/admin` takes only the
/// admin token: a valid supporter token there is known but not enough (403); the API token or
/// any other is 401, as an unknown one is.
struct BearerAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    enum Door: Sendable {
        case v1
        case admin
    }

    let token: [UInt8]
    let door: Door
    let supporters: SupporterAuthenticator

    init(token: String, door: Door, supporters: SupporterAuthenticator) {
        self.token = Array(token.utf8)
        self.door = door
        self.supporters = supporters
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let presented = BearerToken.credentials(request.headers[.authorization]) else { throw Self.unauthorized }
        if BearerToken.matches(presented, token) {
            switch door {
            case .v1: return try await Caller.$current.withValue(.api) { try await next(request, context) }
            case .admin: return try await next(request, context)
            }
        }
        guard let identity = try await supporters.identify(presented) else { throw Self.unauthorized }
        switch door {
        case .v1:
            return try await Caller.$current.withValue(.supporter(identity)) { try await next(request, context) }
        case .admin:
            throw APIError(.forbidden, code: .forbidden, message: "a supporter's token does not open /admin")
        }
    }

    static var unauthorized: APIError {
        APIError(
            .unauthorized, code: .unauthorized, message: "a valid Authorization: Bearer token is required",
            headers: [.wwwAuthenticate: "Bearer"])
    }
}

/// Reading and comparing bearer tokens.
///
/// The comparison takes the same time wherever the first differing byte is, so a token cannot
/// be guessed byte by byte from response times. An empty configured token authorizes nothing:
/// a missing setting must lock the API, not open it.
enum BearerToken {
    /// The credentials of a `Bearer` authorization (the scheme is case-insensitive), else nil.
    static func credentials(_ header: String?) -> [UInt8]? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let credentials = parts[1].trimmingPrefix(while: { $0 == " " })
        return credentials.isEmpty ? nil : Array(credentials.utf8)
    }

    /// Constant-time equality whose running time depends only on the presented length.
    static func matches(_ presented: [UInt8], _ expected: [UInt8]) -> Bool {
        guard !expected.isEmpty else { return false }
        var difference: UInt8 = presented.count == expected.count ? 0 : 1
        for (index, byte) in presented.enumerated() {
            difference |= byte ^ expected[index % expected.count]
        }
        return difference == 0
    }
}
