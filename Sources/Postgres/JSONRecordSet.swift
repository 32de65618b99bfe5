/// Builds the JSON array of objects that set-based statements read with `jsonb_to_recordset`, so
/// a batch of any size is one parameter of one statement.
///
/// Hand-rolled rather than JSONSerialization: a batch can hold thousands of rows (profiling showed
/// JSONSerialization's bridging dominating), and values that already are JSON are embedded as
/// they are instead of parsed and re-encoded.
public struct JSONRecordSet: Sendable {
    private var bytes: [UInt8] = [UInt8(ascii: "[")]
    private var firstField = true
    public private(set) var count = 0

    public init() {}

    public mutating func beginRow() {
        if count > 0 { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "{"))
        count += 1
        firstField = true
    }

    public mutating func endRow() { bytes.append(UInt8(ascii: "}")) }

    public mutating func field(_ name: String, _ value: String?) {
        key(name)
        if let value { appendString(value) } else { bytes += Array("null".utf8) }
    }

    public mutating func field(_ name: String, _ value: Int64?) {
        key(name)
        bytes += Array((value.map { String($0) } ?? "null").utf8)
    }

    /// A value that already is JSON.
    public mutating func field(_ name: String, json: [UInt8]) {
        key(name)
        bytes += json
    }

    /// The array's bytes.
    public var document: [UInt8] { bytes + [UInt8(ascii: "]")] }

    /// The array as a `jsonb` parameter.
    public var json: PostgresJSON { PostgresJSON(bytes: document) }

    private mutating func key(_ name: String) {
        if !firstField { bytes.append(UInt8(ascii: ",")) }
        firstField = false
        appendString(name)
        bytes.append(UInt8(ascii: ":"))
    }

    private mutating func appendString(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            // jsonb (and text) cannot hold U+0000: it becomes U+FFFD rather than failing the row.
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
