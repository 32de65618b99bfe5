import Curl
import HeraldCore
import Messenger

/// ``PageSubscriber``: `POST {graph}/{version}/{page-id}/subscribed_apps` on the
/// client's own threads, so the caller (an HTTP handler, the `subscribe_page` job) only suspends.
extension GraphHTTPClient: PageSubscriber {
    public func subscribe(pageID: String, accessToken: String) async -> GraphPageSubscription.Outcome {
        let url = GraphPageSubscription.url(
            graphBaseURL: graphBaseURL, version: version, pageID: pageID, accessToken: accessToken, appSecret: appSecret
        )
        do {
            let response = try await client.execute(HTTPRequest(method: .post, url: url, body: []))
            return GraphPageSubscription.outcome(
                httpStatus: response.status, body: response.body, headers: response.headers.map { ($0.name, $0.value) })
        } catch {
            // CurlError descriptions name the host, never the URL's query (which holds the token).
            return GraphPageSubscription.unreachable(description: "\(error)", isTimeout: error.isTimeout)
        }
    }
}
