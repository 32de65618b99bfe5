import Crypto
import Foundation

/// Seals short secrets (page access tokens) with AES-GCM for storage at rest.
///
/// The sealed form is AES-GCM's combined box: 12-byte nonce, ciphertext, 16-byte tag. A fresh
/// random nonce per seal means the same token never seals to the same bytes twice. The key stays
/// plain bytes (`SymmetricKey` is not `Sendable` on every platform) and becomes a key only here.
public enum SealedToken {
    /// Why a sealed token could not be opened.
    public struct OpenError: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String { "sealed token cannot be opened with this key" }
    }

    /// `token` sealed with a 32-byte `key`: nonce + ciphertext + tag.
    public static func seal(_ token: String, key: [UInt8]) throws -> [UInt8] {
        let box = try AES.GCM.seal(Array(token.utf8), using: SymmetricKey(data: key))
        guard let combined = box.combined else { throw OpenError() }
        return Array(combined)
    }

    /// The token inside `sealed`; throws `OpenError` for a wrong key or tampered bytes.
    public static func open(_ sealed: [UInt8], key: [UInt8]) throws -> String {
        do {
            let box = try AES.GCM.SealedBox(combined: sealed)
            let plain = try AES.GCM.open(box, using: SymmetricKey(data: key))
            guard let token = String(bytes: plain, encoding: .utf8) else { throw OpenError() }
            return token
        } catch {
            throw OpenError()
        }
    }
}
