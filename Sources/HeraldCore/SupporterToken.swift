import Crypto
import Foundation

/// A supporter's bearer token: `hs_` and 32 random bytes in unpadded base64url (46 characters,
/// safe in a header, a URL or a shell). Shown once, when created or rotated; Herald keeps only
/// its SHA-256 (`supporters.token_hash`). With 256 random bits a fast hash is right: no password
/// hash is needed to stop guessing, and every request pays for the hash.
public struct SupporterToken: Sendable {
    /// Tells a supporter token from the service tokens at a glance (and in secret scanners).
    public static let prefix = "hs_"
    static let randomByteCount = 32

    /// The token itself; never logged or stored.
    public let text: String

    /// A new token from the system's cryptographically secure generator.
    public static func generate() -> SupporterToken {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<randomByteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let encoded = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return SupporterToken(text: prefix + encoded)
    }

    /// What is stored and looked up: SHA-256 of the token's UTF-8 bytes as presented.
    public static func hash(_ presented: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: presented))
    }

    public var hash: [UInt8] { Self.hash(Array(text.utf8)) }
}
