import Foundation
import TestSupport
import Testing

/// SQL lives in `Postgres`, `JobQueue` and `HeraldCore`: the gateway, the workers and the
/// executables call stores instead of writing statements, so a rule and its SQL stay together.
@Suite("No SQL statements outside Postgres, JobQueue and HeraldCore")
struct SQLPlacementTests {
    static let allowed: Set<String> = ["Postgres", "JobQueue", "HeraldCore", "CLibPQ", "CCurl"]
    /// A statement's start, as a Swift source holds one (comments mention LISTEN or NOTIFY in words).
    static let statement = try! NSRegularExpression(
        pattern: #"\b(SELECT\s+[\w*(]|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|pg_notify\()"#)

    static func findings(in sources: URL) throws -> [String] {
        var found: [String] = []
        for target in try FileManager.default.contentsOfDirectory(atPath: sources.path).sorted()
        where !allowed.contains(target) {
            let files = FileManager.default.enumerator(
                at: sources.appendingPathComponent(target), includingPropertiesForKeys: nil)
            while let file = files?.nextObject() as? URL {
                guard file.pathExtension == "swift" else { continue }
                let text = try String(contentsOf: file, encoding: .utf8)
                for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                    let trimmed = line.trimmingCharacters(in: .whitespaces)
                    if trimmed.hasPrefix("//") { continue }
                    let range = NSRange(trimmed.startIndex..., in: trimmed)
                    if statement.firstMatch(in: trimmed, range: range) != nil {
                        found.append("\(target)/\(file.lastPathComponent):\(number + 1)")
                    }
                }
            }
        }
        return found
    }

    @Test("the other targets hold none")
    func none() throws {
        #expect(try Self.findings(in: RepositoryPaths.root.appendingPathComponent("Sources")) == [])
    }

    @Test("the check finds a statement where it does not belong")
    func findsOne() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("herald-sql-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let gateway = root.appendingPathComponent("Gateway")
        try FileManager.default.createDirectory(at: gateway, withIntermediateDirectories: true)
        try "// SELECT in a comment is fine\nlet sql = \"SELECT count(*) FROM jobs\"\n"
            .write(to: gateway.appendingPathComponent("Routes.swift"), atomically: true, encoding: .utf8)
        #expect(try Self.findings(in: root) == ["Gateway/Routes.swift:2"])
    }
}
