import Foundation

/// A Swift value that can be read from a result column in binary format.
public protocol PostgresDecodable: Sendable {
    /// Decodes `bytes` of a non-NULL column of `type`; returns nil when the type does not fit.
    static func decode(from bytes: ArraySlice<UInt8>, type: PostgresType) -> Self?
}

extension String: PostgresDecodable {
    public static func decode(from bytes: ArraySlice<UInt8>, type: PostgresType) -> String? {
        if type.isTextual || type == .json { return String(decoding: bytes, as: UTF8.self) }
        if type == .jsonb, bytes.first == 1 { return String(decoding: bytes.dropFirst(), as: UTF8.self) }
        return nil
    }
}

extension Int: PostgresDecodable {
    /// Accepts int2, int4 and int8 columns, so `count(*)` and serial ids both read as `Int`.
    public static func decode(from bytes: ArraySlice<UInt8>, type: PostgresType) -> Int? {
        switch type {
        case .int8: BigEndianBytes.read(Int64.self, from: bytes).map(Int.init)
        case .int4: BigEndianBytes.read(Int32.self, from: bytes).map(Int.init)
        case .int2: BigEndianBytes.read(Int16.self, from: bytes).map(Int.init)
        case .oid: BigEndianBytes.read(UInt32.self, from: bytes).map(Int.init)
        default: nil
        }
    }
}

extension Int64: PostgresDecodable {
    public static func decode(from bytes: ArraySlice<UInt8>, type: PostgresType) -> Int64? {
        Int.decode(from: bytes, type: type).map(Int64.init)
    }
}

extension Int32: PostgresDecodable {
    public static func decode(from bytes: ArraySlice<UInt8>, type: PostgresType) -> Int32? {
        Int.decode(from: bytes, type: type).flatMap { Int32(exactly: $0) }
    }
}

extension Bool: PostgresDecodable {
    public static func decode(from bytes: ArraySlice<UInt8>, type: PostgresType) -> Bool? {
        guard type == .bool, bytes.count == 1 else { return nil }
        return bytes.first != 0
    }
}

extension Double: PostgresDecodable {
    public static func decode(from bytes: ArraySlice<UInt8>, type: PostgresType) -> Double? {
        switch type {
        case .float8: BigEndianBytes.read(UInt64.self, from: bytes).map(Double.init(bitPattern:))
        case .float4: BigEndianBytes.read(UInt32.self, from: bytes).map { Double(Float(bitPattern: $0)) }
        default: Int.decode(from: bytes, type: type).map(Double.init)
        }
    }
}

extension Array: PostgresDecodable where Element == UInt8 {
    /// bytea as raw bytes; json and jsonb as their UTF-8 text.
    public static func decode(from bytes: ArraySlice<UInt8>, type: PostgresType) -> [UInt8]? {
        switch type {
        case .bytea, .json: Array(bytes)
        case .jsonb: bytes.first == 1 ? Array(bytes.dropFirst()) : nil
        default: type.isTextual ? Array(bytes) : nil
        }
    }
}

extension Data: PostgresDecodable {
    public static func decode(from bytes: ArraySlice<UInt8>, type: PostgresType) -> Data? {
        [UInt8].decode(from: bytes, type: type).map { Data($0) }
    }
}

extension Date: PostgresDecodable {
    /// timestamptz (and timestamp, read as UTC). ±infinity become `distantFuture`/`distantPast`.
    public static func decode(from bytes: ArraySlice<UInt8>, type: PostgresType) -> Date? {
        guard type == .timestamptz || type == .timestamp,
            let micros = BigEndianBytes.read(Int64.self, from: bytes)
        else { return nil }
        if micros == .max { return .distantFuture }
        if micros == .min { return .distantPast }
        return Date(timeIntervalSince1970: PostgresEpoch.secondsSince1970 + Double(micros) / 1_000_000)
    }
}

extension UUID: PostgresDecodable {
    public static func decode(from bytes: ArraySlice<UInt8>, type: PostgresType) -> UUID? {
        guard type == .uuid, bytes.count == 16 else { return nil }
        let b = Array(bytes)
        return UUID(
            uuid: (
                b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
                b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]
            ))
    }
}

extension PostgresJSON: PostgresDecodable {
    public static func decode(from bytes: ArraySlice<UInt8>, type: PostgresType) -> PostgresJSON? {
        switch type {
        case .json: PostgresJSON(bytes: Array(bytes))
        case .jsonb: bytes.first == 1 ? PostgresJSON(bytes: Array(bytes.dropFirst())) : nil
        default: nil
        }
    }
}
