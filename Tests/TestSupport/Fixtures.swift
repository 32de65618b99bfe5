import Foundation

/// The webhook fixtures and their signature vectors (`Tests/Fixtures/webhooks`).
public enum WebhookFixtures {
    public static let directory = RepositoryPaths.fixtures.appendingPathComponent("webhooks")

    /// The app secret the vectors were made with.
    public static var appSecret: String {
        get throws { try signatureFile().first { $0.0 == "app_secret" }!.1 }
    }

    /// Every fixture name with its `X-Hub-Signature-256` value.
    public static func signatures() throws -> [(name: String, signature: String)] {
        try signatureFile().filter { $0.0.hasSuffix(".json") }.map { (name: $0.0, signature: $0.1) }
    }

    /// A fixture's exact bytes.
    public static func body(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    private static func signatureFile() throws -> [(String, String)] {
        let text = try String(contentsOf: directory.appendingPathComponent("SIGNATURES.txt"), encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
    }
}
