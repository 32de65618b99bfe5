/// A `fake-graph` server started by ``FakeGraphServer/start(configuration:logger:)``.
public final class RunningFakeGraph: Sendable {
    /// The bound port (the free one picked when the configuration asked for 0).
    public let port: Int
    /// The configured host, e.g. `127.0.0.1`.
    public let host: String
    private let recorder: FakeGraphRecorder
    private let task: Task<Void, any Error>
    private let shutdown: @Sendable () async -> Void

    init(
        host: String, port: Int, recorder: FakeGraphRecorder, task: Task<Void, any Error>,
        shutdown: @escaping @Sendable () async -> Void
    ) {
        self.host = host
        self.port = port
        self.recorder = recorder
        self.task = task
        self.shutdown = shutdown
    }

    /// `http://host:port`, without a trailing slash: the stand-in for `https://graph.facebook.com`.
    public var baseURL: String {
        host.contains(":") ? "http://[\(host)]:\(port)" : "http://\(host):\(port)"
    }

    /// The calls received, sends and subscriptions, oldest first (at most the configured number).
    public func requests() -> [ReceivedSend] {
        recorder.sends()
    }

    /// The `subscribed_apps` calls among ``requests()``, oldest first.
    public func subscriptions() -> [ReceivedSend] {
        recorder.sends().filter { $0.endpoint == ReceivedSend.subscribedApps }
    }

    /// Counts by outcome since start or the last ``clear()``.
    public func stats() -> FakeGraphStats {
        recorder.stats()
    }

    /// The User Profile API calls received, oldest first (`GET /_fake/profile-requests`).
    public func profileRequests() -> [ReceivedProfileCall] {
        recorder.profiles.calls()
    }

    /// Answers `profile` for its PSID from now on, like `POST /_fake/profiles`.
    public func script(_ profile: ScriptedProfile) {
        recorder.profiles.script(profile)
    }

    /// Takes `url` off the blocklist, like `POST /_fake/allowed-urls`.
    public func allow(url: String) {
        recorder.allow(url: url)
    }

    /// Forgets recorded sends, counts and flaky counters, like `DELETE /_fake/requests`.
    public func clear() {
        recorder.clear()
    }

    /// Stops the server gracefully (in-flight requests are answered) and waits until it has closed.
    /// Safe to call twice. Anything still running after `RunningFakeGraph.stopTimeout` is cancelled.
    public func stop() async {
        await shutdown()
        let task = self.task
        let deadline = Task {
            try await Task.sleep(for: Self.stopTimeout)
            task.cancel()
        }
        _ = try? await task.value
        deadline.cancel()
    }

    /// How long ``stop()`` waits for a graceful shutdown before cancelling: 5 seconds.
    public static let stopTimeout = Duration.seconds(5)
}
