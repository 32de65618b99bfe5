// Herald supporter console: plain JavaScript over the /v1 API (docs/api.md), no framework and no
// build step: ES modules the gateway serves as they are, one per concern.
//
//   console.js          this module: the session (token and page), wiring, live events
//   api.js              the /v1 client (bearer token, JSON errors, 401 → signed out)
//   stream.js           GET /v1/stream over fetch: parsing, resume, backoff, polling
//   conversation-list.js  the customers, most recently active first, unread counts
//   conversation.js     the open conversation: messages, mark_seen, Resend
//   message-view.js     one message: content, status, failure and Resend
//   composer.js         text, image and file replies; typing_on
//   customer-panel.js   the open conversation's customer facts
//   people.js, dom.js, state.js  shared helpers and state
//
// Why it is built the way it is:
// - The page is served with a strict CSP (no inline script or style), so all behaviour is here and
//   every element is made with DOM calls; nothing from the server goes through innerHTML, because
//   message texts and URLs are written by customers.
// - The API token lives in sessionStorage only (gone when the tab closes) and is sent as
//   "Authorization: Bearer …" on every /v1 call.

import { onUnauthorized } from "./api.js";
import { els, state, STORAGE, bindElements } from "./state.js";
import { configureStream, setConnection, startStream, stopStream } from "./stream.js";
import {
  loadMoreCustomers,
  onOpenConversation,
  refreshList,
  renderConversations,
  scheduleListRefresh,
  upsertCustomer,
} from "./conversation-list.js";
import {
  closeConversation,
  loadOlder,
  onMessagesScroll,
  openConversation,
  refreshConversation,
  scheduleConversationRefresh,
  showCustomer,
} from "./conversation.js";
import { bindComposer } from "./composer.js";

const REFUSED = "The API token was refused. Enter it again.";

function start() {
  bindElements();
  els.loginForm.addEventListener("submit", onLogin);
  els.signOut.addEventListener("click", () => signOut(""));
  els.refresh.addEventListener("click", () => refreshAll());
  els.moreConversations.addEventListener("click", loadMoreCustomers);
  els.openPsidForm.addEventListener("submit", onOpenPsid);
  els.back.addEventListener("click", closeConversation);
  els.loadOlder.addEventListener("click", loadOlder);
  els.messages.addEventListener("scroll", onMessagesScroll, { passive: true });
  bindComposer();
  onOpenConversation(openConversation);
  onUnauthorized(() => signOut(REFUSED));
  configureStream({ onEvent, onReload: refreshAll, onUnauthorized: () => signOut(REFUSED) });
  // Relative times in the list ("5 min ago") and the inactivity badges age without events.
  window.setInterval(() => renderConversations(), 30000);

  const token = sessionStorage.getItem(STORAGE.token);
  const page = sessionStorage.getItem(STORAGE.page);
  if (page) els.pageInput.value = page;
  if (token && page) {
    enter(token, page, sessionStorage.getItem(STORAGE.psid));
  } else {
    showLogin("");
  }
}

// ---------- session: token and page ----------

function onLogin(event) {
  event.preventDefault();
  const token = els.tokenInput.value.trim();
  const page = els.pageInput.value.trim();
  if (!token || !page) {
    els.loginError.textContent = "Enter the API token and a page id.";
    return;
  }
  sessionStorage.setItem(STORAGE.token, token);
  sessionStorage.setItem(STORAGE.page, page);
  els.tokenInput.value = "";
  enter(token, page, null);
}

function showLogin(message) {
  els.login.hidden = false;
  els.workspace.hidden = true;
  els.signOut.hidden = true;
  els.pageLabel.hidden = true;
  els.loginError.textContent = message;
  setConnection("offline", "Not connected");
  (els.pageInput.value ? els.tokenInput : els.pageInput).focus();
}

function enter(token, page, psid) {
  state.token = token;
  state.page = page;
  state.customers.clear();
  state.markingSeen.clear();
  state.listSupported = true;
  state.listNextBefore = null;
  state.listMoreLoaded = false;
  els.login.hidden = true;
  els.workspace.hidden = false;
  els.signOut.hidden = false;
  els.pageLabel.hidden = false;
  els.pageLabel.textContent = "Page " + page;
  renderConversations();
  if (psid) openConversation(psid);
  else closeConversation();
  // The stream's "connected" callback does the first full load, so no event falls between the
  // load and the subscription.
  startStream();
}

function signOut(message) {
  stopStream();
  sessionStorage.removeItem(STORAGE.token);
  sessionStorage.removeItem(STORAGE.psid);
  state.token = null;
  state.openPsid = null;
  state.customers.clear();
  state.messages.clear();
  els.conversations.replaceChildren();
  els.messages.replaceChildren();
  showLogin(message);
}

function onOpenPsid(event) {
  event.preventDefault();
  const psid = els.openPsidInput.value.trim();
  if (!psid) return;
  els.openPsidInput.value = "";
  openConversation(psid);
}

function refreshAll() {
  refreshList();
  if (state.openPsid) refreshConversation();
}

// ---------- live events ----------

function onEvent(type, payload) {
  switch (type) {
    case "message.created":
    case "message.status":
      // Unread counts come with the customer.updated event the same write causes.
      if (payload.psid === state.openPsid) scheduleConversationRefresh();
      if (!state.customers.has(payload.psid)) scheduleListRefresh();
      break;
    case "customer.updated":
      upsertCustomer(payload);
      if (payload.psid === state.openPsid) {
        showCustomer(payload);
        // The customer wrote: failed messages may have become resendable.
        scheduleConversationRefresh();
      }
      scheduleListRefresh();
      break;
    case "notification.raised":
    case "notification.cleared": {
      const customer = state.customers.get(payload.psid);
      if (customer && payload.kind === "customer_inactive") {
        upsertCustomer(Object.assign({}, customer, { inactive_over_24h: type === "notification.raised" }));
      }
      if (payload.psid === state.openPsid) scheduleConversationRefresh();
      scheduleListRefresh();
      break;
    }
    case "stream.reset":
      // The server could not resume from our Last-Event-ID: what we show may be stale.
      refreshAll();
      break;
    default:
      break;
  }
}

// Modules run after the document is parsed (they are deferred), so the elements exist.
start();
