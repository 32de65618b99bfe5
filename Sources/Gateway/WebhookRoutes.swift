import HTTPTypes
import Hummingbird
import Logging
import Messenger
import NIOCore

/// `GET /webhook` (the subscription handshake) and `POST /webhook` (signed deliveries).
///
/// Most deliveries never reach this router: `WebhookChannelHandler` answers them on the event
/// loop. It hands on the ones it cannot answer in order (a pipelined request behind one the
/// router still owes an answer, or a connection that is shutting down); they are served here
/// with the same checks and answers (`WebhookIntake`).
struct WebhookRoutes: Sendable {
    let verifyToken: String
    let intake: WebhookIntake

    func add<Context: RequestContext>(to router: Router<Context>) {
        router.get("webhook") { request, _ in try handshake(request) }
        router.post("webhook") { request, context in try await receive(request, context) }
    }

    /// Echoes `hub.challenge` for a subscription with the right token, else 403.
    func handshake(_ request: Request) throws -> Response {
        let handshake = VerificationHandshake(rawQuery: request.uri.query ?? "")
        guard let challenge = handshake.challenge(expectedToken: verifyToken) else {
            throw APIError(
                .forbidden, code: .verificationFailed,
                message: "hub.mode must be subscribe and hub.verify_token must match")
        }
        return Response(
            status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: challenge)))
    }

    /// Verifies the signature over the raw bytes, stores them, and answers 200 only after commit.
    func receive(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let expected = try intake.checkHead(request.headers).get()
        let body: [UInt8]
        do {
            // Stops reading as soon as the limit is passed (chunked bodies have no Content-Length).
            var buffer = try await request.body.collect(upTo: intake.maxBodyBytes)
            body = buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw intake.tooLarge()
        }
        if let rejection = intake.checkBody(body, expected: expected, verifier: intake.signature.verifier()) {
            throw rejection
        }
        do {
            try await intake.batcher.store(body)
        } catch {
            throw intake.refused(error, logger: context.logger)
        }
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: WebhookIntake.receivedBody)))
    }
}
