/// The `content` JSON Herald stores for a received message or echo, written by hand.
///
/// The same document `JSONEncoder` gives for the `Codable` model (snake_case keys, absent
/// optionals left out), which readers decode back; written directly because ingest stores one
/// per message and the encoder was a large share of its CPU. `StoredContentJSONTests` decode it
/// with `JSONDecoder` and compare.
extension InboundMessage {
    /// UTF-8 JSON of this message as stored in `messages.content`.
    public var storedJSON: [UInt8] {
        var writer = ContentJSONWriter()
        writer.field("attachments", attachments)
        writer.field("mid", mid)
        writer.field("quick_reply_payload", quickReplyPayload)
        writer.field("reply_to_mid", replyToMID)
        writer.field("text", text)
        return writer.finish()
    }
}

extension Echo {
    /// UTF-8 JSON of this echo as stored in `messages.content`.
    public var storedJSON: [UInt8] {
        var writer = ContentJSONWriter()
        writer.field("app_id", appID)
        writer.field("attachments", attachments)
        writer.field("metadata", metadata)
        writer.field("mid", mid)
        writer.field("text", text)
        return writer.finish()
    }
}

/// Writes one flat JSON object; nil values are left out.
struct ContentJSONWriter {
    private var bytes: [UInt8] = [UInt8(ascii: "{")]

    init() {
        bytes.reserveCapacity(128)
    }

    mutating func field(_ name: StaticString, _ value: String?) {
        guard let value else { return }
        key(name)
        string(value)
    }

    mutating func field(_ name: StaticString, _ attachments: [Attachment]) {
        key(name)
        bytes.append(UInt8(ascii: "["))
        for (index, attachment) in attachments.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            var object = ContentJSONWriter()
            object.field("type", attachment.type)
            object.field("url", attachment.url)
            bytes += object.finish()
        }
        bytes.append(UInt8(ascii: "]"))
    }

    func finish() -> [UInt8] { bytes + [UInt8(ascii: "}")] }

    private mutating func key(_ name: StaticString) {
        if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        bytes += [UInt8(ascii: "\""), UInt8(ascii: ":")]
    }

    private mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), byte]
            // jsonb cannot hold U+0000; the readers already replaced it, this keeps the row storable.
            case 0: bytes += Array("\\ufffd".utf8)
            case 1..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xf)]]
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
