import Foundation
import HeraldCore
import Hummingbird
import Postgres

/// `/admin/blocked-urls`: the URLs Graph refused as blocked (`GET`), and their release by an admin
/// (`POST /admin/blocked-urls/release`), which requeues the messages that waited only for them.
struct AdminBlockedURLRoutes: Sendable {
    let pool: PostgresPool
    let clock: any HeraldClock
    let blockedURLs: BlockedURLs

    static let maxBodyBytes = 64 * 1024

    private struct Body: Decodable {
        var url: String?
    }

    func add<Context: RequestContext>(to group: RouterGroup<Context>) {
        group.get("blocked-urls") { _, _ in try await list() }
        group.post("blocked-urls/release") { request, _ in try await release(request) }
    }

    func list() async throws -> Response {
        let urls = try await pool.api { [blockedURLs] in try blockedURLs.list(on: $0) }
        return try JSONResponse.make(["blocked_urls": urls])
    }

    func release(_ request: Request) async throws -> Response {
        let url = try await Self.url(of: request)
        let now = clock.now()
        let released = try await pool.api { [blockedURLs] connection in
            try connection.transaction { try blockedURLs.release(url, now: now, on: $0) }
        }
        guard let released else {
            throw APIError(.notFound, code: .urlNotBlocked, message: "this URL was never recorded as blocked")
        }
        return try JSONResponse.make(released)
    }

    /// The `url` of the body, or a 400 `invalid_body`.
    static func url(of request: Request) async throws -> String {
        let bytes = try await request.apiBody(upTo: maxBodyBytes)
        guard let body = try? JSONDecoder().decode(Body.self, from: Data(bytes)), let url = body.url,
            !url.trimmingCharacters(in: .whitespaces).isEmpty
        else {
            throw APIError(.badRequest, code: .invalidBody, message: #"body must be {"url": "<the blocked URL>"}"#)
        }
        return url
    }
}
