import Foundation
import Postgres

extension PageStore {
    /// What the page gauges report about one connected page.
    public struct PageHealth: Sendable, Hashable {
        public var pageID: String
        /// The page's last webhook, or when it was (re)connected if none came since.
        public var lastHeardAt: Date
        public var tokenExpired: Bool
    }

    /// Every connected page's last sign of life and token state, for the workers' gauges: a page
    /// Facebook stopped sending to goes quiet, and nothing else shows it.
    public func health(on connection: PostgresConnection) throws -> [PageHealth] {
        try connection.query(
            """
            SELECT id, COALESCE(last_webhook_at, GREATEST(connected_at, reconnected_at), created_at),
                   token_status = 'expired'
            FROM pages WHERE access_token IS NOT NULL
            """
        ).map {
            PageHealth(
                pageID: try $0.decode(0, as: String.self), lastHeardAt: try $0.decode(1, as: Date.self),
                tokenExpired: try $0.decode(2, as: Bool.self))
        }
    }
}
