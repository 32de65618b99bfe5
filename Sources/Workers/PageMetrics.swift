import Foundation
import HeraldCore
import JobQueue
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
        let pages = try PageStore().health(on: connection)
        for page in pages {
            WorkerMetrics.handles.gauge("herald_page_last_webhook_age_seconds", [("page_id", page.pageID)])
                .record(max(now.timeIntervalSince(page.lastHeardAt), 0))
        }
        WorkerMetrics.handles.gauge("herald_pages_token_expired").record(pages.filter(\.tokenExpired).count)
    }
}
