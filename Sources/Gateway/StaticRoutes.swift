import HTTPTypes
import Hummingbird
import NIOCore

/// The files the gateway serves as they are, compiled into the binary: the supporter console
/// (`GET /console`, and its ES modules and styles under `GET /console/{file}`) and the API
/// description (`GET /openapi.yaml`, the same bytes as `docs/openapi.yaml`). No authentication:
/// the console asks for a token and sends it with every `/v1` call itself.
struct StaticRoutes: Sendable {
    struct File: Sendable {
        var bytes: [UInt8]
        var contentType: String
    }

    static let javaScript = "text/javascript; charset=utf-8"

    /// The console's page.
    static let page = File(bytes: PackageResources.console_html, contentType: "text/html; charset=utf-8")

    /// What `/console/{file}` serves, by file name: the styles and every module the page imports
    /// (`console.js` imports the others by relative URL, so they live side by side here).
    static let consoleFiles: [String: File] = [
        "console.css": File(bytes: PackageResources.console_css, contentType: "text/css; charset=utf-8"),
        "console.js": File(bytes: PackageResources.console_js, contentType: javaScript),
        "api.js": File(bytes: PackageResources.api_js, contentType: javaScript),
        "stream.js": File(bytes: PackageResources.stream_js, contentType: javaScript),
        "conversation-list.js": File(bytes: PackageResources.conversation_list_js, contentType: javaScript),
        "conversation.js": File(bytes: PackageResources.conversation_js, contentType: javaScript),
        "message-view.js": File(bytes: PackageResources.message_view_js, contentType: javaScript),
        "composer.js": File(bytes: PackageResources.composer_js, contentType: javaScript),
        "customer-panel.js": File(bytes: PackageResources.customer_panel_js, contentType: javaScript),
        "people.js": File(bytes: PackageResources.people_js, contentType: javaScript),
        "dom.js": File(bytes: PackageResources.dom_js, contentType: javaScript),
        "state.js": File(bytes: PackageResources.state_js, contentType: javaScript),
    ]

    static let openAPI = File(bytes: PackageResources.openapi_yaml, contentType: "application/yaml; charset=utf-8")

    func add<Context: RequestContext>(to router: Router<Context>) {
        router.get("console") { _, _ in Self.response(Self.page) }
        router.get("console/{file}") { _, context in
            // Only the files above: an unknown name is an unknown route (404 "no such route").
            guard let name = context.parameters.get("file"), let file = Self.consoleFiles[name] else {
                throw HTTPError(.notFound)
            }
            return Self.response(file)
        }
        router.get("openapi.yaml") { _, _ in Self.response(Self.openAPI) }
    }

    static func response(_ file: File) -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: file.contentType, .cacheControl: "no-cache",
                // The console runs only its own scripts and talks only to this origin.
                .contentSecurityPolicy: "default-src 'self'; img-src 'self' https: data:; style-src 'self'",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: file.bytes)))
    }
}
