extension GraphSendRequest {
    /// The Send API body exactly as Facebook spells it; nil optionals are left out.
    enum Wire {
        struct Body: Encodable {
            struct Recipient: Encodable {
                var id: String
            }

            var recipient: Recipient
            var messagingType: String
            var tag: String?
            var message: Message

            enum CodingKeys: String, CodingKey {
                case recipient, tag, message
                case messagingType = "messaging_type"
            }
        }

        struct Message: Encodable {
            var text: String?
            var attachment: Attachment?
            var metadata: String

            init(content: OutboundContent, metadata: String) {
                self.metadata = metadata
                switch content {
                case .text(let text):
                    self.text = text
                case .image(let image):
                    attachment = Attachment(type: "image", payload: .media(url: image.url))
                case .file(let file):
                    attachment = Attachment(type: "file", payload: .media(url: file.url))
                case .carousel(let carousel):
                    attachment = Attachment(
                        type: "template", payload: .generic(elements: carousel.elements.map(Element.init)))
                }
            }
        }

        struct Attachment: Encodable {
            var type: String
            var payload: Payload
        }

        enum Payload: Encodable {
            case media(url: String?)
            case generic(elements: [Element])

            enum CodingKeys: String, CodingKey {
                case url, elements
                case isReusable = "is_reusable"
                case templateType = "template_type"
            }

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                switch self {
                case .media(let url):
                    try container.encodeIfPresent(url, forKey: .url)
                    // Lets Meta cache the upload; the response's attachment id is not used today.
                    try container.encode(true, forKey: .isReusable)
                case .generic(let elements):
                    try container.encode("generic", forKey: .templateType)
                    try container.encode(elements, forKey: .elements)
                }
            }
        }

        struct Element: Encodable {
            var title: String?
            var subtitle: String?
            var imageURL: String?
            var buttons: [Button]?

            init(_ element: OutboundContent.Element) {
                title = element.title
                subtitle = OutboundContent.isBlank(element.subtitle) ? nil : element.subtitle
                imageURL = OutboundContent.isBlank(element.imageURL) ? nil : element.imageURL
                buttons = element.buttons.isEmpty ? nil : element.buttons.map(Button.init)
            }

            enum CodingKeys: String, CodingKey {
                case title, subtitle, buttons
                case imageURL = "image_url"
            }
        }

        /// A `web_url` button carries `url`, a `postback` one `payload`; only those go out.
        struct Button: Encodable {
            var type: String?
            var title: String?
            var url: String?
            var payload: String?

            init(_ button: OutboundContent.Button) {
                type = button.type
                title = button.title
                switch button.type {
                case OutboundContent.Button.webURLType: url = button.url
                case OutboundContent.Button.postbackType: payload = button.payload
                default: (url, payload) = (button.url, button.payload)
                }
            }
        }
    }
}
