import Foundation
import HeraldCore
import Postgres
import Synchronization

/// Finds the supporter a bearer token belongs to, with a short cache so a busy console does not
/// cost a query per request.
///
/// Revoking or rotating a token must take effect on every gateway replica within 5 s, and the
/// replicas share nothing but Postgres: each keeps an answer (a supporter, or "no one") for at
/// most `ttl` (2 s), then asks the database again. Open streams re-check their token every second
/// through the same cache (`V1StreamRoutes`), so they end within ttl + 1 s + a query.
final class SupporterAuthenticator: Sendable {
    /// How long an answer is kept. Default: 2 s.
    static let defaultTTL: Duration = .seconds(2)
    /// Answers kept at most; a flood of unknown tokens empties the cache rather than growing it.
    static let maxEntries = 10_000

    private struct Entry {
        var identity: SupporterStore.Identity?
        var expires: ContinuousClock.Instant
    }

    private let pool: PostgresPool
    private let clock: any HeraldClock
    private let ttl: Duration
    private let store = SupporterStore()
    private let cache = Mutex<[[UInt8]: Entry]>([:])

    init(pool: PostgresPool, clock: any HeraldClock, ttl: Duration = SupporterAuthenticator.defaultTTL) {
        self.pool = pool
        self.clock = clock
        self.ttl = ttl
    }

    /// The supporter whose token is `presented`, or nil (not a supporter token, unknown, revoked,
    /// or replaced). Only the hash is kept or sent to the database.
    func identify(_ presented: [UInt8]) async throws -> SupporterStore.Identity? {
        guard presented.starts(with: Array(SupporterToken.prefix.utf8)) else { return nil }
        return try await identify(hash: SupporterToken.hash(presented))
    }

    /// As `identify`, by the token's hash.
    func identify(hash: [UInt8]) async throws -> SupporterStore.Identity? {
        let now = ContinuousClock.now
        if let entry = cache.withLock({ $0[hash] }), entry.expires > now {
            return entry.identity
        }
        let wallNow = clock.now()
        let found = try await pool.api { [store] in try store.identity(tokenHash: hash, now: wallNow, on: $0) }
        // The row was found by its hash; comparing the stored hash again in constant time keeps
        // the last step of the check free of timing differences, whatever the index did.
        let identity = found.flatMap { BearerToken.matches(hash, $0.tokenHash) ? $0 : nil }
        cache.withLock { cache in
            if cache.count >= Self.maxEntries {
                cache = cache.filter { $0.value.expires > now }
                if cache.count >= Self.maxEntries { cache.removeAll() }
            }
            cache[hash] = Entry(identity: identity, expires: now + ttl)
        }
        return identity
    }
}
