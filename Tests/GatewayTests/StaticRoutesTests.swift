import Curl
import Foundation
import TestSupport
import Testing

@Suite("GET /console and /openapi.yaml")
struct StaticRoutesTests {
    /// The console's ES modules as they are in the repository (file names).
    static func moduleFiles() throws -> [String] {
        let folder = RepositoryPaths.root.appendingPathComponent("Sources/Gateway/Static/console")
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".js") }.sorted()
    }

    /// The relative module URLs a script imports (`from "./x.js"`), as file names.
    static func imports(of script: String) -> [String] {
        let pattern = #/from\s+"\./([A-Za-z0-9_-]+\.js)"/#
        return script.matches(of: pattern).map { String($0.output.1) }
    }

    @Test(
        "the console page, its styles, every module and the API description are served without a token, under the CSP")
    func served() async throws {
        let modules = try Self.moduleFiles()
        #expect(modules.contains("console.js") && modules.count > 5, "modules found: \(modules)")
        try await TestDatabase.withSchema { schema in
            try await TestGateway.with(database: schema.configuration) { gateway in
                let files =
                    [
                        ("/console", "text/html"), ("/console/console.css", "text/css"),
                        ("/openapi.yaml", "application/yaml"),
                    ]
                    + modules.map { ("/console/\($0)", "text/javascript") }
                for (path, type) in files {
                    let response = try await gateway.get(path)
                    #expect(response.status == 200, "\(path)")
                    #expect(response.header("Content-Type")?.hasPrefix(type) == true, "\(path)")
                    #expect(response.header("Cache-Control") == "no-cache", "\(path)")
                    #expect(
                        response.header("Content-Security-Policy")?.hasPrefix("default-src 'self';") == true, "\(path)")
                    #expect(!response.body.isEmpty, "\(path)")
                }
                // Each module is the file in the repository byte for byte, and everything it
                // imports is served too (a module missing from Package.swift or the route table
                // would break the console without a build error).
                let folder = RepositoryPaths.root.appendingPathComponent("Sources/Gateway/Static/console")
                for module in modules {
                    let served = try await gateway.get("/console/\(module)")
                    let file = try Data(contentsOf: folder.appendingPathComponent(module))
                    #expect(served.body == Array(file), "/console/\(module) is the repository's file")
                    for imported in Self.imports(of: served.text) {
                        #expect(
                            modules.contains(imported), "\(module) imports \(imported), which is not a served module")
                    }
                }
                let unknown = try await gateway.get("/console/secrets.env")
                #expect(unknown.status == 404)
                let served = try await gateway.get("/openapi.yaml")
                let documented = try Data(contentsOf: RepositoryPaths.root.appendingPathComponent("docs/openapi.yaml"))
                #expect(served.body == Array(documented), "GET /openapi.yaml is docs/openapi.yaml byte for byte")
                let page = try await gateway.get("/console")
                #expect(page.text.contains(#"<script type="module" src="/console/console.js">"#))
            }
        }
    }
}
