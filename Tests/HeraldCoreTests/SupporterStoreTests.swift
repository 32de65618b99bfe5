import Foundation
import HeraldCore
import Postgres
import TestSupport
import Testing

@Suite("SupporterStore: tokens by hash, activity at most once a minute")
struct SupporterStoreTests {
    /// What `activity` saw, gathered off the cooperative pool and checked after.
    struct Observations: Sendable {
        var start = Date(timeIntervalSince1970: 1_800_000_000)
        var id: Int64 = 0
        var identity: SupporterStore.Identity?
        var tokenHash: [UInt8] = []
        var lastActive: [Date?] = []
        var rewrittenWithinMinute = true
        var unknown: SupporterStore.Identity?
        var revoked = false
        var revokedAgain = true
        var afterRevoke: SupporterStore.Identity?
        var rotatedAfterRevoke: IssuedSupporterToken?
    }

    @Test("identity by hash; last_active_at is written once a minute however often the token is used")
    func activity() async throws {
        try await TestDatabase.withSchema { schema in
            let seen = try await TestDatabase.offPool {
                let connection = try schema.connect()
                let store = SupporterStore()
                var seen = Observations()
                let start = seen.start
                let issued = try store.create(try NewSupporter(name: "Lan", email: nil), now: start, on: connection)
                seen.id = issued.supporter.id
                seen.tokenHash = issued.token.hash
                func lastActive() throws -> Date? {
                    try connection.query("SELECT last_active_at FROM supporters WHERE id = $1", [seen.id])[0]
                        .decode(0, as: Date?.self)
                }
                func version() throws -> String {
                    try connection.query("SELECT xmin::text FROM supporters WHERE id = $1", [seen.id])[0].decode(
                        0, as: String.self)
                }
                seen.lastActive.append(try lastActive())
                seen.identity = try store.identity(tokenHash: issued.token.hash, now: start, on: connection)
                seen.lastActive.append(try lastActive())
                // Used again within the minute: no write.
                let before = try version()
                for seconds in [1.0, 30, 59] {
                    _ = try store.identity(
                        tokenHash: issued.token.hash, now: start.addingTimeInterval(seconds), on: connection)
                }
                seen.lastActive.append(try lastActive())
                seen.rewrittenWithinMinute = try version() != before
                _ = try store.identity(tokenHash: issued.token.hash, now: start.addingTimeInterval(61), on: connection)
                seen.lastActive.append(try lastActive())

                seen.unknown = try store.identity(tokenHash: SupporterToken.generate().hash, now: start, on: connection)
                seen.revoked = try store.revoke(id: seen.id, now: start, on: connection)
                seen.revokedAgain = try store.revoke(id: seen.id, now: start, on: connection)
                seen.afterRevoke = try store.identity(tokenHash: issued.token.hash, now: start, on: connection)
                seen.rotatedAfterRevoke = try store.rotate(id: seen.id, now: start, on: connection)
                return seen
            }
            let start = seen.start
            #expect(seen.identity == SupporterStore.Identity(id: seen.id, name: "Lan", tokenHash: seen.tokenHash))
            #expect(seen.lastActive == [nil, start, start, start.addingTimeInterval(61)])
            #expect(!seen.rewrittenWithinMinute, "the row is not rewritten within the minute")
            #expect(seen.unknown == nil)
            #expect(seen.revoked && !seen.revokedAgain)
            #expect(seen.afterRevoke == nil)
            #expect(seen.rotatedAfterRevoke == nil)
        }
    }

    @Test("names are trimmed and 1 to 100 characters; emails need an @")
    func validation() throws {
        #expect(
            try NewSupporter(name: " Lan ", email: " lan@shop.example ")
                == NewSupporter(name: "Lan", email: "lan@shop.example"))
        #expect(try NewSupporter(name: String(repeating: "ễ", count: 100), email: nil).name.count == 100)
        for name in [nil, "", "  \n", String(repeating: "a", count: 101)] {
            #expect(throws: NewSupporter.Invalid.self) { try NewSupporter(name: name, email: nil) }
        }
        #expect(throws: NewSupporter.Invalid.self) { try NewSupporter(name: "Lan", email: "nope") }
    }

    @Test("tokens are hs_ and 43 base64url characters, distinct each time")
    func tokens() {
        let tokens = (0..<100).map { _ in SupporterToken.generate().text }
        #expect(Set(tokens).count == 100)
        #expect(
            tokens.allSatisfy {
                $0.hasPrefix("hs_") && $0.count == 46 && !$0.contains("=") && !$0.contains("+") && !$0.contains("/")
            })
    }
}
