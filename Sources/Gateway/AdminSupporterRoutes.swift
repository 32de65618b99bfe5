import Foundation
import HTTPTypes
import HeraldCore
import Hummingbird
import Messenger
import Postgres

/// `/admin/supporters`: supporter accounts. Create (201, the token shown once), list (never a
/// token), revoke (204) and rotate (200, the new token shown once).
///
/// A revoked supporter stays listed (their messages keep their name) but is gone for revoke and
/// rotate: both answer 404 `supporter_not_found` for it, as for an id that never existed, so
/// revoking twice is 404. Tokens take effect, or stop, on every replica within
/// `SupporterAuthenticator`'s cache time.
struct AdminSupporterRoutes: Sendable {
    let pool: PostgresPool
    let clock: any HeraldClock
    let store = SupporterStore()

    static let maxBodyBytes = 16 * 1024

    func add<Context: RequestContext>(to group: RouterGroup<Context>) {
        group.post("supporters") { request, _ in try await create(request) }
        group.get("supporters") { _, _ in try await list() }
        group.delete("supporters/{id}") { _, context in try await revoke(context) }
        group.post("supporters/{id}/token") { _, context in try await rotate(context) }
    }

    func create(_ request: Request) async throws -> Response {
        let new = try await Self.newSupporter(of: request)
        let now = clock.now()
        let issued = try await pool.api { [store] in try store.create(new, now: now, on: $0) }
        return try JSONResponse.make(issued, status: .created)
    }

    func list() async throws -> Response {
        let supporters = try await pool.api { [store] in try store.list(on: $0) }
        return try JSONResponse.make(["supporters": supporters])
    }

    func revoke(_ context: some RequestContext) async throws -> Response {
        let id = try context.parameters.id(of: "supporter")
        let now = clock.now()
        guard try await pool.api({ [store] in try store.revoke(id: id, now: now, on: $0) }) else {
            throw Self.notFound(id)
        }
        return Response(status: .noContent)
    }

    func rotate(_ context: some RequestContext) async throws -> Response {
        let id = try context.parameters.id(of: "supporter")
        let now = clock.now()
        guard let issued = try await pool.api({ [store] in try store.rotate(id: id, now: now, on: $0) }) else {
            throw Self.notFound(id)
        }
        return try JSONResponse.make(issued)
    }

    static func notFound(_ id: Int64) -> APIError {
        APIError(.notFound, code: .supporterNotFound, message: "no supporter \(id), or it is revoked")
    }

    /// The body's fields, checked: not a JSON object → 400 `invalid_body`; a missing, blank,
    /// too long or non-string `name`, or a bad `email` → 422 `invalid_parameter` naming the field.
    static func newSupporter(of request: Request) async throws -> NewSupporter {
        let bytes = try await request.apiBody(upTo: maxBodyBytes)
        guard let body = try? JSONValue(parsing: bytes), case .object(let fields) = body else {
            throw APIError(.badRequest, code: .invalidBody, message: #"body must be {"name": "...", "email": "..."}"#)
        }
        var name: String?
        switch fields["name"] {
        case nil, .null?: name = nil
        case .string(let text)?: name = text
        default: throw invalid(field: "name", message: "name must be a string")
        }
        var email: String?
        switch fields["email"] {
        case nil, .null?: email = nil
        case .string(let text)?: email = text
        default: throw invalid(field: "email", message: "email must be a string or null")
        }
        do {
            return try NewSupporter(name: name, email: email)
        } catch {
            throw invalid(field: error.field, message: error.message)
        }
    }

    static func invalid(field: String, message: String) -> APIError {
        APIError(.unprocessableContent, code: .invalidParameter, message: message, details: ["field": .string(field)])
    }
}
