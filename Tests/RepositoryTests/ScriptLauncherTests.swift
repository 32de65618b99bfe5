import Foundation
import TestSupport
import Testing

/// The scripts in `scripts/` only launch: their Python lives in `tools/herald_tools` (unit-tested
/// by `scripts/test`), and the rows they start from come from Herald's own code through
/// `herald-bench seed`, so no script carries a program in a heredoc or a copy of product SQL.
@Suite("Scripts are launchers")
struct ScriptLauncherTests {
    /// A Python program inside a shell script: a heredoc or `-c` fed to python3.
    static let inlinePython = try! NSRegularExpression(pattern: #"python3\s+(-\s|-c\b)|<<-?\s*'?PY'?\b"#)
    /// A copy of product SQL: a queued message as OutboundStore writes it, JobQueue's claim, or a
    /// page or customer written by hand (PageStore and webhook ingest make them:
    /// `herald-bench seed customers`). bench-status's job and message fixtures in other states
    /// are its own, not copies.
    static let productSQL = try! NSRegularExpression(
        pattern:
            #"INSERT\s+INTO\s+messages\b[^;]*'queued'|LIMIT\s+\d+\s+FOR\s+UPDATE\s+SKIP\s+LOCKED|INSERT\s+INTO\s+(pages|customers)\b"#
    )

    static func findings(in scripts: URL) throws -> [String] {
        var found: [String] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: scripts.path).sorted() {
            let text = Self.withoutFrozenSQL(
                try String(contentsOf: scripts.appendingPathComponent(name), encoding: .utf8))
            if text.hasPrefix("#!/usr/bin/env python3") { continue }  // a Python program of its own, e.g. check-paths
            let range = NSRange(text.startIndex..., in: text)
            if inlinePython.firstMatch(in: text, range: range) != nil { found.append("\(name): inline Python") }
            if productSQL.firstMatch(in: text, range: range) != nil { found.append("\(name): a copy of product SQL") }
        }
        return found
    }

    /// A before/after benchmark measures a statement as it was, and a volume benchmark may need
    /// more rows than Herald's own code makes in the time: such SQL is fenced by
    /// `# frozen-sql: <why>` … `# end frozen-sql` and not counted (the reason is required).
    static func withoutFrozenSQL(_ text: String) -> String {
        var kept: [Substring] = []
        var frozen = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# frozen-sql: "), line.count > "# frozen-sql: ".count { frozen = true }
            if !frozen { kept.append(line) }
            if line == "# end frozen-sql" { frozen = false }
        }
        return kept.joined(separator: "\n")
    }

    @Test("no script holds inline Python or a copy of product SQL")
    func none() throws {
        #expect(try Self.findings(in: RepositoryPaths.scripts) == [])
    }

    @Test("the check finds both")
    func findsThem() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "herald-scripts-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "#!/usr/bin/env bash\npython3 - \"$1\" <<'PY'\nprint(1)\nPY\n"
            .write(to: folder.appendingPathComponent("a"), atomically: true, encoding: .utf8)
        try "#!/usr/bin/env bash\npsql <<'SQL'\nINSERT INTO messages (status)\nSELECT 'queued' FROM m;\nSQL\n"
            .write(to: folder.appendingPathComponent("b"), atomically: true, encoding: .utf8)
        try "#!/usr/bin/env bash\npsql -c \"INSERT INTO customers (page_id, psid) VALUES ('1', '2')\"\n"
            .write(to: folder.appendingPathComponent("b2"), atomically: true, encoding: .utf8)
        try "#!/usr/bin/env python3\nimport sys\n".write(
            to: folder.appendingPathComponent("c"), atomically: true, encoding: .utf8)
        // Fenced as a frozen "before" statement: not counted; the same without a reason: counted.
        let claim = "psql <<'SQL'\nSELECT id FROM jobs LIMIT 5 FOR UPDATE SKIP LOCKED;\nSQL\n"
        try "#!/usr/bin/env bash\n# frozen-sql: the claim before the change\n\(claim)# end frozen-sql\n"
            .write(to: folder.appendingPathComponent("d"), atomically: true, encoding: .utf8)
        try "#!/usr/bin/env bash\n# frozen-sql:\n\(claim)# end frozen-sql\n"
            .write(to: folder.appendingPathComponent("e"), atomically: true, encoding: .utf8)
        #expect(
            try Self.findings(in: folder) == [
                "a: inline Python", "b: a copy of product SQL", "b2: a copy of product SQL", "e: a copy of product SQL",
            ])
    }
}
