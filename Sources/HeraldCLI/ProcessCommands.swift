import ArgumentParser

/// `herald serve`: the HTTP gateway.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the HTTP gateway: webhook receiver, supporter and admin APIs, health, metrics.",
        discussion: Setting.helpText(for: .serve)
    )

    func run() async throws {
        try await HeraldProcess(roles: .serve).run()
    }
}

/// `herald work`: the worker pools.
struct Work: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Run the workers: webhook ingest, sending, the other jobs and maintenance. Scale by running more processes.",
        discussion: Setting.helpText(for: .work)
    )

    @OptionGroup var threads: SendThreadsOption

    func run() async throws {
        try await HeraldProcess(roles: .work, concurrency: threads.concurrency).run()
    }
}

/// `herald run`: gateway and workers in one process, the default for one machine.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the gateway and the workers in one process.",
        discussion: Setting.helpText(for: [.serve, .work])
    )

    @OptionGroup var threads: SendThreadsOption

    func run() async throws {
        try await HeraldProcess(roles: [.serve, .work], concurrency: threads.concurrency).run()
    }
}

/// `--concurrency` of `herald work` and `herald run`.
struct SendThreadsOption: ParsableArguments {
    @Option(help: "Send threads in this process, 1-256 (overrides HERALD_CONCURRENCY).")
    var concurrency: Int?

    func validate() throws {
        if let concurrency, !(1...256).contains(concurrency) {
            throw ValidationError("--concurrency must be 1 to 256, got \(concurrency)")
        }
    }
}
