import Foundation
import Postgres

/// Which stored webhooks a bulk retry marks pending again: `herald replay` (processed, and parked
/// with `--include-parked`, since a time) and `POST /admin/webhook-events/retry` (one state,
/// optionally since a time and for one page) both describe theirs with it.
public struct WebhookEventSelection: Sendable, Hashable {
    /// Events in any of these states (none: nothing is selected).
    public var states: [WebhookEventState]
    /// Only events received at or after this time, when set.
    public var since: Date?
    /// Only events whose body has an entry for this page (`WebhookEnvelope.pageIDs`), when set.
    public var pageID: String?

    public init(states: [WebhookEventState], since: Date? = nil, pageID: String? = nil) {
        self.states = states
        self.since = since
        self.pageID = pageID
    }

    /// The states as one `text[]` parameter.
    var stateArray: String { PostgresArrayLiteral.text(states.map(\.rawValue)) }
}
