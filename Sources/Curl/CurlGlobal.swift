import CCurl

/// Process-wide libcurl initialisation.
///
/// `curl_global_init` is not thread-safe and must run once before any easy handle is created
/// (otherwise `curl_easy_init` calls it implicitly, racing with other threads). A `static let` is
/// initialised lazily under `swift_once`, which gives exactly-once, thread-safe semantics for free.
enum CurlGlobal {
    /// The result of the one `curl_global_init` call; `CURLE_OK` when libcurl is ready.
    static let initResult: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    /// Initialises libcurl if this is the first call in the process; cheap afterwards.
    static func ensureInitialized() throws(CurlError) {
        let result = initResult
        guard result == CURLE_OK else {
            throw CurlError(code: CurlError.Code(result), message: "curl_global_init failed", url: "")
        }
    }
}
