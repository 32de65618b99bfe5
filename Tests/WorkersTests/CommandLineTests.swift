import Foundation
import TestSupport
import Testing

/// The `herald` executable's own checks, run as a process the way an operator runs it.
@Suite("herald command line")
struct CommandLineTests {
    static var binary: String { RepositoryPaths.root.appendingPathComponent(".build/debug/herald").path }

    @Test("--concurrency outside 1…256 is refused with a usage error before anything starts", arguments: ["0", "257", "-3"])
    func concurrencyRange(value: String) throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build herald first (scripts/test does)")
        for command in ["work", "run"] {
            let (status, output) = try ChildProcess.run(
                Self.binary, [command, "--concurrency=\(value)"], environment: ["PATH": "/usr/bin:/bin"])
            #expect(status == 64, "\(command): \(output)")
            #expect(output.contains("--concurrency must be 1 to 256"), "\(command): \(output)")
        }
    }

    @Test("missing required settings stop start-up with exit code 78, one line per variable")
    func missingSettings() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build herald first (scripts/test does)")
        let (status, output) = try ChildProcess.run(Self.binary, ["serve"], environment: ["PATH": "/usr/bin:/bin"])
        #expect(status == 78, "\(output)")
        for name in ["HERALD_DATABASE_URL", "HERALD_APP_SECRET", "HERALD_VERIFY_TOKEN", "HERALD_API_TOKEN", "HERALD_ADMIN_TOKEN"] {
            #expect(output.contains(name), "\(name) not named: \(output)")
        }
    }
}
