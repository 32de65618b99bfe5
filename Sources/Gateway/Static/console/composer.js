// The composer: text, image URL or file URL to the open conversation, with an Idempotency-Key
// per draft (a double click or a retry after a network error cannot send twice), Enter to send,
// and typing_on while the supporter types.

import { api, customerPath } from "./api.js";
import { newKey } from "./dom.js";
import { els, state } from "./state.js";
import { renderMessages, scheduleConversationRefresh } from "./conversation.js";

// Messenger's typing bubble lasts about 20 s; refreshing it every 5 s keeps it up while typing.
const TYPING_EVERY_MS = 5000;

export function bindComposer() {
  els.composer.addEventListener("submit", onSend);
  els.composer.addEventListener("change", onKindChange);
  els.composerText.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      els.composer.requestSubmit();
    }
  });
  // A changed draft is a new message: it gets a new Idempotency-Key.
  els.composerText.addEventListener("input", onTyping);
  els.composerUrl.addEventListener("input", () => (state.pendingIdempotencyKey = null));
}

function currentKind() {
  const checked = els.composer.querySelector("input[name=kind]:checked");
  return checked ? checked.value : "text";
}

function onKindChange(event) {
  if (!event.target || event.target.name !== "kind") return;
  const text = currentKind() === "text";
  els.composerText.hidden = !text;
  els.composerUrl.hidden = text;
  state.pendingIdempotencyKey = null;
  (text ? els.composerText : els.composerUrl).focus();
}

async function onSend(event) {
  event.preventDefault();
  const psid = state.openPsid;
  if (!psid) return;
  const kind = currentKind();
  let body;
  if (kind === "text") {
    const text = els.composerText.value;
    if (!text.trim()) {
      els.composerError.textContent = "Write something first.";
      return;
    }
    body = { text };
  } else {
    const url = els.composerUrl.value.trim();
    if (!/^https?:\/\/\S+$/i.test(url)) {
      els.composerError.textContent = "Enter an http(s) URL.";
      return;
    }
    body = kind === "image" ? { image: { url } } : { file: { url } };
  }
  state.pendingIdempotencyKey = state.pendingIdempotencyKey || newKey();
  els.composerSend.disabled = true;
  els.composerError.textContent = "";
  delete els.composerError.dataset.loadError;
  try {
    const message = await api("POST", customerPath(psid) + "/messages", body, {
      "Idempotency-Key": state.pendingIdempotencyKey,
    });
    state.pendingIdempotencyKey = null;
    state.lastTypingAt = 0; // Messenger hides the typing bubble once the message arrives
    if (kind === "text") els.composerText.value = "";
    else els.composerUrl.value = "";
    if (message && psid === state.openPsid) {
      state.messages.set(message.id, message);
      renderMessages({ toBottom: true });
    }
    scheduleConversationRefresh();
  } catch (error) {
    // The key is kept: sending again after a network error cannot make a duplicate.
    els.composerError.textContent =
      error.code === "page_not_found"
        ? "This page is not connected to Herald (an admin connects it with PUT /admin/pages)."
        : "Not sent: " + error.message;
  } finally {
    els.composerSend.disabled = false;
  }
}

// typing_on while the supporter types, at most every TYPING_EVERY_MS (Messenger turns it off
// by itself after about 20 s, or when the message is sent); only inside the window. Best
// effort: a failure is not shown.
function onTyping() {
  state.pendingIdempotencyKey = null;
  const psid = state.openPsid;
  const customer = state.openCustomer;
  if (!psid || !els.composerText.value.trim() || Date.now() - state.lastTypingAt < TYPING_EVERY_MS) return;
  if (!customer || !customer.window_closes_at || new Date(customer.window_closes_at).getTime() <= Date.now()) return;
  state.lastTypingAt = Date.now();
  api("POST", customerPath(psid) + "/actions", { action: "typing_on" }).catch(() => {});
}
