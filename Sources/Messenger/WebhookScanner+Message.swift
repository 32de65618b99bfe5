extension WebhookScanner {
    /// The fields of `message` (customer message or echo) the general decoder reads.
    struct MessageFields {
        var mid: String?
        var text: String?
        var attachments: [Attachment]?
        var isEcho: Bool?
        var appID: String?
        var metadata: String?
        var quickReply = false
        var quickReplyPayload: String?
        var replyTo = false
        var replyToMID: String?
    }

    /// Reads one member of `message`; a key seen twice gives up (which one counts is the general
    /// decoder's call).
    mutating func readMessageField(_ key: Key, into fields: inout MessageFields) throws(GiveUp) {
        switch key {
        case Key.mid:
            guard fields.mid == nil else { throw GiveUp() }
            fields.mid = try readIdentifier()
        case Key.text:
            guard fields.text == nil else { throw GiveUp() }
            fields.text = try readString()
        case Key.isEcho:
            guard fields.isEcho == nil else { throw GiveUp() }
            fields.isEcho = try readBool()
        case Key.appID:
            guard fields.appID == nil else { throw GiveUp() }
            fields.appID = try readIdentifierOrInteger()
        case Key.metadata:
            guard fields.metadata == nil else { throw GiveUp() }
            fields.metadata = try readString()
        case Key.attachments:
            guard fields.attachments == nil else { throw GiveUp() }
            var attachments: [Attachment] = []
            try readArray { scanner throws(GiveUp) in attachments.append(try scanner.readAttachment()) }
            fields.attachments = attachments
        case Key.quickReply:
            guard !fields.quickReply else { throw GiveUp() }
            fields.quickReply = true
            fields.quickReplyPayload = try readMember(Key.payload) { scanner throws(GiveUp) in try scanner.readString()
            }
        case Key.replyTo:
            guard !fields.replyTo else { throw GiveUp() }
            fields.replyTo = true
            fields.replyToMID = try readMember(Key.mid) { scanner throws(GiveUp) in try scanner.readIdentifier() }
        default:
            try skipValue(depth: 5)
        }
    }

    /// `postback`: its `mid`, `title` and `payload`, each optional.
    mutating func readPostback() throws(GiveUp) -> MessagingEvent.Kind {
        var mid: String?
        var title: String?
        var payload: String?
        try readObject { scanner, key throws(GiveUp) in
            switch key {
            case Key.mid:
                guard mid == nil else { throw GiveUp() }
                mid = try scanner.readIdentifier()
            case Key.title:
                guard title == nil else { throw GiveUp() }
                title = try scanner.readString()
            case Key.payload:
                guard payload == nil else { throw GiveUp() }
                payload = try scanner.readString()
            default: try scanner.skipValue(depth: 4)
            }
        }
        return .postback(Postback(mid: mid, title: title, payload: payload))
    }

    /// `{"type": ..., "payload": {"url": ...}}`; a missing type reads as "unknown", as in general.
    private mutating func readAttachment() throws(GiveUp) -> Attachment {
        var type: String?
        var payload = false
        var url: String?
        try readObject { scanner, key throws(GiveUp) in
            switch key {
            case Key.type:
                guard type == nil else { throw GiveUp() }
                type = try scanner.readString()
            case Key.payload:
                guard !payload else { throw GiveUp() }
                payload = true
                url = try scanner.readMember(Key.url) { scanner throws(GiveUp) in try scanner.readString() }
            default: try scanner.skipValue(depth: 7)
            }
        }
        return Attachment(type: type ?? "unknown", url: url)
    }

    /// The one member `wanted` of an object (nil when absent), skipping the others.
    private mutating func readMember(
        _ wanted: Key, _ read: (inout WebhookScanner) throws(GiveUp) -> String
    ) throws(GiveUp) -> String? {
        var value: String?
        try readObject { scanner, key throws(GiveUp) in
            guard key == wanted else { return try scanner.skipValue(depth: 7) }
            guard value == nil else { throw GiveUp() }
            value = try read(&scanner)
        }
        return value
    }
}
