import Messenger

/// Asks Graph whether a page access token works, before `PUT /admin/pages/{id}` stores it.
///
/// A protocol here so the gateway can use it without an HTTP client of its own: the `herald`
/// executable passes the libcurl implementation from `Workers`, tests pass fake-graph's.
public protocol PageTokenChecker: Sendable {
    /// Graph's verdict on `accessToken`. Never throws: an unreachable Graph is `.undecided`.
    func check(accessToken: String) async -> GraphTokenCheck.Verdict
}
