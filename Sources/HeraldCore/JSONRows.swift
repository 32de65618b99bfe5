/// Builds the JSON array of objects that set-based statements read with `jsonb_to_recordset`.
///
/// Hand-rolled rather than JSONSerialization: one batch can hold thousands of rows, and message
/// contents are already JSON, so they are embedded as they are instead of parsed and re-encoded.
struct JSONRows {
    private var bytes: [UInt8] = [UInt8(ascii: "[")]
    private var rowOpen = false
    private var firstField = true
    private(set) var count = 0

    mutating func beginRow() {
        if count > 0 { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "{"))
        count += 1
        firstField = true
    }

    mutating func endRow() { bytes.append(UInt8(ascii: "}")) }

    mutating func field(_ name: String, _ value: String?) {
        key(name)
        if let value { appendString(value) } else { bytes += Array("null".utf8) }
    }

    mutating func field(_ name: String, _ value: Int64?) {
        key(name)
        bytes += Array((value.map { String($0) } ?? "null").utf8)
    }

    /// A value that already is JSON.
    mutating func field(_ name: String, json: [UInt8]) {
        key(name)
        bytes += json
    }

    var document: [UInt8] { bytes + [UInt8(ascii: "]")] }

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
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xf)]]
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
