import HTTPTypes
import Hummingbird
import Logging
import Messenger
import NIOCore

/// `GET /webhook` (the subscription handshake) and `POST /webhook` (signed deliveries).
struct WebhookRoutes: Sendable {
    let verifyToken: String
    let signature: WebhookSignature
    let maxBodyBytes: Int
    let batcher: WebhookBatcher
    let metrics: GatewayMetrics

    static let signatureHeader = HTTPField.Name("X-Hub-Signature-256")!
    static let legacySignatureHeader = HTTPField.Name("X-Hub-Signature")!

    func add<Context: RequestContext>(to router: Router<Context>) {
        router.get("webhook") { request, _ in try handshake(request) }
        router.post("webhook") { request, context in try await receive(request, context) }
    }

    /// Echoes `hub.challenge` for a subscription with the right token, else 403.
    func handshake(_ request: Request) throws -> Response {
        let handshake = VerificationHandshake(rawQuery: request.uri.query ?? "")
        guard let challenge = handshake.challenge(expectedToken: verifyToken) else {
            throw APIError(.forbidden, code: "verification_failed",
                           message: "hub.mode must be subscribe and hub.verify_token must match")
        }
        return Response(
            status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: challenge)))
    }

    /// Verifies the signature over the raw bytes, stores them, and answers 200 only after commit.
    func receive(_ request: Request, _ context: some RequestContext) async throws -> Response {
        // The header is checked before the body is read, so unsigned floods cost no reading.
        do {
            _ = try WebhookSignature.parse(request.headers[Self.signatureHeader])
        } catch {
            throw rejectedSignature(error, legacyPresent: request.headers[Self.legacySignatureHeader] != nil)
        }
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > maxBodyBytes {
            throw tooLarge()
        }
        let body: [UInt8]
        do {
            // Stops reading as soon as the limit is passed (chunked bodies have no Content-Length).
            var buffer = try await request.body.collect(upTo: maxBodyBytes)
            body = buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw tooLarge()
        }
        do {
            try signature.verify(header: request.headers[Self.signatureHeader], body: body)
        } catch {
            throw rejectedSignature(error, legacyPresent: false)
        }
        do {
            try await batcher.store(body)
        } catch {
            metrics.rejected(Self.cause(error))
            context.logger.warning("webhook refused", metadata: ["herald.webhook.rejection": "\(error)"])
            throw Self.unavailable(error)
        }
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: #"{"status":"received"}"#)))
    }

    private func rejectedSignature(_ failure: WebhookSignature.Failure, legacyPresent: Bool) -> APIError {
        metrics.rejected("signature")
        let message = switch failure {
        case .missing where legacyPresent:
            "X-Hub-Signature-256 is required; the legacy SHA-1 X-Hub-Signature is not accepted"
        case .missing: "X-Hub-Signature-256 header is missing"
        case .malformed: "X-Hub-Signature-256 must be sha256= followed by 64 hex digits"
        case .mismatch: "X-Hub-Signature-256 does not match the body"
        }
        return APIError(.unauthorized, code: "invalid_signature", message: message)
    }

    private func tooLarge() -> APIError {
        metrics.rejected("too_large")
        // Close the connection rather than read the rest of an oversized body.
        return APIError(
            .contentTooLarge, code: "body_too_large",
            message: "webhook body is larger than \(maxBodyBytes) bytes", headers: [.connection: "close"])
    }

    static func cause(_ rejection: WebhookBatcher.Rejection) -> String {
        switch rejection {
        case .queueFull: "queue_full"
        case .databaseUnavailable: "database_unavailable"
        case .shuttingDown: "shutting_down"
        }
    }

    static func unavailable(_ rejection: WebhookBatcher.Rejection) -> APIError {
        switch rejection {
        case .queueFull:
            .unavailable(code: "queue_full", message: "too many webhooks are waiting to be stored; retry shortly")
        case .databaseUnavailable:
            .unavailable(code: "database_unavailable", message: "the webhook could not be stored; retry shortly", retryAfterSeconds: 2)
        case .shuttingDown:
            .unavailable(code: "shutting_down", message: "this server is shutting down; retry shortly")
        }
    }
}
