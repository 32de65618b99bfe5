// Small DOM and formatting helpers shared by the console's modules.
//
// Everything from the server (message texts, URLs, names) is written by customers or supporters,
// so nodes are built with DOM calls and text goes through textContent, never innerHTML; and the
// page's CSP forbids inline styles, so looks come from classes in console.css.

export const $ = (id) => document.getElementById(id);

/** An element with properties (`class`, `text`, `testid`, `on…` listeners, attributes) and children. */
export function el(tag, props, ...children) {
  const node = document.createElement(tag);
  if (props) {
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key === "testid") node.dataset.testid = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });

/** An RFC 3339 time for people; `short` gives only the time of day for today's. */
export function formatTime(iso, short) {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const sameDay = date.toDateString() === new Date().toDateString();
  return short && sameDay ? timeFormat.format(date) : dateTimeFormat.format(date);
}

/** A <time> with the exact value in its title. */
export function timeEl(iso, short) {
  return el("time", { datetime: iso || undefined, title: iso || undefined, text: formatTime(iso, short) });
}

/** "just now", "5 min ago", "3 h ago", "2 days ago". */
export function relative(iso) {
  if (!iso) return "never";
  const seconds = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (seconds < 45) return "just now";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return minutes + " min ago";
  const hours = Math.round(minutes / 60);
  if (hours < 48) return hours + " h ago";
  return Math.round(hours / 24) + " days ago";
}

export function formatBytes(n) {
  if (n >= 1048576) return (n / 1048576).toFixed(1) + " MB";
  if (n >= 1024) return Math.round(n / 1024) + " KB";
  return n + " B";
}

// An Idempotency-Key per composed message, so a double click or a retry after a network error
// does not send twice. randomUUID needs a secure context (http://127.0.0.1 is one; a LAN IP is not).
export function newKey() {
  if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
  const bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
