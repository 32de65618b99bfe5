import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Writes whole lines to standard error, one `write` each under a lock, so entries from many
/// threads never interleave inside a line.
enum StandardErrorLines {
    private static let lock = Mutex(())

    static func write(_ line: String) {
        var bytes = Array(line.utf8)
        lock.withLock { _ in
            var written = 0
            while written < bytes.count {
                let count = bytes.withUnsafeMutableBytes { buffer in
                    Glibc.write(STDERR_FILENO, buffer.baseAddress! + written, buffer.count - written)
                }
                if count > 0 {
                    written += count
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
    }
}
