import Messenger

/// Subscribes the app to a page's webhooks (`POST /{page-id}/subscribed_apps`) when the page is
/// connected, and again on each retry.
///
/// A protocol here, like ``PageTokenChecker``, so the gateway and the `subscribe_page` job handler share
/// one implementation without an HTTP client of their own: the `herald` executable passes the
/// libcurl one from `Workers`, tests pass one pointed at fake-graph.
public protocol PageSubscriber: Sendable {
    /// Graph's answer to subscribing `pageID` to `GraphPageSubscription.fields` with its token.
    /// Never throws: an unreachable Graph is a transient failure.
    func subscribe(pageID: String, accessToken: String) async -> GraphPageSubscription.Outcome
}
