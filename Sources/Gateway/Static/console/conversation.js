// One open conversation: its messages (newest page, older pages on demand), the customer's facts,
// mark_seen when there is something unread, and Resend.
//
// The server decides what a message shows (display_status, failure.resendable, resend_when): a
// new send changes the status of older ones (only the latest successful message shows Sent/Seen),
// so the open conversation is refetched on every message event instead of patched locally.

import { api, customerPath } from "./api.js";
import { el } from "./dom.js";
import { els, state, STORAGE } from "./state.js";
import { clearUnread, renderConversations, upsertCustomer } from "./conversation-list.js";
import { renderCustomerInfo } from "./customer-panel.js";
import { renderMessage, RESEND_WHEN_TEXT } from "./message-view.js";
import { customerName } from "./people.js";

const CONVERSATION_LIMIT = 100;
const CONVERSATION_DEBOUNCE_MS = 60;

const messageActions = {
  onResend: resend,
  onMediaResize: () => state.followBottom && scrollToEnd(),
  customerName: null, // set from the open customer before each render
};

export function openConversation(psid) {
  if (state.openPsid !== psid) {
    state.openPsid = psid;
    state.openCustomer = null;
    state.messages.clear();
    state.nextBefore = null;
    state.olderLoaded = false;
    state.followBottom = true;
    state.pendingIdempotencyKey = null;
    els.messages.replaceChildren();
    els.composerError.textContent = "";
    // The list's copy of the customer shows their name and picture before the fetch answers.
    renderCustomerInfo(state.customers.get(psid) || state.search.results.get(psid) || null);
  }
  sessionStorage.setItem(STORAGE.psid, psid);
  state.lastTypingAt = 0;
  const known = state.customers.get(psid);
  if (known && known.unread > 0) markSeen(psid);
  els.emptyState.hidden = true;
  els.conversationBody.hidden = false;
  document.body.classList.add("has-conversation");
  renderConversations();
  refreshConversation();
}

export function closeConversation() {
  state.openPsid = null;
  state.openCustomer = null;
  state.messages.clear();
  sessionStorage.removeItem(STORAGE.psid);
  els.messages.replaceChildren();
  els.emptyState.hidden = false;
  els.conversationBody.hidden = true;
  document.body.classList.remove("has-conversation");
  renderConversations();
}

export function scheduleConversationRefresh() {
  window.clearTimeout(state.conversationTimer);
  state.conversationTimer = window.setTimeout(refreshConversation, CONVERSATION_DEBOUNCE_MS);
}

// Reloads the newest messages and the customer's facts. Older pages the supporter loaded stay
// (their display status can only have moved to "none" once a newer message was sent).
export async function refreshConversation() {
  const psid = state.openPsid;
  if (!psid || !state.token) return;
  const seq = ++state.conversationSeq;
  const first = state.messages.size === 0;
  const [messages, customer] = await Promise.allSettled([
    api("GET", customerPath(psid) + "/messages?limit=" + CONVERSATION_LIMIT),
    api("GET", customerPath(psid)),
  ]);
  if (seq !== state.conversationSeq || psid !== state.openPsid) return; // a newer load won
  if (messages.status === "fulfilled") {
    const answer = messages.value;
    const fresh = answer.messages || [];
    // The newest page replaces what we hold from its oldest id up; older pages stay.
    const oldestFresh = fresh.length ? fresh[0].id : Infinity;
    for (const id of Array.from(state.messages.keys())) if (id >= oldestFresh) state.messages.delete(id);
    for (const message of fresh) state.messages.set(message.id, message);
    if (!state.olderLoaded) state.nextBefore = answer.next_before;
    renderMessages({ toBottom: first });
    clearLoadError();
  } else if (messages.reason.status === 404) {
    renderMessages({ toBottom: true }); // a customer with no conversation yet: show the empty log and the composer
  } else if (messages.reason.status !== 401 && messages.reason.code !== "network") {
    els.composerError.textContent = "Could not load the conversation: " + messages.reason.message;
    els.composerError.dataset.loadError = "true";
  }
  if (customer.status === "fulfilled") {
    showCustomer(customer.value);
    upsertCustomer(customer.value);
    // The supporter is looking at the conversation: what arrived is read.
    if (customer.value.unread > 0) markSeen(psid);
  } else if (customer.reason.status === 404) {
    renderCustomerInfo(null);
  }
}

/** The open conversation's customer changed (a fetch, or a customer.updated event's fields). */
export function showCustomer(customer) {
  const before = customerName(state.openCustomer);
  state.openCustomer = Object.assign({}, state.openCustomer || {}, customer);
  renderCustomerInfo(state.openCustomer);
  // The customer's messages carry their name.
  if (customerName(state.openCustomer) !== before && state.messages.size) renderMessages();
}

// mark_seen: the customer sees their messages were read, and the list's unread count drops to 0
// (for every supporter: the server keeps it). Outside the 24-hour window the server still
// records the read (409, no Graph call), so both answers clear the count.
async function markSeen(psid) {
  if (state.markingSeen.has(psid)) return;
  state.markingSeen.add(psid);
  try {
    await api("POST", customerPath(psid) + "/actions", { action: "mark_seen" });
    clearUnread(psid);
  } catch (error) {
    if (error.code === "outside_window") clearUnread(psid);
  } finally {
    state.markingSeen.delete(psid);
  }
}

// A failed load's message goes once a load succeeds; errors about sending stay until the next send.
function clearLoadError() {
  if (els.composerError.dataset.loadError === "true") {
    els.composerError.textContent = "";
    delete els.composerError.dataset.loadError;
  }
}

export async function loadOlder() {
  const psid = state.openPsid;
  if (!psid || state.nextBefore === null) return;
  try {
    const answer = await api(
      "GET",
      customerPath(psid) + "/messages?limit=" + CONVERSATION_LIMIT + "&before=" + encodeURIComponent(state.nextBefore)
    );
    if (psid !== state.openPsid) return;
    for (const message of answer.messages || []) state.messages.set(message.id, message);
    state.nextBefore = answer.next_before;
    state.olderLoaded = true;
    renderMessages({ keepScroll: true });
  } catch (error) {
    els.composerError.textContent = "Could not load older messages: " + error.message;
  }
}

/** Shows state.messages; options: toBottom (scroll to the end), keepScroll (older ones were added above). */
export function renderMessages(options) {
  const list = els.messages;
  const previousHeight = list.scrollHeight;
  const sorted = Array.from(state.messages.values()).sort((a, b) => a.id - b.id);
  messageActions.customerName = customerName(state.openCustomer);
  // Keyed update: an unchanged message keeps its element, so focus (e.g. on a Resend button)
  // and text selection survive the refetches every event causes.
  const existing = new Map();
  for (const child of list.children) existing.set(child.dataset.id, child);
  const nodes = sorted.map((message) => {
    const signature = JSON.stringify(message) + (message.direction === "inbound" ? messageActions.customerName : "");
    const old = existing.get(String(message.id));
    if (old && old.dataset.signature === signature) return old;
    const node = renderMessage(message, messageActions);
    node.dataset.signature = signature;
    return node;
  });
  // Only touch the DOM where it differs.
  nodes.forEach((node, index) => {
    if (list.children[index] !== node) list.insertBefore(node, list.children[index] || null);
  });
  while (list.children.length > nodes.length) list.lastElementChild.remove();
  if (!nodes.length) list.append(el("li", { class: "empty", "data-id": "empty", text: "No messages yet." }));

  els.loadOlder.hidden = state.nextBefore === null || state.nextBefore === undefined;
  // Follow the conversation when the supporter is at its end; leave them where they are when
  // they scrolled up to read.
  if (options && options.keepScroll) list.scrollTop += list.scrollHeight - previousHeight;
  else if (state.followBottom || (options && options.toBottom)) scrollToEnd();
}

function scrollToEnd() {
  els.messages.scrollTop = els.messages.scrollHeight;
  state.followBottom = true;
}

// Whether new content should keep the end in view: true until the supporter scrolls up.
export function onMessagesScroll() {
  const list = els.messages;
  state.followBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
}

async function resend(message, button) {
  button.disabled = true;
  button.textContent = "Resending…";
  try {
    const updated = await api("POST", "/v1/messages/" + encodeURIComponent(message.id) + "/resend");
    if (updated && updated.psid === state.openPsid) {
      state.messages.set(updated.id, updated);
      renderMessages({ keepScroll: true });
    }
    els.composerError.textContent = "";
  } catch (error) {
    const when = error.body && error.body.error && error.body.error.resend_when;
    els.composerError.textContent = "Not resent. " + (when ? RESEND_WHEN_TEXT[when] || when : error.message);
  }
  scheduleConversationRefresh();
}
