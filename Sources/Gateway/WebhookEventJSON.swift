import Foundation
import HeraldCore
import Hummingbird
import NIOCore

/// `GET /admin/webhook-events/{id}`'s answer: the event's fields, `body_encoding` and `body`.
///
/// A JSON body is written into the answer as the stored bytes themselves rather than decoded and
/// encoded again, so an admin sees exactly what Facebook sent (key order, spacing, number
/// spelling, escapes); `WebhookEventBody` has checked that those bytes are one JSON value. Any
/// other body is base64.
enum WebhookEventJSON {
    static func response(_ detail: WebhookEventDetail) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // The event's object always has fields, so its last byte is the closing brace.
        var bytes = Array(try encoder.encode(detail.event).dropLast())
        bytes += Array(#","body_encoding":"\#(detail.body.encoding)","body":"#.utf8)
        switch detail.body {
        case .json(let raw):
            bytes += raw
        case .binary(let raw):
            bytes += Array(try encoder.encode(Data(raw).base64EncodedString()))
        }
        bytes.append(UInt8(ascii: "}"))
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
