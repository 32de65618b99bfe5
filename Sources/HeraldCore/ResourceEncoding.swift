import Foundation

/// The API writes every field of a resource, `null` included, so clients never need to tell a
/// missing field from an empty one; synthesized `Encodable` would drop nil fields instead.
extension KeyedEncodingContainer {
    mutating func encodeOrNull<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }

    /// A time as RFC 3339 UTC with milliseconds, or null.
    mutating func encodeTime(_ date: Date?, forKey key: Key) throws {
        try encodeOrNull(date.map(RFC3339.string(from:)), forKey: key)
    }
}
