import Curl
import Foundation
import TestSupport
import Testing

@Suite("GET /console and /openapi.yaml")
struct StaticRoutesTests {
    @Test("the console page, its script and styles, and the API description are served without a token")
    func served() async throws {
        try await TestDatabase.withSchema { schema in
            try await TestGateway.with(database: schema.configuration) { gateway in
                for (path, type) in [
                    ("/console", "text/html"), ("/console/console.js", "text/javascript"),
                    ("/console/console.css", "text/css"), ("/openapi.yaml", "application/yaml"),
                ] {
                    let response = try await gateway.get(path)
                    #expect(response.status == 200, "\(path)")
                    #expect(response.header("Content-Type")?.hasPrefix(type) == true, "\(path)")
                    #expect(!response.body.isEmpty, "\(path)")
                }
                let served = try await gateway.get("/openapi.yaml")
                let documented = try Data(contentsOf: RepositoryPaths.root.appendingPathComponent("docs/openapi.yaml"))
                #expect(served.body == Array(documented), "GET /openapi.yaml is docs/openapi.yaml byte for byte")
                let page = try await gateway.get("/console")
                #expect(page.text.contains("/console/console.js"))
            }
        }
    }
}
