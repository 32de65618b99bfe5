import Messenger
import Testing

@Suite("SealedToken")
struct SealedTokenTests {
    static let key = [UInt8](repeating: 7, count: 32)

    @Test("a sealed token opens with its key to the same text")
    func roundTrip() throws {
        let sealed = try SealedToken.seal("EAAB-page-token", key: Self.key)
        #expect(sealed != Array("EAAB-page-token".utf8))
        #expect(sealed.count == 12 + "EAAB-page-token".utf8.count + 16)
        #expect(try SealedToken.open(sealed, key: Self.key) == "EAAB-page-token")
    }

    @Test("another key, tampered bytes or garbage do not open")
    func wrongKey() throws {
        let sealed = try SealedToken.seal("EAAB-page-token", key: Self.key)
        #expect(throws: SealedToken.OpenError.self) {
            try SealedToken.open(sealed, key: [UInt8](repeating: 8, count: 32))
        }
        var tampered = sealed
        tampered[tampered.count - 1] ^= 1
        #expect(throws: SealedToken.OpenError.self) { try SealedToken.open(tampered, key: Self.key) }
        #expect(throws: SealedToken.OpenError.self) { try SealedToken.open([1, 2, 3], key: Self.key) }
    }

    @Test("sealing the same token twice gives different bytes (fresh nonce)")
    func freshNonce() throws {
        let first = try SealedToken.seal("same", key: Self.key)
        let second = try SealedToken.seal("same", key: Self.key)
        #expect(first != second)
        #expect(try SealedToken.open(first, key: Self.key) == "same")
        #expect(try SealedToken.open(second, key: Self.key) == "same")
    }
}
