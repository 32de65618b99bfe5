import Foundation
import HeraldCore
import Hummingbird
import Postgres

/// The supporter API's read side: customers, conversations, messages, notifications.
///
/// Added to the `/v1` group, behind `BearerAuthMiddleware`. Every database call goes through
/// `pool.withConnection`, so libpq blocks the connection's own queue, never an event loop.
struct V1Routes: Sendable {
    let pool: PostgresPool
    let clock: any HeraldClock
    let store = ReadStore()

    func add<Context: RequestContext>(to group: RouterGroup<Context>) {
        group.get("pages/{page_id}/customers") { request, context in try await customers(request, context) }
        group.get("pages/{page_id}/customers/{psid}") { _, context in try await customer(context) }
        group.get("pages/{page_id}/customers/{psid}/messages") { request, context in
            try await conversation(request, context)
        }
        group.get("messages/{id}") { _, context in try await message(context) }
        group.get("notifications") { request, _ in try await notifications(request) }
    }

    func customers(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let pageID = try context.parameters.segment("page_id")
        let limit = try Self.paging(request.uri.queryParameters["limit"].map(String.init), before: nil).limit
        var cursor: CustomerCursor?
        if let raw = request.uri.queryParameters["before"].map(String.init) {
            guard let parsed = CustomerCursor(raw) else {
                throw APIError(
                    .badRequest, code: .invalidParameter, message: "before must be a next_before value from this list")
            }
            cursor = parsed
        }
        // A blank `q` is the plain list.
        let search = request.uri.queryParameters["q"].flatMap { CustomerSearch(String($0)) }
        let now = clock.now()
        let page = try await pool.api { [store, cursor] in
            try store.customers(pageID: pageID, limit: limit, before: cursor, search: search, now: now, on: $0)
        }
        return try JSONResponse.make(page)
    }

    func customer(_ context: some RequestContext) async throws -> Response {
        let (pageID, psid) = try Self.customerKey(context)
        let now = clock.now()
        let customer = try await pool.api { [store] in try store.customer(pageID: pageID, psid: psid, now: now, on: $0)
        }
        guard let customer else { throw Self.customerNotFound(pageID: pageID, psid: psid) }
        return try JSONResponse.make(customer)
    }

    func conversation(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let (pageID, psid) = try Self.customerKey(context)
        let paging = try Self.paging(request)
        let now = clock.now()
        let page = try await pool.api { [store] in
            try store.conversation(pageID: pageID, psid: psid, paging: paging, now: now, on: $0)
        }
        guard let page else { throw Self.customerNotFound(pageID: pageID, psid: psid) }
        return try JSONResponse.make(page)
    }

    func message(_ context: some RequestContext) async throws -> Response {
        let id = try context.parameters.id(of: "message")
        let now = clock.now()
        let message = try await pool.api { [store] in try store.message(id: id, now: now, on: $0) }
        guard let message else {
            throw APIError(.notFound, code: .messageNotFound, message: "no message with id \(id)")
        }
        return try JSONResponse.make(message)
    }

    func notifications(_ request: Request) async throws -> Response {
        let paging = try Self.paging(request)
        let pageID = request.uri.queryParameters["page_id"].map(String.init)
        if pageID?.isEmpty == true {
            throw APIError(.badRequest, code: .invalidParameter, message: "page_id must not be empty")
        }
        let page = try await pool.api { [store] in try store.activeNotifications(pageID: pageID, paging: paging, on: $0)
        }
        return try JSONResponse.make(page)
    }
}

extension V1Routes {
    /// `page_id` and `psid` from the path, percent-decoded.
    static func customerKey(_ context: some RequestContext) throws -> (String, String) {
        (try context.parameters.segment("page_id"), try context.parameters.segment("psid"))
    }

    /// `limit` (1...200, default 50) and `before` (a message or notification id) from the query.
    static func paging(_ request: Request) throws -> Paging {
        let query = request.uri.queryParameters
        return try paging(query["limit"].map(String.init), before: query["before"].map(String.init))
    }

    /// `limit` (1…200, default 50) and `before` (a positive id) from their query values.
    static func paging(_ limitText: String?, before beforeText: String?) throws -> Paging {
        var limit = Paging.defaultLimit
        if let raw = limitText {
            guard let value = Int(raw), (1...Paging.maxLimit).contains(value) else {
                throw APIError(
                    .badRequest, code: .invalidParameter,
                    message: "limit must be an integer from 1 to \(Paging.maxLimit)")
            }
            limit = value
        }
        var before: Int64?
        if let raw = beforeText {
            guard let value = Int64(raw), value > 0 else {
                throw APIError(.badRequest, code: .invalidParameter, message: "before must be a positive integer id")
            }
            before = value
        }
        guard let paging = Paging(limit: limit, before: before) else {
            throw APIError(.badRequest, code: .invalidParameter, message: "limit or before is out of range")
        }
        return paging
    }

    static func customerNotFound(pageID: String, psid: String) -> APIError {
        APIError(.notFound, code: .customerNotFound, message: "page \(pageID) has no customer \(psid)")
    }
}
