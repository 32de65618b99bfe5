import Foundation

extension OutboundContent {
    /// Reads a `POST …/messages` body, checking its shape only (see the type's comment).
    ///
    /// - A JSON `null` counts as absent everywhere: `{"text": null}` has no kind, and
    ///   `{"image": {"url": null}}` is an image without a URL.
    /// - Keys Herald does not know are ignored, at every level.
    /// - Missing values that Messenger's rules require (text content, URLs, titles, elements,
    ///   button fields) are not shape errors: the message is stored and fails with `invalid_format`.
    /// - A value of the wrong JSON type is a shape error, because there is nothing faithful to store:
    ///   `{"text": 5}`, `{"image": "https://…"}`, `"buttons": {}`, `"size_bytes": "12"` or `-1`.
    public static func decode(_ body: [UInt8]) throws(OutboundContentError) -> OutboundContent {
        guard let json = GraphJSON.parse(body) else { throw .notJSON }
        guard let root = json as? [String: Any] else { throw .notAnObject }
        let present = Kind.allCases.filter { Reader.isPresent(root[$0.rawValue]) }
        guard let kind = present.first else { throw .noContentKind }
        guard present.count == 1 else { throw .severalContentKinds(present) }

        let value = root[kind.rawValue]
        let path = kind.rawValue
        switch kind {
        case .text:
            guard let text = value as? String else { throw .wrongType(path, expected: "a string") }
            return .text(text)
        case .image:
            let object = try Reader.object(value, at: path)
            return .image(Image(url: try Reader.string(object, "url", at: path)))
        case .file:
            let object = try Reader.object(value, at: path)
            return .file(
                File(
                    url: try Reader.string(object, "url", at: path),
                    sizeBytes: try Reader.size(object["size_bytes"], at: path + ".size_bytes")))
        case .carousel:
            let object = try Reader.object(value, at: path)
            let items = try Reader.array(object["elements"], at: path + ".elements") ?? []
            var elements: [Element] = []
            elements.reserveCapacity(items.count)
            for (index, item) in items.enumerated() {
                elements.append(try Reader.element(item, at: "\(path).elements[\(index)]"))
            }
            return .carousel(Carousel(elements: elements))
        }
    }

    /// Typed readers that throw `wrongType` naming the field's path.
    private enum Reader {
        static func isPresent(_ value: Any?) -> Bool {
            value != nil && !(value is NSNull)
        }

        static func object(_ value: Any?, at path: String) throws(OutboundContentError) -> [String: Any] {
            guard let object = value as? [String: Any] else { throw .wrongType(path, expected: "an object") }
            return object
        }

        /// An optional array: absent or null → nil.
        static func array(_ value: Any?, at path: String) throws(OutboundContentError) -> [Any]? {
            guard isPresent(value) else { return nil }
            guard let array = value as? [Any] else { throw .wrongType(path, expected: "an array") }
            return array
        }

        /// An optional string field of `object`: absent or null → nil.
        static func string(_ object: [String: Any], _ key: String, at path: String) throws(OutboundContentError)
            -> String?
        {
            let value = object[key]
            guard isPresent(value) else { return nil }
            guard let string = value as? String else { throw .wrongType("\(path).\(key)", expected: "a string") }
            return string
        }

        static func size(_ value: Any?, at path: String) throws(OutboundContentError) -> Int? {
            guard isPresent(value) else { return nil }
            guard let size = GraphJSON.integer(value), size >= 0 else {
                throw .wrongType(path, expected: "a non-negative integer")
            }
            return size
        }

        static func element(_ value: Any?, at path: String) throws(OutboundContentError) -> Element {
            let object = try object(value, at: path)
            let items = try array(object["buttons"], at: path + ".buttons") ?? []
            var buttons: [Button] = []
            buttons.reserveCapacity(items.count)
            for (index, item) in items.enumerated() {
                let buttonPath = "\(path).buttons[\(index)]"
                let button = try self.object(item, at: buttonPath)
                buttons.append(
                    Button(
                        type: try string(button, "type", at: buttonPath),
                        title: try string(button, "title", at: buttonPath),
                        url: try string(button, "url", at: buttonPath),
                        payload: try string(button, "payload", at: buttonPath)))
            }
            return Element(
                title: try string(object, "title", at: path),
                subtitle: try string(object, "subtitle", at: path),
                imageURL: try string(object, "image_url", at: path),
                buttons: buttons)
        }
    }
}
