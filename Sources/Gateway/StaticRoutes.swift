import HTTPTypes
import Hummingbird
import NIOCore

/// The files the gateway serves as they are, compiled into the binary: the supporter console
/// (`GET /console`, its script and styles) and the API description (`GET /openapi.yaml`, the
/// same bytes as `docs/openapi.yaml`). No authentication: the console asks for the API token and
/// sends it with every `/v1` call itself.
struct StaticRoutes: Sendable {
    struct File: Sendable {
        var bytes: [UInt8]
        var contentType: String
    }

    static let files: [String: File] = [
        "console": File(bytes: PackageResources.console_html, contentType: "text/html; charset=utf-8"),
        "console/console.js": File(bytes: PackageResources.console_js, contentType: "text/javascript; charset=utf-8"),
        "console/console.css": File(bytes: PackageResources.console_css, contentType: "text/css; charset=utf-8"),
        "openapi.yaml": File(bytes: PackageResources.openapi_yaml, contentType: "application/yaml; charset=utf-8"),
    ]

    func add<Context: RequestContext>(to router: Router<Context>) {
        for (path, file) in Self.files {
            router.get(RouterPath(path)) { _, _ in
                Response(
                    status: .ok,
                    headers: [
                        .contentType: file.contentType, .cacheControl: "no-cache",
                        // The console runs only its own script and talks only to this origin.
                        .contentSecurityPolicy: "default-src 'self'; img-src 'self' https: data:; style-src 'self'",
                    ],
                    body: .init(byteBuffer: ByteBuffer(bytes: file.bytes)))
            }
        }
    }
}
