import Foundation
import HTTPTypes
import HeraldCore
import Hummingbird
import NIOCore

/// `GET /v1/stream`: Server-Sent Events of the changes supporters see, optionally of one page
/// (`?page_id=`), resumable with `Last-Event-ID`. Behind the `/v1` bearer token.
///
/// A supporter's stream re-checks its token every `recheckInterval` (through the authenticator's
/// short cache) and ends with `stream.reset` `token_revoked` once the token was revoked or
/// replaced, on whichever replica the stream is open.
struct V1StreamRoutes: Sendable {
    let changes: ChangeStream
    let supporters: SupporterAuthenticator
    /// Default: 1 s, so a revoked token's stream ends within the cache's 2 s plus this.
    var recheckInterval: Duration = .seconds(1)

    static let lastEventID = HTTPField.Name("Last-Event-ID")!
    /// Asks proxies (nginx) not to buffer the stream.
    static let accelBuffering = HTTPField.Name("X-Accel-Buffering")!

    func add<Context: RequestContext>(to group: RouterGroup<Context>) {
        group.get("stream") { request, _ in try await stream(request) }
    }

    func stream(_ request: Request) async throws -> Response {
        let pageID = request.uri.queryParameters["page_id"].map(String.init)
        if pageID?.isEmpty == true {
            throw APIError(.badRequest, code: .invalidParameter, message: "page_id must not be empty")
        }
        var lastEventID: Int64?
        if let raw = request.headers[Self.lastEventID] {
            guard let id = Int64(raw.trimmingCharacters(in: .whitespaces)), id >= 0 else {
                throw APIError(
                    .badRequest, code: .invalidLastEventId, message: "Last-Event-ID must be an id from this stream")
            }
            lastEventID = id
        }
        let supporter: SupporterStore.Identity? =
            if case .supporter(let identity) = try Caller.required() { identity } else { nil }
        let items: AsyncStream<ChangeStream.Item>
        do {
            items = try await changes.subscribe(pageID: pageID, lastEventID: lastEventID)
        } catch .full {
            throw APIError.unavailable(
                code: .streamFull, message: "too many stream clients on this server", retryAfterSeconds: 5)
        } catch {
            throw APIError.unavailable(code: .streamUnavailable, message: "the change stream is not available yet")
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache", Self.accelBuffering: "no",
            ],
            body: ResponseBody { writer in
                // Reconnect after 2 s; the comment flushes the headers at once.
                try await writer.write(ByteBuffer(string: "retry: 2000\n: connected\n\n"))
                if let supporter {
                    try await Self.forward(items, whileValid: supporter, supporters: supporters, every: recheckInterval)
                    {
                        try await writer.write(Self.encode($0))
                    }
                } else {
                    for await item in items {
                        try await writer.write(Self.encode(item))
                    }
                }
                try await writer.finish(nil)
            })
    }

    /// Hands `items` to `write` until they end or the supporter's token stops being valid; then
    /// a last `stream.reset` `token_revoked`. A database outage does not end the stream: only an
    /// answer that the token is gone does.
    static func forward(
        _ items: AsyncStream<ChangeStream.Item>, whileValid identity: SupporterStore.Identity,
        supporters: SupporterAuthenticator, every interval: Duration,
        write: (ChangeStream.Item) async throws -> Void
    ) async throws {
        let (merged, continuation) = AsyncStream.makeStream(of: ChangeStream.Item.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await item in items { continuation.yield(item) }
                continuation.finish()
            }
            group.addTask {
                while true {
                    try await Task.sleep(for: interval)
                    let current: SupporterStore.Identity?
                    do {
                        current = try await supporters.identify(hash: identity.tokenHash)
                    } catch {
                        continue
                    }
                    if current?.id != identity.id {
                        continuation.yield(.reset(reason: "token_revoked"))
                        continuation.finish()
                        return
                    }
                }
            }
            for await item in merged {
                try await write(item)
            }
            group.cancelAll()
        }
    }

    /// One SSE message. JSON has no raw newlines, so `data:` is always one line.
    static func encode(_ item: ChangeStream.Item) -> ByteBuffer {
        switch item {
        case .heartbeat:
            return ByteBuffer(string: ": heartbeat\n\n")
        case .reset(let reason):
            return ByteBuffer(string: "event: stream.reset\ndata: {\"reason\":\"\(reason)\"}\n\n")
        case .event(let event):
            var buffer = ByteBuffer()
            buffer.writeString("id: \(event.id)\nevent: \(event.name)\ndata: ")
            buffer.writeBytes(event.data)
            buffer.writeString("\n\n")
            return buffer
        }
    }
}
