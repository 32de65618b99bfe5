import Curl
import Foundation
import HTTPTypes
import HeraldCore
import Hummingbird
import Messenger
import NIOCore
import Postgres

/// `POST /v1/pages/{page_id}/customers/{psid}/messages`: a supporter sends a message.
///
/// The content is checked before anything is queued: a body that is not one of docs/design.md's shapes
/// is a 400; a well-shaped message that breaks a Messenger format rule, or has a URL field whose host
/// is an address literal `urlPolicy` refuses ("URL is not publicly reachable"), is stored as `failed`
/// (`invalid_format`, or `file_too_large` for a declared size) and never sent. Otherwise the
/// message and its send job commit together and the job's NOTIFY wakes a send worker.
struct V1SendRoutes: Sendable {
    let pool: PostgresPool
    let clock: any HeraldClock
    let outbound: OutboundStore
    let urlPolicy: AddressPolicy
    let store = ReadStore()

    static let idempotencyHeader = HTTPField.Name("Idempotency-Key")!
    /// Generous for a carousel of ten elements; a message body is never larger.
    static let maxBodyBytes = 256 * 1024

    func add<Context: RequestContext>(to group: RouterGroup<Context>) {
        group.post("pages/{page_id}/customers/{psid}/messages") { request, context in
            try await send(request, context)
        }
        group.post("messages/{id}/resend") { _, context in try await resend(context) }
    }

    /// `POST /v1/messages/{id}/resend`: a real new attempt when the failure reason allows it now
    /// (the same rule that `resendable` reports), else 409 naming what would allow it.
    func resend(_ context: some RequestContext) async throws -> Response {
        let id = try context.parameters.id(of: "message")
        let actor = try Caller.required().actor
        let now = clock.now()
        let outcome: ResendOutcome
        do {
            outcome = try await pool.withConnection { [outbound, store] connection in
                try connection.transaction { connection -> ResendOutcome in
                    guard let message = try store.message(id: id, now: now, on: connection),
                        message.direction == .outbound
                    else { return .missing }
                    guard let failure = message.failure, message.status == .failed else {
                        return .notFailed(message.status.rawValue)
                    }
                    guard failure.resendable else {
                        return .notAllowed(failure.reason, failure.resendWhen?.rawValue ?? "never")
                    }
                    guard try outbound.requeue(messageID: id, by: actor, now: now, on: connection) else {
                        return .notFailed(MessageStatus.resend.rawValue)
                    }
                    return .requeued(try store.message(id: id, now: now, on: connection))
                }
            }
        } catch let error as PostgresError where error.isUnavailable {
            throw APIError.unavailable(code: .databaseUnavailable, message: "the database cannot be reached")
        }
        switch outcome {
        case .missing:
            throw APIError(.notFound, code: .messageNotFound, message: "no outbound message with id \(id)")
        case .notFailed(let status):
            throw APIError(
                .conflict, code: .notFailed, message: "message \(id) is \(status), not failed",
                details: ["status": .string(status)])
        case .notAllowed(let reason, let when):
            throw APIError(
                .conflict, code: .resendNotAllowed,
                message: when == "never"
                    ? "a message that failed with \(reason.rawValue) cannot be resent; send a new one"
                    : "a message that failed with \(reason.rawValue) can be resent once: \(when)",
                details: ["reason": .string(reason.rawValue), "resend_when": .string(when)])
        case .requeued(let message):
            guard let message else {
                throw APIError(.internalServerError, code: .internalError, message: "message vanished")
            }
            return try JSONResponse.make(message, status: .accepted)
        }
    }

    func send(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let (pageID, psid) = try V1Routes.customerKey(context)
        let key = request.headers[Self.idempotencyHeader]
        if let key, key.isEmpty || key.utf8.count > 255 {
            throw APIError(.badRequest, code: .invalidIdempotencyKey, message: "Idempotency-Key must be 1 to 255 bytes")
        }
        let content = try await Self.content(of: request)
        let violation: (FailureReason, String)? =
            (content.formatViolation() ?? content.addressViolation(urlPolicy)).map { (.invalidFormat, $0.detail) }
            ?? content.sizeViolation().map { (.fileTooLarge, $0.detail) }
        let stored = PostgresJSON(bytes: Array(try JSONEncoder().encode(content)))
        let draft = OutboundStore.Draft(
            pageID: pageID, psid: psid, content: stored, idempotencyKey: key,
            violation: violation.map { (reason: $0.0, detail: $0.1) }, sentBy: try Caller.required().actor)
        let now = clock.now()
        let (created, message): (OutboundStore.Created, MessageResource?)
        do {
            // Read back inside the transaction: the answer is the message as created (`queued`
            // or `failed`). After the commit a worker may already have claimed it, and the
            // supporter would see `sending` with an attempt for a message just written.
            (created, message) = try await pool.withConnection { [outbound, store] connection in
                try connection.transaction { connection in
                    let created = try outbound.create(draft, now: now, on: connection)
                    let id =
                        switch created {
                        case .created(let id), .existing(let id): id
                        }
                    return (created, try store.message(id: id, now: now, on: connection))
                }
            }
        } catch OutboundStore.Refusal.pageNotConnected {
            throw APIError(
                .notFound, code: .pageNotFound,
                message: "page \(pageID) is not connected; connect it with PUT /admin/pages/\(pageID)")
        } catch let error as PostgresError where error.isUnavailable {
            throw APIError.unavailable(code: .databaseUnavailable, message: "the database cannot be reached")
        }
        guard let message else {
            throw APIError(.internalServerError, code: .internalError, message: "message vanished")
        }
        // A replayed key answers like the first request did (201, docs/design.md), so a client retrying
        // after a lost answer sees the same status; the header tells the two apart.
        var response = try JSONResponse.make(message, status: .created)
        if case .existing = created {
            response.headers[HTTPField.Name("Idempotent-Replayed")!] = "true"
        }
        return response
    }

    /// The request's content, or a 400 naming what is wrong with its shape.
    static func content(of request: Request) async throws -> OutboundContent {
        let body = try await request.apiBody(upTo: maxBodyBytes, what: "message body")
        do {
            return try OutboundContent.decode(body)
        } catch {
            throw APIError(.badRequest, code: .invalidMessage, message: error.message)
        }
    }
}

/// What a resend request found, decided inside its transaction.
private enum ResendOutcome: Sendable {
    case missing
    case notFailed(String)
    case notAllowed(FailureReason, String)
    case requeued(MessageResource?)
}
