import Foundation
import Postgres

/// Supporter accounts (`supporters`, sql/0010): created, listed, revoked and rotated by admins,
/// and found by token hash for every `/v1` request a supporter makes.
public struct SupporterStore: Sendable {
    /// `last_active_at` is written at most this often per supporter, whatever the request rate.
    public static let activityResolution: TimeInterval = 60

    /// A supporter a token belongs to, with the stored hash (the caller compares it with the
    /// presented one in constant time).
    public struct Identity: Sendable, Hashable {
        public var id: Int64
        public var name: String
        public var tokenHash: [UInt8]

        public init(id: Int64, name: String, tokenHash: [UInt8]) {
            self.id = id
            self.name = name
            self.tokenHash = tokenHash
        }
    }

    public init() {}

    static let columns = "id, name, email, created_at, token_rotated_at, last_active_at, revoked_at"

    /// A new supporter with a new token (returned once, stored only as its hash).
    public func create(_ new: NewSupporter, now: Date, on connection: PostgresConnection) throws -> IssuedSupporterToken
    {
        let token = SupporterToken.generate()
        let rows = try connection.query(
            """
            INSERT INTO supporters (name, email, token_hash, created_at) VALUES ($1, $2, $3, $4)
            RETURNING \(Self.columns)
            """, [new.name, new.email, token.hash, now])
        return IssuedSupporterToken(supporter: try Self.resource(rows[0]), token: token)
    }

    /// Every supporter, revoked ones included, oldest first (a team's accounts: never paged).
    public func list(on connection: PostgresConnection) throws -> [SupporterResource] {
        try connection.query("SELECT \(Self.columns) FROM supporters ORDER BY id").map(Self.resource)
    }

    /// Revokes the supporter; false when there is no such supporter or it was already revoked.
    public func revoke(id: Int64, now: Date, on connection: PostgresConnection) throws -> Bool {
        !(try connection.query(
            "UPDATE supporters SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING id", [id, now]))
            .isEmpty
    }

    /// Replaces the token of a supporter that is not revoked (the old one stops working); nil
    /// when there is no such supporter or it is revoked.
    public func rotate(id: Int64, now: Date, on connection: PostgresConnection) throws -> IssuedSupporterToken? {
        let token = SupporterToken.generate()
        let rows = try connection.query(
            """
            UPDATE supporters SET token_hash = $2, token_rotated_at = $3 WHERE id = $1 AND revoked_at IS NULL
            RETURNING \(Self.columns)
            """, [id, token.hash, now])
        return try rows.first.map { IssuedSupporterToken(supporter: try Self.resource($0), token: token) }
    }

    /// The supporter whose token hashes to `tokenHash`, unless revoked; nil otherwise. Notes the
    /// activity in the same statement when the last note is a minute old or more, so a busy
    /// supporter costs one write a minute, not one per request.
    public func identity(tokenHash: [UInt8], now: Date, on connection: PostgresConnection) throws -> Identity? {
        let rows = try connection.query(
            """
            WITH found AS (
                SELECT id, name, token_hash, last_active_at FROM supporters WHERE token_hash = $1 AND revoked_at IS NULL
            ), touched AS (
                UPDATE supporters s SET last_active_at = $2 FROM found
                WHERE s.id = found.id
                  AND (found.last_active_at IS NULL OR found.last_active_at <= $2::timestamptz - $3 * interval '1 second')
                RETURNING s.id
            )
            SELECT id, name, token_hash FROM found
            """, [tokenHash, now, Int(Self.activityResolution)])
        return try rows.first.map {
            Identity(
                id: try $0.decode(0, as: Int64.self), name: try $0.decode(1, as: String.self),
                tokenHash: try $0.decode(2, as: [UInt8].self))
        }
    }

    static func resource(_ row: PostgresRow) throws -> SupporterResource {
        SupporterResource(
            id: try row.decode("id", as: Int64.self), name: try row.decode("name", as: String.self),
            email: try row.decode("email", as: String?.self), createdAt: try row.decode("created_at", as: Date.self),
            tokenRotatedAt: try row.decode("token_rotated_at", as: Date?.self),
            lastActiveAt: try row.decode("last_active_at", as: Date?.self),
            revokedAt: try row.decode("revoked_at", as: Date?.self))
    }
}
