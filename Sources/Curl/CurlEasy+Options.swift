import CCurl

extension CurlEasy {
    /// Sets every option a request depends on, so nothing leaks from the previous request on this
    /// handle. `curl_easy_reset` is avoided on purpose: setting options explicitly documents them.
    func configure(
        for request: HTTPRequest,
        headerList: UnsafeMutablePointer<curl_slist>?,
        body: RequestBody?,
        context: TransferContext
    ) throws(CurlError) {
        let url = request.url
        // Method first. Setting CURLOPT_POSTFIELDS (even to NULL) switches libcurl to POST, so the old
        // body is cleared before CURLOPT_HTTPGET, which resets the method to GET and NOBODY/UPLOAD to 0.
        try set(CURLOPT_POSTFIELDS, pointer: nil, url: url)
        try set(CURLOPT_POSTFIELDSIZE_LARGE, offset: -1, url: url)
        try set(CURLOPT_HTTPGET, 1, url: url)
        try set(CURLOPT_CUSTOMREQUEST, string: nil, url: url)
        if request.method == .head {
            try set(CURLOPT_NOBODY, 1, url: url)
        } else if let body {
            try set(CURLOPT_POSTFIELDS, pointer: body.start, url: url)
            try set(CURLOPT_POSTFIELDSIZE_LARGE, offset: curl_off_t(body.count), url: url)
            if request.method != .post {
                try set(CURLOPT_CUSTOMREQUEST, string: request.method.rawValue, url: url)
            }
        } else if request.method != .get {
            try set(CURLOPT_CUSTOMREQUEST, string: request.method.rawValue, url: url)
        }

        try set(CURLOPT_URL, string: url, url: url)
        try set(CURLOPT_HTTPHEADER, list: headerList, url: url)
        try set(CURLOPT_USERAGENT, string: configuration.userAgent, url: url)
        // Empty string: no proxy, and libcurl does not consult http_proxy/https_proxy/no_proxy.
        // With an address policy never a proxy: it would connect to addresses nobody checked.
        let policy = configuration.addressPolicy
        try set(CURLOPT_PROXY, string: policy == nil ? configuration.proxy ?? "" : "", url: url)
        try set(CURLOPT_NOPROXY, string: policy == nil ? nil : "*", url: url)

        // Without NOSIGNAL, libcurl uses SIGALRM for DNS timeouts, which is unsafe with threads.
        try set(CURLOPT_NOSIGNAL, 1, url: url)
        try set(CURLOPT_CONNECTTIMEOUT_MS, configuration.connectTimeout.curlMilliseconds, url: url)
        try set(CURLOPT_TIMEOUT_MS, configuration.totalTimeout.curlMilliseconds, url: url)
        // Only http/https, also after redirects: no file://, ftp://, gopher://... from untrusted URLs.
        try set(CURLOPT_PROTOCOLS_STR, string: "http,https", url: url)
        try set(CURLOPT_REDIR_PROTOCOLS_STR, string: "http,https", url: url)
        try set(CURLOPT_FOLLOWLOCATION, configuration.followRedirects ? 1 : 0, url: url)
        try set(CURLOPT_MAXREDIRS, configuration.maxRedirects, url: url)
        try set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer), url: url)

        let opaque = Unmanaged.passUnretained(context).toOpaque()
        // The address policy decides on each socket before libcurl connects it (TransferContext).
        try check(
            herald_curl_setopt_opensocket_callback(handle, policy == nil ? nil : curlOpenSocketCallback), url: url)
        try set(CURLOPT_OPENSOCKETDATA, pointer: policy == nil ? nil : opaque, url: url)
        try set(CURLOPT_WRITEFUNCTION, callback: curlWriteCallback, url: url)
        try set(CURLOPT_WRITEDATA, pointer: opaque, url: url)
        try set(CURLOPT_HEADERFUNCTION, callback: curlHeaderCallback, url: url)
        try set(CURLOPT_HEADERDATA, pointer: opaque, url: url)
    }

    /// Drops pointers to per-request memory once it is freed; the next request sets them again.
    func clearRequestPointers() {
        _ = herald_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, nil)
        _ = herald_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, nil)
        _ = herald_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, nil)
        _ = herald_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, nil)
        _ = herald_curl_setopt_pointer(handle, CURLOPT_OPENSOCKETDATA, nil)
    }

    // Typed setters over the shim's typed wrappers; any failure becomes a CurlError for this URL.

    private func set(_ option: CURLoption, _ value: Int, url: String) throws(CurlError) {
        try check(herald_curl_setopt_long(handle, option, value), url: url)
    }

    private func set(_ option: CURLoption, string: String?, url: String) throws(CurlError) {
        // libcurl copies string options, so the temporary C string may die after the call.
        try check(herald_curl_setopt_string(handle, option, string), url: url)
    }

    private func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?, url: String) throws(CurlError) {
        try check(herald_curl_setopt_pointer(handle, option, pointer), url: url)
    }

    private func set(_ option: CURLoption, list: UnsafeMutablePointer<curl_slist>?, url: String) throws(CurlError) {
        try check(herald_curl_setopt_slist(handle, option, list), url: url)
    }

    private func set(_ option: CURLoption, offset: curl_off_t, url: String) throws(CurlError) {
        try check(herald_curl_setopt_off_t(handle, option, offset), url: url)
    }

    private func set(_ option: CURLoption, callback: herald_curl_data_callback, url: String) throws(CurlError) {
        try check(herald_curl_setopt_data_callback(handle, option, callback), url: url)
    }

    private func check(_ result: CURLcode, url: String) throws(CurlError) {
        guard result == CURLE_OK else { throw error(CurlError.Code(result), url: url) }
    }
}
