// Herald supporter console: plain JavaScript over the /v1 API (docs/api.md), no framework and no
// build step: ES modules the gateway serves as they are, one per concern.
//
//   console.js          this module: signing in (token, page, GET /v1/me), wiring, live events
//   api.js              the /v1 client (bearer token, JSON errors, 401 → signed out)
//   stream.js           GET /v1/stream over fetch: parsing, resume, backoff, polling
//   conversation-list.js  the customers, most recently active first, unread counts, search
//   conversation.js     the open conversation: messages, mark_seen, Resend
//   message-view.js     one message: content, status, failure and Resend
//   composer.js         text, image and file replies; typing_on
//   customer-panel.js   the open conversation's customer: picture, name, facts
//   people.js           names, pictures (or initials) and who sent a message
//   dom.js, state.js    shared helpers and state
//
// Why it is built the way it is:
// - The page is served with a strict CSP (no inline script or style), so all behaviour is here and
//   every element is made with DOM calls; nothing from the server goes through innerHTML, because
//   message texts and URLs are written by customers.
// - A supporter signs in with their own token (an admin creates it; the service token
//   HERALD_API_TOKEN works too, as "API"). It lives in sessionStorage only (gone when the tab
//   closes) and is sent as "Authorization: Bearer …" on every /v1 call. A 401 from any call, the
//   stream included, means it was revoked or rotated: the console signs out and says so.

import { api, ApiError, onUnauthorized } from "./api.js";
import { els, state, STORAGE, bindElements } from "./state.js";
import { configureStream, setConnection, startStream, stopStream } from "./stream.js";
import {
  clearSearch,
  loadMoreCustomers,
  onOpenConversation,
  onSearchInput,
  refreshList,
  renderConversations,
  scheduleListRefresh,
  searchMatches,
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

const REVOKED = "Your access was revoked or your token is no longer valid. Sign in again with a current token.";
const REFUSED = "This token was not accepted. Check it, or ask your admin for a new one.";

function start() {
  bindElements();
  els.loginForm.addEventListener("submit", onLogin);
  els.signOut.addEventListener("click", () => signOut(""));
  els.refresh.addEventListener("click", () => refreshAll());
  els.moreConversations.addEventListener("click", loadMoreCustomers);
  els.searchInput.addEventListener("input", onSearchInput);
  els.searchForm.addEventListener("submit", onSearchSubmit);
  els.back.addEventListener("click", closeConversation);
  els.loadOlder.addEventListener("click", loadOlder);
  els.messages.addEventListener("scroll", onMessagesScroll, { passive: true });
  bindComposer();
  onOpenConversation(openConversation);
  onUnauthorized(onRevoked);
  configureStream({ onEvent, onReload: refreshAll, onUnauthorized: onRevoked });
  // Relative times in the list ("5 min ago") and the inactivity badges age without events.
  window.setInterval(() => renderConversations(), 30000);

  const token = sessionStorage.getItem(STORAGE.token);
  const page = sessionStorage.getItem(STORAGE.page);
  if (page) els.pageInput.value = page;
  if (token && page) {
    enter(token, page, sessionStorage.getItem(STORAGE.psid), null);
  } else {
    showLogin("");
  }
}

// ---------- session: token and page ----------

// The token is checked before the workspace opens, so a mistyped one is told at once; a
// server without GET /v1/me (404) or one that cannot be reached lets the supporter in as before.
async function onLogin(event) {
  event.preventDefault();
  const token = els.tokenInput.value.trim();
  const page = els.pageInput.value.trim();
  if (!token || !page) {
    els.loginError.textContent = "Enter your token and a page id.";
    return;
  }
  els.loginError.textContent = "";
  state.token = token;
  const submit = els.loginForm.querySelector("button[type=submit]");
  submit.disabled = true; // one check at a time
  const me = await whoAmI();
  submit.disabled = false;
  if (me instanceof ApiError && me.status === 401) {
    state.token = null;
    els.loginError.textContent = REFUSED;
    els.tokenInput.select();
    return;
  }
  sessionStorage.setItem(STORAGE.token, token);
  sessionStorage.setItem(STORAGE.page, page);
  els.tokenInput.value = "";
  enter(token, page, null, me instanceof ApiError ? null : me);
}

// GET /v1/me: the caller, or the ApiError (an older server answers 404).
async function whoAmI() {
  try {
    return await api("GET", "/v1/me");
  } catch (error) {
    return error;
  }
}

function showLogin(message) {
  els.login.hidden = false;
  els.workspace.hidden = true;
  els.signOut.hidden = true;
  els.pageLabel.hidden = true;
  els.signedInAs.hidden = true;
  els.loginError.textContent = message;
  setConnection("offline", "Not connected");
  (els.pageInput.value ? els.tokenInput : els.pageInput).focus();
}

/** Opens the workspace; `me` is GET /v1/me's answer when the sign-in already asked. */
function enter(token, page, psid, me) {
  state.token = token;
  state.page = page;
  state.signedIn = true;
  state.customers.clear();
  state.markingSeen.clear();
  state.listSupported = true;
  state.listNextBefore = null;
  state.listMoreLoaded = false;
  els.searchInput.value = "";
  clearSearch();
  els.login.hidden = true;
  els.workspace.hidden = false;
  els.signOut.hidden = false;
  els.pageLabel.hidden = false;
  els.pageLabel.textContent = "Page " + page;
  showMe(me || null);
  if (!me) whoAmI().then((answer) => state.token === token && !(answer instanceof ApiError) && showMe(answer));
  renderConversations();
  if (psid) openConversation(psid);
  else closeConversation();
  // The stream's "connected" callback does the first full load, so no event falls between the
  // load and the subscription.
  startStream();
}

// The header says who is signed in: the supporter's name, or "API" for the service token.
function showMe(me) {
  state.me = me;
  const name = me && me.type === "supporter" ? me.name : me && me.type === "api" ? "API (service token)" : null;
  els.signedInAs.textContent = name ? "Signed in as " + name : "";
  els.signedInAs.hidden = !name;
  if (me && me.type === "supporter") els.signedInAs.dataset.supporterId = String(me.id);
  else delete els.signedInAs.dataset.supporterId;
}

// A 401 after signing in: the token was revoked or rotated (or the server's changed).
function onRevoked() {
  if (state.signedIn) signOut(REVOKED);
}

function signOut(message) {
  stopStream();
  sessionStorage.removeItem(STORAGE.token);
  sessionStorage.removeItem(STORAGE.psid);
  state.token = null;
  state.signedIn = false;
  state.me = null;
  state.openPsid = null;
  state.customers.clear();
  state.messages.clear();
  els.conversations.replaceChildren();
  els.messages.replaceChildren();
  showLogin(message);
}

// Enter in the search box opens the only match; on a server that cannot list customers, it
// opens the conversation with that PSID.
function onSearchSubmit(event) {
  event.preventDefault();
  const q = els.searchInput.value.trim();
  if (!q) return;
  if (!state.listSupported) {
    els.searchInput.value = "";
    openConversation(q);
    return;
  }
  const matches = searchMatches();
  if (matches.length === 1) openConversation(matches[0].psid);
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
      // The supporter's token was revoked or rotated: the server ends the stream with this.
      if (payload.reason === "token_revoked") onRevoked();
      // The server could not resume from our Last-Event-ID: what we show may be stale.
      else refreshAll();
      break;
    default:
      break;
  }
}

// Modules run after the document is parsed (they are deferred), so the elements exist.
start();
