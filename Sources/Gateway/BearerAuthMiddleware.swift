import HTTPTypes
import Hummingbird

/// Lets a request through only with `Authorization: Bearer <token>`; else 401 `unauthorized`.
///
/// The comparison takes the same time wherever the first differing byte is, so the token cannot
/// be guessed byte by byte from response times. An empty configured token authorizes nothing:
/// a missing setting must lock the API, not open it.
struct BearerAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: [UInt8]

    init(token: String) {
        self.token = Array(token.utf8)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let presented = Self.bearerToken(request.headers[.authorization]), Self.matches(presented, token) else {
            throw APIError(
                .unauthorized, code: .unauthorized,
                message: "a valid Authorization: Bearer token is required",
                headers: [.wwwAuthenticate: "Bearer"])
        }
        return try await next(request, context)
    }

    /// The credentials of a `Bearer` authorization (the scheme is case-insensitive), else nil.
    static func bearerToken(_ header: String?) -> [UInt8]? {
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
