import Foundation
import Gateway
import TestSupport
import Testing

/// Clients branch on error codes, so each is a constant and each is documented.
@Suite("API error codes: constants, each named in docs/api.md")
struct APIErrorCodeTests {
    @Test("every code is snake_case, unique and documented")
    func documented() throws {
        let api = try String(contentsOf: RepositoryPaths.docs.appendingPathComponent("api.md"), encoding: .utf8)
        let codes = APIError.Code.all.map(\.rawValue)
        #expect(Set(codes).count == codes.count)
        for code in codes {
            #expect(code.allSatisfy { $0.isLowercase || $0 == "_" }, "\(code)")
            let named = api.contains("`\(code)`")
            #expect(named, "docs/api.md does not name `\(code)`")
        }
    }

    @Test("the constants are every code the gateway's sources use")
    func complete() throws {
        let source = try String(
            contentsOf: RepositoryPaths.root.appendingPathComponent("Sources/Gateway/APIError+Code.swift"),
            encoding: .utf8)
        let declared = source.components(separatedBy: "public static let ").dropFirst().count - 1  // minus `all`
        #expect(declared == APIError.Code.all.count, "a constant is missing from `all`")
    }
}
