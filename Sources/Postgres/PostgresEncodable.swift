import Foundation

/// One bound parameter in libpq's terms: type, wire format and bytes (`nil` is SQL NULL).
public struct PostgresBinding: Sendable {
    public enum Format: Int32, Sendable {
        case text = 0
        case binary = 1
    }

    public var type: PostgresType
    public var format: Format
    public var bytes: [UInt8]?

    public init(type: PostgresType, format: Format, bytes: [UInt8]?) {
        self.type = type
        self.format = format
        self.bytes = bytes
    }

    public static let null = PostgresBinding(type: .unspecified, format: .text, bytes: nil)
}

/// A Swift value that can be sent as a `$n` parameter.
public protocol PostgresEncodable: Sendable {
    var postgresBinding: PostgresBinding { get }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public var postgresBinding: PostgresBinding { self?.postgresBinding ?? .null }
}

extension String: PostgresEncodable {
    /// Sent as text with an unspecified type, so the server reads it as whatever the statement
    /// needs (text, varchar, jsonb, timestamptz, a enum-like check column).
    public var postgresBinding: PostgresBinding {
        PostgresBinding(type: .unspecified, format: .text, bytes: Array(utf8))
    }
}

extension Int: PostgresEncodable {
    public var postgresBinding: PostgresBinding {
        PostgresBinding(type: .int8, format: .binary, bytes: BigEndianBytes.of(Int64(self)))
    }
}

extension Int64: PostgresEncodable {
    public var postgresBinding: PostgresBinding {
        PostgresBinding(type: .int8, format: .binary, bytes: BigEndianBytes.of(self))
    }
}

extension Int32: PostgresEncodable {
    public var postgresBinding: PostgresBinding {
        PostgresBinding(type: .int4, format: .binary, bytes: BigEndianBytes.of(self))
    }
}

extension Bool: PostgresEncodable {
    public var postgresBinding: PostgresBinding {
        PostgresBinding(type: .bool, format: .binary, bytes: [self ? 1 : 0])
    }
}

extension Double: PostgresEncodable {
    public var postgresBinding: PostgresBinding {
        PostgresBinding(type: .float8, format: .binary, bytes: BigEndianBytes.of(bitPattern))
    }
}

extension Array: PostgresEncodable where Element == UInt8 {
    /// Byte arrays are `bytea`, sent in binary so nothing is escaped.
    public var postgresBinding: PostgresBinding {
        PostgresBinding(type: .bytea, format: .binary, bytes: self)
    }
}

extension Data: PostgresEncodable {
    public var postgresBinding: PostgresBinding {
        PostgresBinding(type: .bytea, format: .binary, bytes: Array(self))
    }
}

extension Date: PostgresEncodable {
    /// `timestamptz` in binary: microseconds since 2000-01-01 UTC, so no time-zone setting matters.
    public var postgresBinding: PostgresBinding {
        PostgresBinding(type: .timestamptz, format: .binary, bytes: BigEndianBytes.of(postgresMicroseconds))
    }

    /// Microseconds since 2000-01-01 UTC, rounded: the `timestamptz` this date is sent as, and
    /// exactly the stored value for a date read from Postgres. For statements that match stored
    /// timestamps by equality from a JSON batch (`timestamptz '2000-01-01 00:00:00+00' + n *
    /// interval '1 microsecond'` is exact, where a JSON or float seconds value may not be).
    public var postgresMicroseconds: Int64 {
        Int64(((timeIntervalSince1970 - PostgresEpoch.secondsSince1970) * 1_000_000).rounded())
    }
}

extension UUID: PostgresEncodable {
    public var postgresBinding: PostgresBinding {
        PostgresBinding(type: .unspecified, format: .text, bytes: Array(uuidString.lowercased().utf8))
    }
}

/// A JSON document sent as or read from `jsonb`/`json`, kept as its UTF-8 bytes.
public struct PostgresJSON: PostgresEncodable, Hashable {
    public var bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }
    public init(_ text: String) { self.bytes = Array(text.utf8) }

    /// Encodes a value with `JSONEncoder`.
    public init(encoding value: some Encodable, encoder: JSONEncoder = JSONEncoder()) throws {
        self.bytes = Array(try encoder.encode(value))
    }

    /// Decodes the document with `JSONDecoder`.
    public func decode<T: Decodable>(_ type: T.Type, decoder: JSONDecoder = JSONDecoder()) throws -> T {
        try decoder.decode(type, from: Data(bytes))
    }

    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// jsonb's binary form is a version byte (1) followed by the text.
    public var postgresBinding: PostgresBinding {
        PostgresBinding(type: .jsonb, format: .binary, bytes: [1] + bytes)
    }
}

/// A `bytea[]` parameter in binary form, so a whole batch of byte strings is one parameter of a
/// statement whose text never changes (and can be prepared once).
public struct PostgresByteaArray: PostgresEncodable {
    public var elements: [[UInt8]]

    public init(_ elements: [[UInt8]]) { self.elements = elements }

    /// Postgres's binary array layout: dimensions, null flag, element type, then length-prefixed
    /// elements.
    public var postgresBinding: PostgresBinding {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(20 + elements.reduce(0) { $0 + 4 + $1.count })
        bytes += BigEndianBytes.of(Int32(1))  // one dimension
        bytes += BigEndianBytes.of(Int32(0))  // no NULLs
        bytes += BigEndianBytes.of(PostgresType.bytea.rawValue)
        bytes += BigEndianBytes.of(Int32(elements.count))
        bytes += BigEndianBytes.of(Int32(1))  // lower bound
        for element in elements {
            bytes += BigEndianBytes.of(Int32(element.count))
            bytes += element
        }
        return PostgresBinding(type: .byteaArray, format: .binary, bytes: bytes)
    }
}

enum PostgresEpoch {
    /// 2000-01-01T00:00:00Z, the origin of Postgres's binary timestamps.
    static let secondsSince1970: TimeInterval = 946_684_800
}

enum BigEndianBytes {
    static func of<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }

    static func read<T: FixedWidthInteger>(_ type: T.Type, from bytes: ArraySlice<UInt8>) -> T? {
        guard bytes.count == MemoryLayout<T>.size else { return nil }
        var value: T = 0
        for byte in bytes { value = (value << 8) | T(byte) }
        return value
    }
}
