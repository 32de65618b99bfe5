// One message as the supporter sees it: who wrote it (the customer by name; for outbound ones the
// supporter, "API" or "Herald" that sent and resent it), its content (text, image, file, carousel,
// attachments) and, for outbound messages, the status the server decided (display_status), the
// failure in words and a Resend button that says what it waits for.

import { el, formatBytes, timeEl } from "./dom.js";
import { senderLine } from "./people.js";

// Failure reasons in words (docs/design.md's table); shown on the page, not only in a tooltip.
const REASON_TEXT = {
  invalid_format: "the message format is not accepted by Messenger",
  file_too_large: "the attachment is too large (images over 8 MB, other files over 25 MB)",
  url_blacklisted: "a URL in it is blocked by Facebook",
  outside_window: "outside the 24-hour window",
  token_expired: "the page's access token expired",
  recipient_unavailable: "the customer cannot receive messages",
  rate_limited: "Facebook rate limit reached",
  graph_unavailable: "Facebook was unavailable",
  unknown: "an unknown error",
};
// Why Resend is disabled (failure.resend_when), in words next to the button.
export const RESEND_WHEN_TEXT = {
  url_released: "Resend waits for the blocked URL to be released",
  customer_active: "Resend waits for the customer to write again",
  page_reconnected: "Resend waits for the page to be reconnected",
  never: "Cannot be resent; send a new message",
};
const STATUS_TEXT = { sent: "Sent", seen: "Seen", resend: "Resend", sending: "Sending…", failed: "Failed" };
const AUTHOR_TEXT = { customer: "Customer", supporter: "Supporter", bot: "Bot / Page inbox" };

/**
 * The message's list item. `actions.onResend(message, button)` runs when Resend is clicked;
 * `actions.onMediaResize()` when an image loads or fails (the item's height changed);
 * `actions.customerName` is the customer's name, or null.
 */
export function renderMessage(message, actions) {
  const outbound = message.direction === "outbound";
  // Outbound: who sent (and resent) it, when the server says; else the author as before.
  const author =
    (outbound && senderLine(message)) ||
    (message.author === "customer" && actions.customerName) ||
    AUTHOR_TEXT[message.author] ||
    message.author;
  const item = el("li", {
    class: "message " + (outbound ? "outbound" : "inbound") + (message.display_status ? " is-" + message.display_status : ""),
    testid: "message-" + message.id,
    "data-id": String(message.id),
    "data-status": message.status,
    "data-display-status": message.display_status || "",
  });
  item.append(
    el(
      "div",
      { class: "message-head" },
      el("span", { class: "author", testid: "sender-" + message.id, text: author }),
      " ",
      timeEl(message.created_at, true)
    ),
    renderContent(message.content || {}, actions)
  );
  if (outbound) item.append(renderOutboundFooter(message, actions));
  return item;
}

// Text, image, file and carousel content (outbound as sent; inbound as Facebook gave it).
function renderContent(content, actions) {
  const box = el("div", { class: "content" });
  if (typeof content.text === "string") {
    box.append(
      content.text.trim()
        ? el("p", { class: "text", text: content.text })
        : el("p", { class: "text muted", text: "(blank text)" })
    );
  }
  if (content.image) box.append(renderMedia("image", content.image.url, "", actions));
  if (content.file) {
    const size = content.file.size_bytes ? " (" + formatBytes(content.file.size_bytes) + ")" : "";
    box.append(renderMedia("file", content.file.url, size, actions));
  }
  if (content.carousel) {
    const elements = content.carousel.elements || [];
    const cards = el("ul", { class: "carousel", "aria-label": "Carousel of " + elements.length + " cards" });
    for (const element of elements) {
      const buttons = (element.buttons || []).map((b) => b.title || b.type).filter(Boolean);
      cards.append(
        el(
          "li",
          { class: "card-item" },
          el("strong", { text: element.title || "(no title)" }),
          element.subtitle ? el("span", { class: "subtitle", text: element.subtitle }) : null,
          buttons.length ? el("span", { class: "buttons", text: "Buttons: " + buttons.join(", ") }) : null
        )
      );
    }
    box.append(el("p", { class: "summary", text: "Carousel, " + elements.length + " card" + (elements.length === 1 ? "" : "s") }), cards);
  }
  for (const attachment of content.attachments || []) {
    const url = attachment.url || (attachment.payload && attachment.payload.url);
    box.append(renderMedia(attachment.type || "attachment", url, "", actions));
  }
  if (!box.childNodes.length) box.append(el("p", { class: "text muted", text: "(no text)" }));
  return box;
}

function renderMedia(kind, url, suffix, actions) {
  const safe = typeof url === "string" && /^https?:\/\//i.test(url) ? url : null;
  const label = kind.charAt(0).toUpperCase() + kind.slice(1);
  const wrap = el("div", { class: "media media-" + kind });
  // Only https images are allowed by the page's CSP (img-src 'self' https: data:).
  if (kind === "image" && safe && /^https:/i.test(safe)) {
    const img = el("img", { src: safe, alt: "Image from " + safe, loading: "lazy", referrerpolicy: "no-referrer" });
    // An image that does not load (gone, blocked, offline) leaves just its link.
    // Either way the height changes after the list was scrolled.
    img.addEventListener("error", () => {
      img.remove();
      actions.onMediaResize();
    });
    img.addEventListener("load", () => actions.onMediaResize());
    wrap.append(img);
  }
  wrap.append(
    el("span", { class: "kind", text: label + ": " }),
    safe
      ? el("a", { href: safe, target: "_blank", rel: "noopener noreferrer nofollow", text: safe })
      : el("span", { class: "muted", text: url ? String(url) : "(no URL)" }),
    suffix || ""
  );
  return wrap;
}

function renderOutboundFooter(message, actions) {
  const footer = el("div", { class: "message-foot" });
  const times = el("span", { class: "times" });
  if (message.sent_at) times.append("sent ", timeEl(message.sent_at, true));
  if (message.delivered_at) times.append(" · delivered ", timeEl(message.delivered_at, true));
  if (message.seen_at) times.append(" · seen ", timeEl(message.seen_at, true));
  if (message.attempts > 1) times.append(" · " + message.attempts + " attempts");

  const display = message.display_status;
  const failure = message.failure;
  let statusText = display ? STATUS_TEXT[display] || display : "";
  if (display === "failed" || (failure && message.status === "failed")) {
    const reason = failure ? REASON_TEXT[failure.reason] || failure.reason : "unknown reason";
    statusText = "Failed: " + reason;
  }
  // Always present (possibly empty) so a test can read an outbound message's status by id.
  footer.append(
    el("span", {
      class: "status" + (display ? " status-" + display : ""),
      testid: "status-" + message.id,
      "data-status": display || "",
      text: statusText,
    }),
    times
  );

  if (failure) {
    if (failure.detail) {
      footer.append(el("p", { class: "failure-detail", testid: "failure-detail-" + message.id, text: failure.detail }));
    }
    const whyId = "resend-why-" + message.id;
    const button = el("button", {
      type: "button",
      class: "resend",
      testid: "resend-" + message.id,
      disabled: !failure.resendable,
      "aria-describedby": failure.resendable ? undefined : whyId,
      text: "Resend",
      onclick: (event) => actions.onResend(message, event.currentTarget),
    });
    footer.append(button);
    if (!failure.resendable) {
      const why = RESEND_WHEN_TEXT[failure.resend_when] || "Cannot be resent now";
      footer.append(el("span", { class: "resend-why", id: whyId, testid: "resend-why-" + message.id, text: why }));
    }
  }
  return footer;
}
