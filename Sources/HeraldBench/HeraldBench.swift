import ArgumentParser

/// `herald-bench`: benchmarks that need Herald's own code, kept out of the production `herald`
/// executable. scripts/bench-send runs `herald-bench jobs`, scripts/bench-pipeline `herald-bench webhooks`.
@main
struct HeraldBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "herald-bench",
        abstract: "Herald's benchmark tools (not part of the product).",
        subcommands: [BenchJobs.self, BenchWebhooks.self]
    )
}
