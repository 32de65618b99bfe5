import Foundation
import Metrics
import Postgres

/// Gauges of the connected pages, refreshed with the backlog gauges (every 5 s per worker
/// process), so Prometheus can alert on what docs/operations.md otherwise asks for in SQL:
///
/// | metric | type | labels |
/// | --- | --- | --- |
/// | `herald_page_last_webhook_age_seconds` | gauge | `page_id`: seconds since the page's last webhook (since it was connected, if none yet) |
/// | `herald_pages_token_expired` | gauge | — (pages whose sends stopped until an admin reconnects them) |
///
/// Facebook unsubscribes an app whose deliveries fail for an hour without telling anyone, so a
/// page that goes quiet is the only sign. One row per connected page: the label set grows with
/// the pages an installation serves, which is small.
enum PageMetrics {
    static func publish(now: Date, on connection: PostgresConnection) throws {
        let rows = try connection.query(
            """
            SELECT id, COALESCE(last_webhook_at, GREATEST(connected_at, reconnected_at), created_at), token_status = 'expired'
            FROM pages WHERE access_token IS NOT NULL
            """)
        var expired = 0
        for row in rows {
            let page = try row.decode(0, as: String.self)
            let since = try row.decode(1, as: Date.self)
            if try row.decode(2, as: Bool.self) { expired += 1 }
            Gauge(label: "herald_page_last_webhook_age_seconds", dimensions: [("page_id", page)])
                .record(max(now.timeIntervalSince(since), 0))
        }
        Gauge(label: "herald_pages_token_expired").record(expired)
    }
}
