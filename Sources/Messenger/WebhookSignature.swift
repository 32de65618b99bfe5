import Crypto
import Foundation

/// Checks `X-Hub-Signature-256: sha256=<64 lowercase hex>`: the HMAC-SHA256 of the raw body,
/// keyed with the App Secret.
///
/// Meta signs the bytes exactly as sent, so verification runs over the raw body, never a
/// re-serialised one. The legacy `X-Hub-Signature` (SHA-1) header is never accepted.
public struct WebhookSignature: Sendable {
    /// Why a signature was refused; each case is a distinct 401 for the caller.
    public enum Failure: Error, Sendable, Equatable {
        case missing
        case malformed
        case mismatch
    }

    /// Kept as bytes: `SymmetricKey` is not `Sendable` on Linux, so the key is built per use.
    private let secret: [UInt8]

    public init(appSecret: some Sequence<UInt8>) {
        self.secret = Array(appSecret)
    }

    /// The header value Meta would send for `body`.
    public func headerValue(for body: some DataProtocol) -> String {
        "sha256=" + Self.hex(Array(HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: secret))))
    }

    /// Throws unless `header` is a well-formed signature that matches `body`.
    public func verify(header: String?, body: some DataProtocol) throws(Failure) {
        try verify(expected: Self.parse(header), body: body)
    }

    /// Throws unless `expected` (a header already parsed with `parse`) is the HMAC of `body`.
    public func verify(expected: [UInt8], body: some DataProtocol) throws(Failure) {
        // HMAC's own validation compares in constant time.
        guard HMAC<SHA256>.isValidAuthenticationCode(expected, authenticating: body, using: SymmetricKey(data: secret))
        else { throw .mismatch }
    }

    /// A verifier keyed once, for the many bodies of one connection: keying HMAC and going
    /// through its generic entry points cost more than hashing a 2 KB body. Not `Sendable`
    /// (swift-crypto's `HMAC` is not): keep one per thread or event loop.
    public func verifier() -> Verifier {
        Verifier(keyed: HMAC<SHA256>(key: SymmetricKey(data: secret)))
    }

    public struct Verifier {
        fileprivate let keyed: HMAC<SHA256>

        /// Throws unless `expected` (a header parsed with `parse`) is the HMAC of `body`.
        public func verify(expected: [UInt8], body: [UInt8]) throws(Failure) {
            var hmac = keyed
            body.withUnsafeBytes { hmac.update(data: $0) }
            // MAC equality in swift-crypto compares in constant time.
            guard hmac.finalize() == expected else { throw .mismatch }
        }
    }

    /// The 32 bytes of a `sha256=<hex>` header; checked before the body is read.
    public static func parse(_ header: String?) throws(Failure) -> [UInt8] {
        guard let header else { throw .missing }
        let prefix = "sha256="
        guard header.hasPrefix(prefix) else { throw .malformed }
        let hex = header.utf8.dropFirst(prefix.utf8.count)
        guard hex.count == 64 else { throw .malformed }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        var high: UInt8?
        for character in hex {
            guard let nibble = nibble(character) else { throw .malformed }
            if let h = high {
                bytes.append(h << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return bytes
    }

    private static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xf)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
