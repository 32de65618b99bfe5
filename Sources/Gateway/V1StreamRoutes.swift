import Foundation
import HTTPTypes
import HeraldCore
import Hummingbird
import NIOCore

/// `GET /v1/stream`: Server-Sent Events of the changes supporters see, optionally of one page
/// (`?page_id=`), resumable with `Last-Event-ID`. Behind the `/v1` bearer token.
struct V1StreamRoutes: Sendable {
    let changes: ChangeStream

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
                throw APIError(.badRequest, code: .invalidLastEventId, message: "Last-Event-ID must be an id from this stream")
            }
            lastEventID = id
        }
        let items: AsyncStream<ChangeStream.Item>
        do {
            items = try await changes.subscribe(pageID: pageID, lastEventID: lastEventID)
        } catch .full {
            throw APIError.unavailable(code: .streamFull, message: "too many stream clients on this server", retryAfterSeconds: 5)
        } catch {
            throw APIError.unavailable(code: .streamUnavailable, message: "the change stream is not available yet")
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache", Self.accelBuffering: "no"],
            body: ResponseBody { writer in
                // Reconnect after 2 s; the comment flushes the headers at once.
                try await writer.write(ByteBuffer(string: "retry: 2000\n: connected\n\n"))
                for await item in items {
                    try await writer.write(Self.encode(item))
                }
                try await writer.finish(nil)
            })
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
