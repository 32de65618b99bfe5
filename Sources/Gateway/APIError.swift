import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Messenger
import NIOCore
import NIOHTTP1

/// An error answered as docs/design.md's JSON error: `{"error": {"code": "...", "message": "..."}}`.
///
/// Only the HTTP layer turns errors into responses; everything below throws typed errors and
/// routes map them to one of these.
public struct APIError: HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var headers: HTTPFields
    /// Extra fields of the error object that a client acts on (e.g. `reason`, `resend_when`).
    public var details: [String: JSONValue]

    public init(
        _ status: HTTPResponse.Status, code: Code, message: String, headers: HTTPFields = [:],
        details: [String: JSONValue] = [:]
    ) {
        self.status = status
        self.code = code.rawValue
        self.message = message
        self.headers = headers
        self.details = details
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: status, headers: responseHeaders, body: .init(byteBuffer: responseBody))
    }

    /// `headers` plus the JSON content type.
    var responseHeaders: HTTPFields {
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        return headers
    }

    /// The JSON error object.
    var responseBody: ByteBuffer {
        let fields = details.merging(["code": .string(code), "message": .string(message)]) { _, fixed in fixed }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Strings, numbers and nested values only: encoding cannot fail.
        let data = (try? encoder.encode(["error": fields])) ?? Data()
        return ByteBuffer(bytes: data)
    }

    /// 503 with `Retry-After`, so Facebook (and load balancers) come back shortly.
    static func unavailable(code: Code, message: String, retryAfterSeconds: Int = 1) -> APIError {
        APIError(.serviceUnavailable, code: code, message: message, headers: [.retryAfter: String(retryAfterSeconds)])
    }
}

/// Turns every error a route throws into a JSON error response, so no client ever sees an empty
/// 500 or Hummingbird's plain-text errors.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response(from: request, context: context)
        } catch let error as any HTTPResponseError {
            let code = Self.code(for: error.status)
            return try APIError(error.status, code: code, message: Self.message(for: error.status))
                .response(from: request, context: context)
        } catch is HTTPParserError {
            // The request's bytes stopped making HTTP, most often because the connection closed
            // mid-body (a client leaving, or cut at the read timeout): the client's doing, and
            // an attack of slow clients must not flood the log with errors.
            context.logger.debug("request could not be read; the connection ended or sent malformed HTTP")
            return try APIError(.badRequest, code: .badRequest, message: "the request could not be read")
                .response(from: request, context: context)
        } catch {
            context.logger.error(
                "unhandled error", metadata: ["herald.error": "\(String(reflecting: type(of: error)))"])
            return try APIError(.internalServerError, code: .internalError, message: "an unexpected error occurred")
                .response(from: request, context: context)
        }
    }

    static func code(for status: HTTPResponse.Status) -> APIError.Code {
        switch status {
        case .notFound: .notFound
        case .methodNotAllowed: .methodNotAllowed
        case .contentTooLarge: .bodyTooLarge
        case .badRequest: .badRequest
        default: APIError.Code("http_\(status.code)")
        }
    }

    static func message(for status: HTTPResponse.Status) -> String {
        switch status {
        case .notFound: "no such route"
        case .methodNotAllowed: "method not allowed on this route"
        case .contentTooLarge: "request body is larger than this server accepts"
        default: status.reasonPhrase
        }
    }
}
