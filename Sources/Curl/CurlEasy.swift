import CCurl

/// A blocking HTTP client over one libcurl easy handle, reused so keep-alive connections are reused.
///
/// Not `Sendable`: libcurl forbids using one easy handle from two threads at once, so a `CurlEasy`
/// stays on the thread that created it (``HTTPClient`` gives each worker thread its own).
public final class CurlEasy {
    /// The limits applied to every request made with this handle.
    public let configuration: CurlConfiguration
    /// The `CURL*`; `CURL` is `void` in C, hence a raw pointer.
    let handle: UnsafeMutableRawPointer
    /// libcurl writes a human-readable error here; it must outlive every perform, so it lives as long
    /// as the handle.
    let errorBuffer: UnsafeMutablePointer<CChar>

    /// Creates an easy handle; throws `.failedInit` if libcurl cannot initialise or allocate one.
    public init(configuration: CurlConfiguration = CurlConfiguration()) throws(CurlError) {
        try CurlGlobal.ensureInitialized()
        guard let handle = curl_easy_init() else {
            throw CurlError(code: .failedInit, message: "curl_easy_init returned NULL", url: "")
        }
        self.handle = handle
        self.configuration = configuration
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        // Unconditional: the handle and its pooled connections are released exactly once.
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Performs `request` and returns the final response; any HTTP status counts as success.
    public func perform(_ request: HTTPRequest) throws(CurlError) -> HTTPResponse {
        let headerList = try makeHeaderList(request)
        defer { curl_slist_free_all(headerList) }

        // libcurl does not copy CURLOPT_POSTFIELDS: this buffer must stay alive until perform returns.
        let body = request.method == .head ? nil : requestBody(request)
        defer { body?.deallocate() }

        let context = TransferContext(
            maxBodyBytes: configuration.maxResponseBodyBytes, addressPolicy: configuration.addressPolicy)
        // Leave no dangling pointers (headers, body, context) in the handle between requests.
        defer { clearRequestPointers() }
        try configure(for: request, headerList: headerList, body: body, context: context)

        errorBuffer[0] = 0
        let result = withExtendedLifetime(context) { curl_easy_perform(handle) }
        if context.bodyTooLarge {
            throw CurlError(code: .responseTooLarge, message: Self.tooLargeMessage(configuration), url: request.url)
        }
        guard result == CURLE_OK else {
            if let refused = context.refusedEndpoint {
                // libcurl only saw a socket it could not open; say why.
                let message = "refused to connect to \(refused): not a publicly reachable address"
                throw CurlError(code: .addressRefused, message: message, url: request.url)
            }
            throw error(CurlError.Code(result), url: request.url)
        }

        var status = 0
        let infoResult = herald_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        guard infoResult == CURLE_OK else {
            throw error(CurlError.Code(infoResult), url: request.url)
        }
        return HTTPResponse(status: status, headers: context.headers, body: context.body)
    }

    /// An error for `code`, preferring the error buffer's specific text over libcurl's generic one.
    func error(_ code: CurlError.Code, url: String) -> CurlError {
        let specific = String(cString: errorBuffer)
        return CurlError(code: code, message: specific.isEmpty ? code.genericMessage : specific, url: url)
    }

    private static func tooLargeMessage(_ configuration: CurlConfiguration) -> String {
        "response body exceeds \(configuration.maxResponseBodyBytes) bytes"
    }

    /// The request headers as a `curl_slist` (caller frees); rejects CR/LF to prevent header injection.
    private func makeHeaderList(_ request: HTTPRequest) throws(CurlError) -> UnsafeMutablePointer<curl_slist>? {
        var list: UnsafeMutablePointer<curl_slist>? = nil
        for header in request.headers {
            let isUnsafe = { (text: String) in text.utf8.contains { $0 == 13 || $0 == 10 || $0 == 0 } }
            guard !header.name.isEmpty, !isUnsafe(header.name), !isUnsafe(header.value) else {
                curl_slist_free_all(list)
                let message = "header name or value is empty or contains CR, LF or NUL"
                throw CurlError(code: .invalidRequest, message: message, url: request.url)
            }
            // "Name:" would tell libcurl to remove the header; "Name;" is its syntax for an empty value.
            let line = header.value.isEmpty ? "\(header.name);" : "\(header.name): \(header.value)"
            guard let appended = curl_slist_append(list, line) else {
                curl_slist_free_all(list)
                throw CurlError(code: .outOfMemory, message: "curl_slist_append failed", url: request.url)
            }
            list = appended
        }
        return list
    }

    /// A copy of the body that libcurl may point at, or `nil` when the request sends no body.
    ///
    /// POST and PUT always send one (empty if absent) so libcurl never falls back to reading stdin.
    private func requestBody(_ request: HTTPRequest) -> RequestBody? {
        let needsBody = request.method == .post || request.method == .put
        guard let bytes = request.body ?? (needsBody ? [] : nil) else { return nil }
        return RequestBody(copying: bytes)
    }
}

/// A heap copy of a request body with a stable, never-NULL address (NULL would mean "no body").
struct RequestBody {
    let start: UnsafeMutableRawPointer
    let count: Int

    init(copying bytes: [UInt8]) {
        start = .allocate(byteCount: max(bytes.count, 1), alignment: 1)
        count = bytes.count
        UnsafeMutableRawBufferPointer(start: start, count: count).copyBytes(from: bytes)
    }

    func deallocate() {
        start.deallocate()
    }
}

@available(*, unavailable)
extension CurlEasy: Sendable {}
