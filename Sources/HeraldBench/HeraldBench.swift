import ArgumentParser

/// `herald-bench`: benchmarks that need Herald's own code, kept out of the production `herald`
/// executable. scripts/bench-send runs `herald-bench jobs` and `statements`; the benchmarks and
/// drills create their rows with `herald-bench seed`.
@main
struct HeraldBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "herald-bench",
        abstract: "Herald's benchmark tools (not part of the product).",
        subcommands: [BenchJobs.self, BenchSeed.self, BenchStatements.self]
    )
}
