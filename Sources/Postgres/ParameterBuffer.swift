import CLibPQ

/// Lays bound parameters out the way `PQexecParams` wants them: parallel arrays of types,
/// value pointers, lengths and formats. All bytes sit in one buffer, so one allocation serves a
/// statement however many parameters it has.
struct ParameterBuffer {
    private let bindings: [PostgresBinding]
    private var bytes: [UInt8] = []
    private var offsets: [Int?] = []

    init(_ bindings: [PostgresBinding]) {
        self.bindings = bindings
        offsets.reserveCapacity(bindings.count)
        for binding in bindings {
            guard let value = binding.bytes else {
                offsets.append(nil)
                continue
            }
            offsets.append(bytes.count)
            bytes.append(contentsOf: value)
            // Text-format values are read as C strings: terminate them.
            if binding.format == .text { bytes.append(0) }
        }
        // Never empty, so even an empty binary value gets a non-NULL pointer (NULL would mean SQL NULL).
        bytes.append(0)
    }

    func withLibPQArrays<R>(
        _ body: (
            UnsafePointer<Oid>?, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?,
            UnsafePointer<Int32>?
        ) -> R
    ) -> R {
        let types = bindings.map { Oid($0.type.rawValue) }
        let lengths = bindings.map { Int32($0.bytes?.count ?? 0) }
        let formats = bindings.map { $0.format.rawValue }
        return bytes.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            let values: [UnsafePointer<CChar>?] = offsets.map { offset in offset.map { base + $0 } }
            return types.withUnsafeBufferPointer { types in
                values.withUnsafeBufferPointer { values in
                    lengths.withUnsafeBufferPointer { lengths in
                        formats.withUnsafeBufferPointer { formats in
                            body(types.baseAddress, values.baseAddress, lengths.baseAddress, formats.baseAddress)
                        }
                    }
                }
            }
        }
    }
}
