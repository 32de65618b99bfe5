import Foundation
import TestSupport
import Testing

/// The message status machine's closed sets are types (`MessageStatus`, `MessageDirection`,
/// `MessageAuthor`, `FailureReason`); SQL names their values through `.sql`. A value typed by
/// hand as a SQL literal elsewhere would drift from them unnoticed, so this reads the sources.
@Suite("No status, direction, author or failure reason typed as a SQL literal outside its type")
struct StatusLiteralTests {
    static let values = [
        "received", "queued", "sending", "sent", "delivered", "seen", "failed", "resend",
        "inbound", "outbound", "customer", "supporter", "bot",
        "invalid_format", "file_too_large", "url_blacklisted", "outside_window", "token_expired",
        "recipient_unavailable", "rate_limited", "graph_unavailable", "unknown",
    ]
    /// Where the values are defined (and their doc comments show one).
    static let owners: Set<String> = ["MessageStatus.swift", "FailureReason.swift"]

    static func findings(in root: URL) throws -> [String] {
        var found: [String] = []
        let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
        while let file = files?.nextObject() as? URL {
            guard file.pathExtension == "swift", !owners.contains(file.lastPathComponent) else { continue }
            let text = try String(contentsOf: file, encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                for value in values where line.contains("'\(value)'") {
                    found.append("\(file.path.dropFirst(root.path.count + 1)):\(number + 1): '\(value)'")
                }
            }
        }
        return found.sorted()
    }

    @Test("Sources has none")
    func sourcesClean() throws {
        #expect(try Self.findings(in: RepositoryPaths.root.appendingPathComponent("Sources")) == [])
    }

    @Test("the check finds one when it is there")
    func findsOne() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("herald-literals-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let quote = "'"
        try "let sql = \"UPDATE messages SET status = \(quote)failed\(quote)\"\n"
            .write(to: root.appendingPathComponent("Store.swift"), atomically: true, encoding: .utf8)
        #expect(try Self.findings(in: root) == ["Store.swift:1: 'failed'"])
    }
}
