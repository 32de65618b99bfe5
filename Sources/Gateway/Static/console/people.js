// What the console says about the people on both ends of a conversation: customers by name and
// picture (from their Messenger profile, when Herald has it), supporters by the name their
// account has. Every field may be missing (a profile not fetched yet, or an older server), and
// then the console falls back to the PSID, an initial, or the message's author.

import { el } from "./dom.js";

/** Inactive for over 24 hours: the server's flag, or the clock since it was fetched. */
export function isInactive(customer) {
  if (customer.inactive_over_24h) return true;
  // The server's flag is fresh at fetch time; between fetches the clock still moves.
  return !!customer.last_active_at && Date.now() - new Date(customer.last_active_at).getTime() >= 86400000;
}

/** The customer's name from their profile, or null. */
export function customerName(customer) {
  const name = customer && typeof customer.name === "string" ? customer.name.trim() : "";
  return name || null;
}

/** The name to show for a customer: their profile's, else their PSID. */
export function displayName(customer, psid) {
  return customerName(customer) || psid || (customer && customer.psid) || "";
}

/**
 * Who `sent_by` / `resent_by` names: a supporter by name, "API" for the service token, "Herald"
 * for Herald's own requeues (reconnect, URL release, auto-resend); null when absent.
 */
export function actorName(actor) {
  if (!actor || typeof actor !== "object") return null;
  if (actor.type === "supporter") return actor.name || "supporter " + actor.id;
  if (actor.type === "api") return "API";
  if (actor.type === "system") return "Herald";
  return null;
}

/** "Sent by Lan · resent by Herald" for an outbound message; null when the server says nobody. */
export function senderLine(message) {
  const sender = actorName(message.sent_by);
  const resender = actorName(message.resent_by);
  if (!sender && !resender) return null;
  const parts = [];
  if (sender) parts.push("Sent by " + sender);
  if (resender) parts.push((sender ? "resent by " : "Resent by ") + resender);
  return parts.join(" · ");
}

// Pictures that failed to load: shown as initials from then on, so a re-render does not try
// (and flicker) again.
const brokenPictures = new Set();
const PALETTE_SIZE = 8;

// Only pictures the page's CSP lets in (img-src 'self' https: data:): anything else would be
// blocked and reported as a violation.
function usablePicture(url) {
  return typeof url === "string" && /^(https:|data:image\/)/i.test(url) && !brokenPictures.has(url) ? url : null;
}

// The same customer always gets the same colour.
function colourIndex(key) {
  let hash = 0;
  for (const ch of String(key)) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return hash % PALETTE_SIZE;
}

function initialOf(text) {
  const first = Array.from(String(text || "").trim())[0];
  return first ? first.toLocaleUpperCase() : "?";
}

function initialNode(customer, psid) {
  const key = psid || (customer && customer.psid) || "";
  return el("span", {
    class: "avatar-initial avatar-c" + colourIndex(key),
    "data-avatar": "initial",
    "aria-hidden": "true",
    text: initialOf(displayName(customer, psid)),
  });
}

/**
 * The customer's picture in a circle, or their initial in a coloured circle when there is no
 * picture or it does not load. `size` is "small" (the list) or "large" (the customer panel).
 */
export function avatar(customer, psid, size, testid) {
  const box = el("span", { class: "avatar avatar-" + size, testid });
  const picture = usablePicture(customer && customer.profile_pic);
  if (!picture) {
    box.append(initialNode(customer, psid));
    return box;
  }
  const img = el("img", { src: picture, alt: "", "data-avatar": "picture", referrerpolicy: "no-referrer" });
  img.addEventListener("error", () => {
    brokenPictures.add(picture);
    img.replaceWith(initialNode(customer, psid));
  });
  box.append(img);
  return box;
}
