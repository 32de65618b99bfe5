import Foundation
import TestSupport
import Testing

/// `scripts/check-paths`, which `scripts/test` runs before building: a clone of this repository
/// must pass its tests alone, so nothing in it may refer to a folder beside the checkout.
@Suite("scripts/check-paths: nothing refers outside the repository", .onTestThreads)
struct RepositoryPathGuardTests {
    static let guardScript = RepositoryPaths.scripts.appendingPathComponent("check-paths").path

    /// The team notebook's folder, with its slash escaped so this file does not trip the guard.
    static let notebook = "..\u{2F}shared"
    static let notebookFixtures = "shared\u{2F}fixtures"

    @Test("this repository passes")
    func repositoryPasses() throws {
        let result = try Self.check(RepositoryPaths.root.path)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.isEmpty)
    }

    @Test("a tree with only inside paths passes")
    func cleanTreePasses() throws {
        try Self.withRepository([
            "README.md": "See [the design](docs/design.md).\n",
            "docs/api.md": "Back to the [README](../README.md).\n",  // check-paths: allow
            "Tests/Fixtures/README.md": "Read [the notes](../../docs/messenger.md).\n",  // check-paths: allow
            "scripts/run": "cd \"$(dirname -- \"$0\")/..\"\nexec .build/release/herald run\n",
            "scripts/bench": "# a line that shows one on purpose: ../../x check-paths: allow\n",  // check-paths: allow
        ]) { root in
            let result = try Self.check(root)
            #expect(result.status == 0, "\(result.output)")
        }
    }

    @Test("a deliberately added notebook reference fails, naming the file and line")
    func notebookReferenceFails() throws {
        try Self.withRepository([
            "README.md": "Herald.\n",
            "Tests/Fake/Loader.swift":
                "import Foundation\n\nlet url = URL(fileURLWithPath: \"\(Self.notebook)/fixtures/a.json\")\n",
        ]) { root in
            let result = try Self.check(root)
            #expect(result.status == 1)
            #expect(result.output.contains("Tests/Fake/Loader.swift:3: refers to the team's notebook"))
            #expect(!result.output.contains("README.md"))
        }
    }

    @Test(
        "notebook documents, climbing paths and machine paths fail",
        arguments: [
            ("docs/notes.md", "The rules are in DESIGN.md.", "refers to the team's notebook"),  // check-paths: allow
            (
                "docs/notes.md", "Read [this](../../elsewhere/notes.md).",  // check-paths: allow
                "climbs above the repository root"
            ),
            ("scripts/bench", "source ../tools/lib.sh", "climbs above the repository root"),  // check-paths: allow
            ("Sources/A/A.swift", "let fixtures = \"\(notebookFixtures)\"", "refers to the team's notebook"),
            (
                "docs/bench.md", "HERALD_BIN_DIR=/work/main/.build/release",  // check-paths: allow
                "names an absolute path"
            ),
        ])
    func outsidePathsFail(file: String, line: String, finding: String) throws {
        try Self.withRepository(["README.md": "Herald.\n", file: "first line\n\(line)\n"]) { root in
            let result = try Self.check(root)
            #expect(result.status == 1)
            let reported = result.output.split(separator: "\n").filter { $0.hasPrefix("\(file):2: ") }
            #expect(reported.count == 1 && reported[0].contains(finding), "\(result.output)")
        }
    }

    static func check(_ root: String) throws -> (status: Int32, output: String) {
        try ChildProcess.run(guardScript, ["--repo", root], environment: ProcessInfo.processInfo.environment)
    }

    /// A throwaway git work tree holding `files` (untracked files count: the guard reads them too).
    static func withRepository(_ files: [String: String], _ body: (String) throws -> Void) throws {
        let root = FileManager.default.temporaryDirectory
            .appendingPathComponent("herald-path-guard-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let git = try ChildProcess.run("/usr/bin/git", ["init", "-q", root.path], environment: [:])
        try #require(git.status == 0, "git init: \(git.output)")
        for (path, text) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        try body(root.path)
    }
}
