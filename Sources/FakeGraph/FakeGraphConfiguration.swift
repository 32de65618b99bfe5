/// Settings for one `fake-graph` server.
public struct FakeGraphConfiguration: Sendable {
    /// Address to bind. Default: `127.0.0.1`.
    public var host: String
    /// Port to bind; 0 picks a free one (read it from ``RunningFakeGraph/port``). Default: 0.
    public var port: Int
    /// Added before every Graph answer (not `/_fake/*`): a timer on the event loop for sends,
    /// `Task.sleep` for `/me`. Default: zero.
    public var latency: Duration
    /// The page `GET /me` describes and the rate-limit usage header names. Default: `"100000000000001"`.
    public var pageID: String
    /// The name `GET /me` answers. Default: `"Fake Page"`.
    public var pageName: String
    /// Most sends kept for `GET /_fake/requests`, newest kept. Default: 10,000.
    public var maxRecordedRequests: Int
    /// Largest request body read; bigger ones get the malformed-body answer. Default: 1 MiB.
    public var maxBodyBytes: Int

    /// Creates a configuration; every parameter defaults to the value documented on its property.
    public init(
        host: String = "127.0.0.1", port: Int = 0, latency: Duration = .zero, pageID: String = "100000000000001",
        pageName: String = "Fake Page", maxRecordedRequests: Int = 10_000, maxBodyBytes: Int = 1 << 20
    ) {
        self.host = host
        self.port = port
        self.latency = latency
        self.pageID = pageID
        self.pageName = pageName
        self.maxRecordedRequests = maxRecordedRequests
        self.maxBodyBytes = maxBodyBytes
    }
}
