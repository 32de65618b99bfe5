import CCurl

/// Per-transfer state that libcurl's C callbacks write into, reached through `CURLOPT_WRITEDATA`,
/// `CURLOPT_HEADERDATA` and `CURLOPT_OPENSOCKETDATA` as an unretained pointer (``CurlEasy`` keeps
/// it alive during the perform).
final class TransferContext {
    let maxBodyBytes: Int
    /// Checked by the open-socket callback before each connection; nil allows every address.
    let addressPolicy: AddressPolicy?
    private(set) var body: [UInt8] = []
    private(set) var headers: [HTTPHeader] = []
    /// Set when the write callback refused data because of the cap; tells the cap apart from any
    /// other `CURLE_WRITE_ERROR`.
    private(set) var bodyTooLarge = false
    /// The last endpoint the address policy refused in this transfer, if any: a failed transfer
    /// with one is reported as `.addressRefused`.
    private(set) var refusedEndpoint: AddressPolicy.Endpoint?

    init(maxBodyBytes: Int, addressPolicy: AddressPolicy? = nil) {
        self.maxBodyBytes = maxBodyBytes
        self.addressPolicy = addressPolicy
    }

    /// Whether a connection to `address` may be made: the policy's verdict on the exact address
    /// and port libcurl is about to connect to. An address family other than IPv4 or IPv6 is
    /// refused when there is a policy.
    func mayConnect(to address: UnsafePointer<curl_sockaddr>) -> Bool {
        guard let addressPolicy else { return true }
        var bytes = [UInt8](repeating: 0, count: 16)
        var port: Int32 = 0
        let family = herald_curl_sockaddr_address(address, &bytes, &port)
        guard family == 4 || family == 6, let ip = IPAddress(bytes: bytes.prefix(family == 4 ? 4 : 16)) else {
            return false
        }
        guard addressPolicy.allows(ip, port: Int(port)) else {
            refusedEndpoint = AddressPolicy.Endpoint(address: ip, port: Int(port))
            return false
        }
        return true
    }

    /// Appends a body chunk; returns `false` (abort the transfer) if the cap would be exceeded.
    func appendBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count <= maxBodyBytes - body.count else {
            bodyTooLarge = true
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }

    /// Handles one complete header line, as libcurl delivers them (status line and blank line included).
    func receiveHeaderLine(_ bytes: UnsafeRawBufferPointer) {
        // Strip CR/LF as bytes: in Swift "\r\n" is one Character, so character-wise trimming misses it.
        var end = bytes.endIndex
        while end > bytes.startIndex, bytes[end - 1] == 13 || bytes[end - 1] == 10 {
            end -= 1
        }
        let line = Substring(decoding: UnsafeRawBufferPointer(rebasing: bytes[..<end]), as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            // A new status line starts a new response (after 1xx or a followed redirect): only the
            // final response's headers are reported.
            headers.removeAll(keepingCapacity: true)
        } else if let first = line.first, first == " " || first == "\t", !headers.isEmpty {
            // Obsolete line folding: the line continues the previous header's value.
            headers[headers.count - 1].value += " " + trimmed(line)
        } else if let colon = line.firstIndex(of: ":") {
            let name = String(line[..<colon])
            let value = trimmed(line[line.index(after: colon)...])
            headers.append(HTTPHeader(name: name, value: value))
        }
    }

    private func trimmed(_ text: Substring) -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = text.firstIndex(where: { !isSpace($0) }),
            let end = text.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(text[start...end])
    }
}

/// `CURLOPT_WRITEFUNCTION`: a plain function (no captures) so it converts to a C function pointer.
func curlWriteCallback(
    buffer: UnsafeMutablePointer<CChar>?,
    size: Int,
    count: Int,
    context: UnsafeMutableRawPointer?
) -> Int {
    guard let context else { return 0 }
    let transfer = Unmanaged<TransferContext>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    // Returning anything but `length` makes libcurl abort with CURLE_WRITE_ERROR.
    return transfer.appendBody(UnsafeRawBufferPointer(start: buffer, count: length)) ? length : 0
}

/// `CURLOPT_HEADERFUNCTION`: called once per complete header line.
func curlHeaderCallback(
    buffer: UnsafeMutablePointer<CChar>?,
    size: Int,
    count: Int,
    context: UnsafeMutableRawPointer?
) -> Int {
    guard let context else { return 0 }
    let transfer = Unmanaged<TransferContext>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    transfer.receiveHeaderLine(UnsafeRawBufferPointer(start: buffer, count: length))
    return length
}

/// `CURLOPT_OPENSOCKETFUNCTION`, set only with an address policy: libcurl calls it with the address
/// it is about to connect to (after name resolution, for every address it tries and every redirect
/// hop) and connects the returned socket to exactly that address, so the address checked is the
/// address connected: a second lookup (DNS rebinding) cannot switch it. `CURL_SOCKET_BAD` refuses
/// it; libcurl then tries the next address or fails with `CURLE_COULDNT_CONNECT`.
func curlOpenSocketCallback(
    context: UnsafeMutableRawPointer?,
    purpose: curlsocktype,
    address: UnsafeMutablePointer<curl_sockaddr>?
) -> curl_socket_t {
    guard let context, let address else { return herald_curl_socket_bad() }
    let transfer = Unmanaged<TransferContext>.fromOpaque(context).takeUnretainedValue()
    guard transfer.mayConnect(to: address) else { return herald_curl_socket_bad() }
    return herald_curl_open_socket(address)
}
