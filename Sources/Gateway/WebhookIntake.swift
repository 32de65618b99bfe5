import HTTPTypes
import Logging
import Messenger

/// What `POST /webhook` checks and how it answers, whichever path serves the request: the
/// event-loop fast path (`WebhookChannelHandler`) or the router (`WebhookRoutes`), so both give
/// the same statuses, bodies and metrics.
struct WebhookIntake: Sendable {
    static let signatureHeader = HTTPField.Name("X-Hub-Signature-256")!
    static let legacySignatureHeader = HTTPField.Name("X-Hub-Signature")!
    /// The body of every 200.
    static let receivedBody = #"{"status":"received"}"#

    let signature: WebhookSignature
    let maxBodyBytes: Int
    let batcher: WebhookBatcher
    let metrics: GatewayMetrics

    /// The MAC the signature header announces, checked before the body is read so that unsigned
    /// floods and oversized bodies cost no reading.
    func checkHead(_ fields: HTTPFields) -> Result<[UInt8], APIError> {
        let expected: [UInt8]
        do {
            expected = try WebhookSignature.parse(fields[Self.signatureHeader])
        } catch {
            return .failure(rejectedSignature(error, legacyPresent: fields[Self.legacySignatureHeader] != nil))
        }
        if let declared = fields[.contentLength].flatMap(Int.init), declared > maxBodyBytes {
            return .failure(tooLarge())
        }
        return .success(expected)
    }

    /// nil when `body` carries the MAC the head announced.
    func checkBody(_ body: [UInt8], expected: [UInt8], verifier: WebhookSignature.Verifier) -> APIError? {
        do {
            try verifier.verify(expected: expected, body: body)
            return nil
        } catch {
            return rejectedSignature(error, legacyPresent: false)
        }
    }

    /// The 503 for a body the batcher did not store, counted and logged (never with the body).
    func refused(_ rejection: WebhookBatcher.Rejection, logger: Logger) -> APIError {
        metrics.rejected(Self.cause(rejection))
        logger.warning("webhook refused", metadata: ["herald.webhook.rejection": "\(rejection)"])
        return Self.unavailable(rejection)
    }

    func tooLarge() -> APIError {
        metrics.rejected("too_large")
        // Close the connection rather than read the rest of an oversized body.
        return APIError(
            .contentTooLarge, code: .bodyTooLarge,
            message: "webhook body is larger than \(maxBodyBytes) bytes", headers: [.connection: "close"])
    }

    private func rejectedSignature(_ failure: WebhookSignature.Failure, legacyPresent: Bool) -> APIError {
        metrics.rejected("signature")
        let message =
            switch failure {
            case .missing where legacyPresent:
                "X-Hub-Signature-256 is required; the legacy SHA-1 X-Hub-Signature is not accepted"
            case .missing: "X-Hub-Signature-256 header is missing"
            case .malformed: "X-Hub-Signature-256 must be sha256= followed by 64 hex digits"
            case .mismatch: "X-Hub-Signature-256 does not match the body"
            }
        return APIError(.unauthorized, code: .invalidSignature, message: message)
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
            .unavailable(code: .queueFull, message: "too many webhooks are waiting to be stored; retry shortly")
        case .databaseUnavailable:
            .unavailable(
                code: .databaseUnavailable, message: "the webhook could not be stored; retry shortly",
                retryAfterSeconds: 2)
        case .shuttingDown:
            .unavailable(code: .shuttingDown, message: "this server is shutting down; retry shortly")
        }
    }
}
