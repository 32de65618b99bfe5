extension OutboundContent {
    /// Every URL in the message, first occurrence first, without duplicates: what is recorded as
    /// blocked when Graph answers `url_blacklisted`.
    ///
    /// Links in text (http(s) tokens, see `links(in:)`), image and file URLs, carousel `image_url`s
    /// and `web_url` button URLs, and also links written in carousel titles and subtitles, since
    /// those are shown to the customer as text too. Postback payloads are never shown, so skipped.
    /// URLs are listed as written (not normalised), so a release by the same string matches.
    public var urls: [String] {
        var found: [String] = []
        switch self {
        case .text(let text):
            found = Self.links(in: text)
        case .image(let image):
            found = [image.url].compactMap(\.self)
        case .file(let file):
            found = [file.url].compactMap(\.self)
        case .carousel(let carousel):
            for element in carousel.elements {
                found += Self.links(in: element.title ?? "")
                found += Self.links(in: element.subtitle ?? "")
                found += [element.imageURL].compactMap(\.self)
                found += element.buttons.compactMap { $0.type == Button.webURLType ? $0.url : nil }
            }
        }
        var seen = Set<String>()
        return found.filter { !Self.isBlank($0) && seen.insert($0).inserted }
    }

    /// The URL fields, each with its path in the body, in body order: `image.url`, `file.url`,
    /// carousel `image_url`s and `web_url` button `url`s (not links written in text). These are the
    /// URLs something fetches: Messenger, and Herald's own size check for images and files. Blank
    /// ones are left out.
    public var urlFields: [(field: String, url: String)] {
        var fields: [(field: String, url: String)] = []
        switch self {
        case .text:
            break
        case .image(let image):
            if let url = image.url { fields.append(("image.url", url)) }
        case .file(let file):
            if let url = file.url { fields.append(("file.url", url)) }
        case .carousel(let carousel):
            for (index, element) in carousel.elements.enumerated() {
                let path = "carousel.elements[\(index)]"
                if let url = element.imageURL { fields.append(("\(path).image_url", url)) }
                for (number, button) in element.buttons.enumerated() where button.type == Button.webURLType {
                    if let url = button.url { fields.append(("\(path).buttons[\(number)].url", url)) }
                }
            }
        }
        return fields.filter { !Self.isBlank($0.url) }
    }

    /// The `http://` and `https://` links in free text (scheme case-insensitive).
    ///
    /// A link starts at a scheme not preceded by a letter or digit, and runs to whitespace or one of
    /// `< > "`. Trailing sentence punctuation (`. , ; : ! ? '`) is not part of it, nor is a closing
    /// bracket that the link did not open ("(see https://a.example/x)" gives "https://a.example/x",
    /// "https://en.wikipedia.org/wiki/Swift_(language)" stays whole).
    public static func links(in text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var links: [String] = []
        var index = 0
        while index < scalars.count {
            guard let schemeLength = schemeLength(scalars, at: index),
                index == 0 || !isAlphanumeric(scalars[index - 1])
            else {
                index += 1
                continue
            }
            var end = index + schemeLength
            while end < scalars.count, !endsLink(scalars[end]) { end += 1 }
            var link = Array(scalars[index..<end])
            trimTrailing(&link)
            if link.count > schemeLength {
                var view = String.UnicodeScalarView()
                view.append(contentsOf: link)
                links.append(String(view))
            }
            index = end
        }
        return links
    }

    /// True for an absolute `http`/`https` URL (scheme in any case) with a non-empty host and no
    /// whitespace or control characters. Parsed by hand rather than with `URLComponents`, whose
    /// leniency with non-ASCII text differs between Foundation versions.
    public static func isWebURL(_ string: String) -> Bool {
        let scalars = Array(string.unicodeScalars)
        guard let schemeLength = schemeLength(scalars, at: 0),
            !scalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F })
        else { return false }
        // Authority: up to the path, query or fragment; the host follows any userinfo and precedes
        // any port (an IPv6 literal keeps its colons inside brackets).
        let authority = scalars[schemeLength...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        var host = authority.split(separator: "@", omittingEmptySubsequences: false).last ?? []
        if host.first == "[" {
            return host.contains("]") && host.count > 2
        }
        if let colon = host.firstIndex(of: ":") { host = host[..<colon] }
        return !host.isEmpty
    }

    /// 7 for `http://`, 8 for `https://` (any case) at `index`, else nil.
    private static func schemeLength(_ scalars: [Unicode.Scalar], at index: Int) -> Int? {
        for scheme in ["https://", "http://"] {
            let pattern = Array(scheme.unicodeScalars)
            guard index + pattern.count <= scalars.count else { continue }
            let matches = zip(scalars[index..<(index + pattern.count)], pattern).allSatisfy { candidate, expected in
                candidate == expected || candidate.properties.lowercaseMapping == String(expected)
            }
            if matches { return pattern.count }
        }
        return nil
    }

    private static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isAlphabetic || scalar.properties.numericType != nil
    }

    private static func endsLink(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace || scalar.value < 0x20 || scalar == "<" || scalar == ">" || scalar == "\""
    }

    private static func trimTrailing(_ link: inout [Unicode.Scalar]) {
        let closers: [Unicode.Scalar: Unicode.Scalar] = [")": "(", "]": "[", "}": "{"]
        while let last = link.last {
            if ".,;:!?'".unicodeScalars.contains(last) {
                link.removeLast()
            } else if let opener = closers[last],
                link.count(where: { $0 == last }) > link.count(where: { $0 == opener })
            {
                link.removeLast()
            } else {
                return
            }
        }
    }
}
