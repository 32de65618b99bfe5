import Foundation

/// Tolerant readers over `JSONSerialization` output.
///
/// Meta documents ids as strings and timestamps as integer milliseconds, but numeric ids, string
/// timestamps and float timestamps have all been seen from webhook proxies and older API versions.
/// Every reader returns nil for anything it cannot use, so a wrong type never traps.
enum WebhookJSON {
    static func object(_ value: Any?) -> [String: Any]? { value as? [String: Any] }

    /// A string field; numbers and other types read as absent (free text is never coerced).
    /// U+0000, which Postgres cannot store, becomes U+FFFD.
    static func text(_ value: Any?) -> String? {
        guard let string = value as? String else { return nil }
        return string.contains("\u{0}") ? string.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") : string
    }

    /// Longest identifier accepted; Facebook's are well under it.
    static let maxIdentifierLength = 512

    /// An identifier (PSID, page id, mid, app id): a non-empty string, or a JSON integer in decimal.
    /// Strings with U+0000 or over `maxIdentifierLength` bytes are not identifiers.
    static func identifier(_ value: Any?) -> String? {
        if let string = value as? String {
            guard !string.isEmpty, string.utf8.count <= maxIdentifierLength, !string.utf8.contains(0) else {
                return nil
            }
            return string
        }
        guard let number = number(value) else { return nil }
        if isFloat(number) {
            // Only integral doubles that a double represents exactly; anything else is not an id.
            let double = number.doubleValue
            guard double.rounded(.towardZero) == double, abs(double) < 9_007_199_254_740_992 else { return nil }
            return String(Int64(double))
        }
        // The bridging casts succeed only when the value fits exactly.
        if let signed = value as? Int64 { return String(signed) }
        if let unsigned = value as? UInt64 { return String(unsigned) }
        return nil
    }

    /// The timestamps accepted: 1970 up to the end of year 9999, which Postgres's timestamptz
    /// holds; anything else would fail the whole batch in the database.
    static let millisecondsRange: ClosedRange<Int64> = 0...253_402_300_799_999

    /// Milliseconds since the epoch from an integer, a float (truncated) or a numeric string;
    /// nil outside `millisecondsRange`.
    static func milliseconds(_ value: Any?) -> Int64? {
        let read: Int64?
        if let string = value as? String {
            let trimmed = string.trimmingCharacters(in: .whitespaces)
            read = Int64(trimmed) ?? Double(trimmed).flatMap(truncating)
        } else if let number = number(value) {
            read =
                !isFloat(number) ? (value as? Int64) ?? truncating(number.doubleValue) : truncating(number.doubleValue)
        } else {
            read = nil
        }
        return read.flatMap { millisecondsRange.contains($0) ? $0 : nil }
    }

    /// True only for JSON `true` (or 1): a missing or odd `is_echo` means a customer message.
    static func flag(_ value: Any?) -> Bool { (value as? Bool) ?? false }

    /// The identifiers of an array, skipping items that are not identifiers.
    static func identifiers(_ value: Any?) -> [String] {
        (value as? [Any])?.compactMap(identifier) ?? []
    }

    /// A number that is not a boolean: `JSONSerialization` gives both as `NSNumber`, and `true`
    /// must not become the id "1" or the timestamp 1.
    private static func number(_ value: Any?) -> NSNumber? {
        guard let number = value as? NSNumber, !hasType(number, "c") else { return nil }
        return number
    }

    private static func isFloat(_ number: NSNumber) -> Bool { hasType(number, "d") || hasType(number, "f") }

    private static func hasType(_ number: NSNumber, _ code: String) -> Bool {
        String(cString: number.objCType) == code
    }

    /// `Int64(_:)` traps outside its range, so out-of-range and non-finite values read as absent.
    private static func truncating(_ double: Double) -> Int64? {
        guard double.isFinite, double >= -9_223_372_036_854_775_808.0, double < 9_223_372_036_854_775_808.0
        else { return nil }
        return Int64(double.rounded(.towardZero))
    }
}
