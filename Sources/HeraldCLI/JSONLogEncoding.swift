import Logging

/// JSON text for log metadata, written by hand: `JSONEncoder` cannot keep the fixed fields first
/// and costs a round trip through `Data` for every entry.
enum JSONLogEncoding {
    /// Appends `"key":value`, with a comma before it unless it is the object's first field.
    static func appendField(_ key: String, _ value: Logger.Metadata.Value, to text: inout String, first: Bool = false) {
        if !first { text += "," }
        appendString(key, to: &text)
        text += ":"
        appendValue(value, to: &text)
    }

    /// Strings and `stringConvertible`s as JSON strings; dictionaries as objects (keys sorted);
    /// arrays as arrays.
    static func appendValue(_ value: Logger.Metadata.Value, to text: inout String) {
        switch value {
        case .string(let string):
            appendString(string, to: &text)
        case .stringConvertible(let convertible):
            appendString(convertible.description, to: &text)
        case .dictionary(let dictionary):
            text += "{"
            for (index, (key, nested)) in dictionary.sorted(by: { $0.key < $1.key }).enumerated() {
                appendField(key, nested, to: &text, first: index == 0)
            }
            text += "}"
        case .array(let array):
            text += "["
            for (index, nested) in array.enumerated() {
                if index > 0 { text += "," }
                appendValue(nested, to: &text)
            }
            text += "]"
        }
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped (RFC 8259 §7).
    static func appendString(_ string: String, to text: inout String) {
        text += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F || (0x2028...0x2029).contains(scalar.value):
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}
