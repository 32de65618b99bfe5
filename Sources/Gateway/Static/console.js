// Herald supporter console: plain JavaScript over the /v1 API (docs/api.md), no framework.
//
// Why it is built the way it is:
// - The page is served with a strict CSP (no inline script or style), so all behaviour is here and
//   every element is made with DOM calls; nothing from the server goes through innerHTML, because
//   message texts and URLs are written by customers.
// - The API token lives in sessionStorage only (gone when the tab closes) and is sent as
//   "Authorization: Bearer …" on every /v1 call.
// - Live updates come from GET /v1/stream (Server-Sent Events). EventSource cannot send an
//   Authorization header, so the stream is read with fetch() and parsed here.
// - The server decides what a message shows (display_status, failure.resendable, resend_when): a new
//   send changes the status of older ones (only the latest successful message shows Sent/Seen), so
//   the open conversation is refetched on every message event instead of patched locally.
(function () {
  "use strict";

  const STORAGE = { token: "herald.console.token", page: "herald.console.page", psid: "herald.console.psid" };
  const CONVERSATION_LIMIT = 100;
  const CUSTOMER_LIMIT = 50;
  const LIST_DEBOUNCE_MS = 250;
  const CONVERSATION_DEBOUNCE_MS = 60;
  const BACKOFF_MIN_MS = 500;
  const BACKOFF_MAX_MS = 15000;
  // Three missed heartbeats (the server sends one every 15 s).
  const STALL_MS = 45000;
  // While the stream is down (or missing on an older server), poll so the page never goes stale.
  const POLL_WHILE_OFFLINE_MS = 10000;
  // Messenger's typing bubble lasts about 20 s; refreshing it every 5 s keeps it up while typing.
  const TYPING_EVERY_MS = 5000;

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
  const RESEND_WHEN_TEXT = {
    url_released: "Resend waits for the blocked URL to be released",
    customer_active: "Resend waits for the customer to write again",
    page_reconnected: "Resend waits for the page to be reconnected",
    never: "Cannot be resent; send a new message",
  };
  const STATUS_TEXT = { sent: "Sent", seen: "Seen", resend: "Resend", sending: "Sending…", failed: "Failed" };
  const AUTHOR_TEXT = { customer: "Customer", supporter: "Supporter", bot: "Bot / Page inbox" };

  const state = {
    token: null,
    page: null,
    customers: new Map(), // psid -> customer resource
    markingSeen: new Set(), // psids whose mark_seen is on its way
    lastTypingAt: 0, // when typing_on was last sent for the open conversation (ms)
    listSupported: true, // false when the server has no GET /v1/pages/{page}/customers
    listNextBefore: null, // cursor for less recently active customers (null: none)
    listMoreLoaded: false, // the supporter loaded customers beyond the first page
    openPsid: null,
    openCustomer: null, // the open conversation's customer resource (may be outside the list)
    messages: new Map(), // id -> message resource of the open conversation
    nextBefore: null, // older messages exist before this id (null: none)
    olderLoaded: false, // the supporter loaded pages before the newest one
    followBottom: true, // the message list is scrolled to its end and should stay there
    conversationSeq: 0, // guards against out-of-order answers when switching conversations
    stream: null, // the current connection: { controller, watchdog, why, ended }
    reconnectTimer: null,
    lastEventId: null,
    retryMs: BACKOFF_MIN_MS, // reconnection delay the server asked for (SSE "retry:")
    backoffMs: BACKOFF_MIN_MS,
    listTimer: null,
    conversationTimer: null,
    pollTimer: null,
    pendingIdempotencyKey: null,
  };

  const $ = (id) => document.getElementById(id);
  let els;

  // ---------- small helpers ----------

  function el(tag, props, ...children) {
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

  function formatTime(iso, short) {
    if (!iso) return "—";
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return iso;
    const sameDay = date.toDateString() === new Date().toDateString();
    return short && sameDay ? timeFormat.format(date) : dateTimeFormat.format(date);
  }

  function timeEl(iso, short) {
    return el("time", { datetime: iso || undefined, title: iso || undefined, text: formatTime(iso, short) });
  }

  function relative(iso) {
    if (!iso) return "never";
    const seconds = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
    if (seconds < 45) return "just now";
    const minutes = Math.round(seconds / 60);
    if (minutes < 60) return minutes + " min ago";
    const hours = Math.round(minutes / 60);
    if (hours < 48) return hours + " h ago";
    return Math.round(hours / 24) + " days ago";
  }

  // An Idempotency-Key per composed message, so a double click or a retry after a network error
  // does not send twice. randomUUID needs a secure context (http://127.0.0.1 is one; a LAN IP is not).
  function newKey() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function pagePath() {
    return "/v1/pages/" + encodeURIComponent(state.page);
  }

  function customerPath(psid) {
    return pagePath() + "/customers/" + encodeURIComponent(psid);
  }

  // ---------- API ----------

  class ApiError extends Error {
    constructor(status, code, message, body) {
      super(message || code || "HTTP " + status);
      this.status = status;
      this.code = code;
      this.body = body;
    }
  }

  async function api(method, path, body, extraHeaders) {
    const headers = { Authorization: "Bearer " + state.token, Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    Object.assign(headers, extraHeaders || {});
    let response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
      });
    } catch (error) {
      throw new ApiError(0, "network", "The server could not be reached.");
    }
    let json = null;
    const text = await response.text();
    if (text) {
      try {
        json = JSON.parse(text);
      } catch (error) {
        json = null;
      }
    }
    if (!response.ok) {
      const err = (json && json.error) || {};
      if (response.status === 401) signOut("The API token was refused. Enter it again.");
      throw new ApiError(response.status, err.code, err.message, json);
    }
    return json;
  }

  // ---------- session: token and page ----------

  function start() {
    els = {
      login: $("login"),
      loginForm: $("login-form"),
      loginError: $("login-error"),
      tokenInput: $("token-input"),
      pageInput: $("page-input"),
      workspace: $("workspace"),
      pageLabel: $("page-label"),
      connection: $("connection"),
      signOut: $("sign-out"),
      refresh: $("refresh"),
      openPsidForm: $("open-psid-form"),
      openPsidInput: $("open-psid-input"),
      listNote: $("list-note"),
      conversations: $("conversations"),
      moreConversations: $("more-conversations"),
      emptyState: $("empty-state"),
      conversationBody: $("conversation-body"),
      conversationTitle: $("conversation-title"),
      back: $("back"),
      infoFirst: $("info-first"),
      infoLast: $("info-last"),
      infoTotal: $("info-total"),
      infoWindow: $("info-window"),
      loadOlder: $("load-older"),
      messages: $("messages"),
      composer: $("composer"),
      composerText: $("composer-text"),
      composerUrl: $("composer-url"),
      composerSend: $("composer-send"),
      composerError: $("composer-error"),
    };

    els.loginForm.addEventListener("submit", onLogin);
    els.signOut.addEventListener("click", () => signOut(""));
    els.refresh.addEventListener("click", () => refreshAll());
    els.moreConversations.addEventListener("click", loadMoreCustomers);
    els.openPsidForm.addEventListener("submit", onOpenPsid);
    els.back.addEventListener("click", closeConversation);
    els.loadOlder.addEventListener("click", loadOlder);
    els.messages.addEventListener("scroll", onMessagesScroll, { passive: true });
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
    // Relative times in the list ("5 min ago") and the inactivity badges age without events.
    window.setInterval(() => renderConversations(), 30000);
    window.addEventListener("offline", onOffline);
    window.addEventListener("online", onOnline);

    const token = sessionStorage.getItem(STORAGE.token);
    const page = sessionStorage.getItem(STORAGE.page);
    if (page) els.pageInput.value = page;
    if (token && page) {
      enter(token, page, sessionStorage.getItem(STORAGE.psid));
    } else {
      showLogin("");
    }
  }

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

  async function enter(token, page, psid) {
    state.token = token;
    state.page = page;
    state.customers.clear();
    state.markingSeen.clear();
    state.listSupported = true;
    state.listNextBefore = null;
    state.listMoreLoaded = false;
    state.lastEventId = null;
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

  function setConnection(stateName, text) {
    els.connection.dataset.state = stateName;
    els.connection.textContent = text;
  }

  // ---------- conversation list ----------

  function scheduleListRefresh() {
    window.clearTimeout(state.listTimer);
    state.listTimer = window.setTimeout(refreshList, LIST_DEBOUNCE_MS);
  }

  async function refreshList() {
    if (!state.token) return;
    if (!state.listSupported) {
      renderConversations();
      return;
    }
    try {
      const page = state.page;
      const answer = await api("GET", pagePath() + "/customers?limit=" + CUSTOMER_LIMIT);
      if (page !== state.page) return;
      // Merged, not replaced: customers loaded with "More conversations" or opened by id stay
      // (customers are never deleted, and the local sort keeps the order right).
      for (const customer of answer.customers || []) state.customers.set(customer.psid, customer);
      if (!state.listMoreLoaded) state.listNextBefore = answer.next_before ?? null;
      showListNote("");
    } catch (error) {
      if (error.status === 404 && error.code === "not_found") {
        // An older server without the list endpoint: customers still appear from live events
        // and from "Open" by id.
        state.listSupported = false;
        showListNote("This server cannot list conversations; they appear here as customers write, or open one by id.");
      } else if (error.status !== 401 && error.code !== "network") {
        // (Unreachable: the connection indicator already says so, and polling retries.)
        showListNote("Could not load conversations: " + error.message);
      }
    }
    renderConversations();
  }

  async function loadMoreCustomers() {
    if (state.listNextBefore === null) return;
    try {
      const page = state.page;
      const answer = await api(
        "GET",
        pagePath() + "/customers?limit=" + CUSTOMER_LIMIT + "&before=" + encodeURIComponent(state.listNextBefore)
      );
      if (page !== state.page) return;
      for (const customer of answer.customers || []) state.customers.set(customer.psid, customer);
      state.listNextBefore = answer.next_before ?? null;
      state.listMoreLoaded = true;
    } catch (error) {
      if (error.status !== 401) showListNote("Could not load more conversations: " + error.message);
    }
    renderConversations();
  }

  function showListNote(text) {
    els.listNote.textContent = text;
    els.listNote.hidden = !text;
  }

  function upsertCustomer(customer) {
    if (!customer || customer.page_id !== state.page || !customer.psid) return;
    const known = state.customers.get(customer.psid) || {};
    state.customers.set(customer.psid, Object.assign({}, known, customer));
    renderConversations();
  }

  function sortedCustomers() {
    const time = (c) => (c.last_active_at ? new Date(c.last_active_at).getTime() : 0);
    return Array.from(state.customers.values()).sort((a, b) => time(b) - time(a) || (a.psid < b.psid ? -1 : 1));
  }

  function isInactive(customer) {
    if (customer.inactive_over_24h) return true;
    // The server's flag is fresh at fetch time; between fetches the clock still moves.
    return !!customer.last_active_at && Date.now() - new Date(customer.last_active_at).getTime() >= 86400000;
  }

  // Keyed like the message list: a conversation keeps its button across refreshes, so a click or
  // keyboard focus in the list is not lost to the re-render every live event causes.
  function renderConversations() {
    if (!els || !state.token) return;
    const list = els.conversations;
    const existing = new Map();
    for (const child of list.children) existing.set(child.dataset.psid, child);
    const nodes = sortedCustomers().map((customer) => {
      let item = existing.get(customer.psid);
      if (!item) {
        const button = el("button", {
          type: "button",
          class: "conversation-item",
          testid: "conversation-" + customer.psid,
          onclick: () => openConversation(customer.psid),
        });
        item = el("li", null, button);
        item.dataset.psid = customer.psid;
      }
      updateConversationButton(item.firstElementChild, customer);
      return item;
    });
    nodes.forEach((node, index) => {
      if (list.children[index] !== node) list.insertBefore(node, list.children[index] || null);
    });
    while (list.children.length > nodes.length) list.lastElementChild.remove();
    els.moreConversations.hidden = state.listNextBefore === null;
    if (!nodes.length && state.listSupported) showListNote(els.listNote.textContent || "No conversations yet.");
    else if (nodes.length && els.listNote.textContent === "No conversations yet.") showListNote("");
  }

  function updateConversationButton(button, customer) {
    const open = customer.psid === state.openPsid;
    const inactive = isInactive(customer);
    // The server counts the customer's messages since a supporter last marked them seen.
    const unread = open ? 0 : customer.unread || 0;
    const activity = "Active " + relative(customer.last_active_at);
    const total = " · " + (customer.total_messages ?? 0) + " msgs";
    const signature = [open, inactive, unread, activity, total].join("|");
    if (button.dataset.signature === signature) return;
    button.dataset.signature = signature;
    button.classList.toggle("open", open);
    if (open) button.setAttribute("aria-current", "true");
    else button.removeAttribute("aria-current");
    button.dataset.lastActive = customer.last_active_at || "";
    button.replaceChildren(
      el("span", { class: "psid", text: customer.psid }),
      el("span", { class: "meta" }, el("span", { text: activity }), el("span", { text: total }))
    );
    if (unread) {
      button.append(el("span", { class: "badge unread", testid: "unread-" + customer.psid, text: unread + " unread" }));
    }
    if (inactive) {
      button.append(el("span", { class: "badge inactive", testid: "inactive-" + customer.psid, text: "inactive over 24 h" }));
    }
  }

  function onOpenPsid(event) {
    event.preventDefault();
    const psid = els.openPsidInput.value.trim();
    if (!psid) return;
    els.openPsidInput.value = "";
    openConversation(psid);
  }

  // ---------- one conversation ----------

  function openConversation(psid) {
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
      renderCustomerInfo(null);
    }
    sessionStorage.setItem(STORAGE.psid, psid);
    state.lastTypingAt = 0;
    const known = state.customers.get(psid);
    if (known && known.unread > 0) markSeen(psid);
    els.emptyState.hidden = true;
    els.conversationBody.hidden = false;
    document.body.classList.add("has-conversation");
    els.conversationTitle.textContent = "Customer " + psid;
    renderConversations();
    refreshConversation();
  }

  function closeConversation() {
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

  function scheduleConversationRefresh() {
    window.clearTimeout(state.conversationTimer);
    state.conversationTimer = window.setTimeout(refreshConversation, CONVERSATION_DEBOUNCE_MS);
  }

  // Reloads the newest messages and the customer's facts. Older pages the supporter loaded stay
  // (their display status can only have moved to "none" once a newer message was sent).
  async function refreshConversation() {
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
      state.openCustomer = customer.value;
      renderCustomerInfo(customer.value);
      upsertCustomer(customer.value);
      // The supporter is looking at the conversation: what arrived is read.
      if (customer.value.unread > 0) markSeen(psid);
    } else if (customer.reason.status === 404) {
      renderCustomerInfo(null);
    }
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

  function clearUnread(psid) {
    const customer = state.customers.get(psid);
    if (customer) upsertCustomer(Object.assign({}, customer, { unread: 0 }));
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

  // A failed load's message goes once a load succeeds; errors about sending stay until the next send.
  function clearLoadError() {
    if (els.composerError.dataset.loadError === "true") {
      els.composerError.textContent = "";
      delete els.composerError.dataset.loadError;
    }
  }

  async function loadOlder() {
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

  function renderCustomerInfo(customer) {
    els.infoFirst.replaceChildren(customer ? timeEl(customer.first_active_at) : "—");
    els.infoLast.replaceChildren(customer ? timeEl(customer.last_active_at) : "—");
    els.infoTotal.textContent = customer ? String(customer.total_messages ?? 0) : "—";
    els.infoWindow.replaceChildren();
    if (!customer || !customer.window_closes_at) {
      els.infoWindow.textContent = customer ? "closed (the customer never wrote)" : "—";
      els.infoWindow.dataset.open = "false";
    } else if (new Date(customer.window_closes_at).getTime() > Date.now()) {
      els.infoWindow.append("open until ", timeEl(customer.window_closes_at, true));
      els.infoWindow.dataset.open = "true";
    } else {
      els.infoWindow.append("closed since ", timeEl(customer.window_closes_at, true));
      els.infoWindow.dataset.open = "false";
    }
    if (customer && isInactive(customer)) {
      els.infoWindow.append(" ", el("span", { class: "badge inactive", text: "inactive over 24 h" }));
    }
  }

  function renderMessages(options) {
    const list = els.messages;
    const previousHeight = list.scrollHeight;
    const sorted = Array.from(state.messages.values()).sort((a, b) => a.id - b.id);
    // Keyed update: an unchanged message keeps its element, so focus (e.g. on a Resend button)
    // and text selection survive the refetches every event causes.
    const existing = new Map();
    for (const child of list.children) existing.set(child.dataset.id, child);
    const nodes = sorted.map((message) => {
      const signature = JSON.stringify(message);
      const old = existing.get(String(message.id));
      if (old && old.dataset.signature === signature) return old;
      const node = renderMessage(message);
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
  function onMessagesScroll() {
    const list = els.messages;
    state.followBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  }

  function renderMessage(message) {
    const outbound = message.direction === "outbound";
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
        el("span", { class: "author", text: AUTHOR_TEXT[message.author] || message.author }),
        " ",
        timeEl(message.created_at, true)
      ),
      renderContent(message.content || {})
    );
    if (outbound) item.append(renderOutboundFooter(message));
    return item;
  }

  // Text, image, file and carousel content (outbound as sent; inbound as Facebook gave it).
  function renderContent(content) {
    const box = el("div", { class: "content" });
    if (typeof content.text === "string") {
      box.append(
        content.text.trim()
          ? el("p", { class: "text", text: content.text })
          : el("p", { class: "text muted", text: "(blank text)" })
      );
    }
    if (content.image) box.append(renderMedia("image", content.image.url));
    if (content.file) {
      const size = content.file.size_bytes ? " (" + formatBytes(content.file.size_bytes) + ")" : "";
      box.append(renderMedia("file", content.file.url, size));
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
      box.append(renderMedia(attachment.type || "attachment", attachment.url || (attachment.payload && attachment.payload.url)));
    }
    if (!box.childNodes.length) box.append(el("p", { class: "text muted", text: "(no text)" }));
    return box;
  }

  function renderMedia(kind, url, suffix) {
    const safe = typeof url === "string" && /^https?:\/\//i.test(url) ? url : null;
    const label = kind.charAt(0).toUpperCase() + kind.slice(1);
    const wrap = el("div", { class: "media media-" + kind });
    // Only https images are allowed by the page's CSP (img-src 'self' https: data:).
    if (kind === "image" && safe && /^https:/i.test(safe)) {
      const img = el("img", { src: safe, alt: "Image from " + safe, loading: "lazy", referrerpolicy: "no-referrer" });
      // An image that does not load (gone, blocked, offline) leaves just its link.
      // Either way the height changes after the list was scrolled: keep the end in view.
      img.addEventListener("error", () => {
        img.remove();
        if (state.followBottom) scrollToEnd();
      });
      img.addEventListener("load", () => state.followBottom && scrollToEnd());
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

  function formatBytes(n) {
    if (n >= 1048576) return (n / 1048576).toFixed(1) + " MB";
    if (n >= 1024) return Math.round(n / 1024) + " KB";
    return n + " B";
  }

  function renderOutboundFooter(message) {
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
        onclick: (event) => resend(message, event.currentTarget),
      });
      footer.append(button);
      if (!failure.resendable) {
        const why = RESEND_WHEN_TEXT[failure.resend_when] || "Cannot be resent now";
        footer.append(el("span", { class: "resend-why", id: whyId, testid: "resend-why-" + message.id, text: why }));
      }
    }
    return footer;
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
      els.composerError.textContent =
        "Not resent. " + (when ? RESEND_WHEN_TEXT[when] || when : error.message);
    }
    scheduleConversationRefresh();
  }

  // ---------- composer ----------

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

  // ---------- live updates (Server-Sent Events over fetch) ----------
  //
  // One stream object per connection attempt: { controller, watchdog, why }. `why` is set by
  // whoever aborts it, so its end can be told apart: "stopped" (sign-out, page change: stay
  // quiet), "stalled" or "offline" (reconnect).

  function stopStream() {
    if (state.stream) abortStream(state.stream, "stopped");
    state.stream = null;
    window.clearTimeout(state.reconnectTimer);
    stopPolling();
  }

  function startStream() {
    stopStream();
    connectStream();
  }

  // A new connection; a reconnect keeps lastEventId so the server can replay what was missed.
  function connectStream() {
    window.clearTimeout(state.reconnectTimer);
    const stream = { controller: new AbortController(), watchdog: null, why: null };
    state.stream = stream;
    runStream(stream).catch(() => streamEnded(stream, "error"));
  }

  function abortStream(stream, why) {
    stream.why = stream.why || why;
    window.clearTimeout(stream.watchdog);
    stream.controller.abort();
  }

  // The server sends a heartbeat comment every 15 s; a connection that stays silent much longer
  // is dead without knowing it (laptop sleep, a proxy dropping it), so drop it and reconnect.
  function armWatchdog(stream) {
    window.clearTimeout(stream.watchdog);
    stream.watchdog = window.setTimeout(() => abortStream(stream, "stalled"), STALL_MS);
  }

  async function runStream(stream) {
    const page = state.page;
    const headers = { Authorization: "Bearer " + state.token, Accept: "text/event-stream" };
    const resuming = state.lastEventId !== null;
    if (resuming) headers["Last-Event-ID"] = state.lastEventId;
    setConnection("connecting", resuming ? "Reconnecting…" : "Connecting…");
    let response;
    try {
      response = await fetch("/v1/stream?page_id=" + encodeURIComponent(page), {
        headers,
        cache: "no-store",
        signal: stream.controller.signal,
      });
    } catch (error) {
      return streamEnded(stream, "network");
    }
    if (response.status === 401) {
      signOut("The API token was refused. Enter it again.");
      return;
    }
    if (response.status === 400 && resuming) {
      // The server does not know our Last-Event-ID (another deployment, a restored database):
      // start over without it, which reloads everything once connected.
      state.lastEventId = null;
      return streamEnded(stream, "bad resume id");
    }
    if (!response.ok || !response.body) {
      return streamEnded(stream, response.status === 404 ? "unsupported" : "http " + response.status);
    }

    setConnection("live", "Live");
    stopPolling();
    armWatchdog(stream);
    // Without a resume point, anything may have happened since the last load: load everything
    // now that the subscription is in place (events from here on are not missed).
    if (!resuming) refreshAll();

    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    let event = { type: "", data: [], id: null };
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        armWatchdog(stream);
        state.backoffMs = state.retryMs; // data flows: the next failure starts a fresh backoff
        buffer += decoder.decode(value, { stream: true });
        // SSE lines end with \n, \r\n or \r; keep an incomplete last line (and a trailing \r that
        // may be half of \r\n) for the next chunk.
        let match;
        while ((match = /\r\n|\r|\n/.exec(buffer)) && !(match[0] === "\r" && match.index === buffer.length - 1)) {
          const line = buffer.slice(0, match.index);
          buffer = buffer.slice(match.index + match[0].length);
          event = handleLine(line, event);
        }
      }
    } catch (error) {
      // aborted (stream.why says by whom) or the connection broke
    }
    window.clearTimeout(stream.watchdog);
    streamEnded(stream, stream.why || "closed");
  }

  // One SSE line (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).
  function handleLine(line, event) {
    if (line === "") {
      if (event.id !== null) state.lastEventId = event.id;
      if (event.data.length) dispatch(event.type || "message", event.data.join("\n"));
      return { type: "", data: [], id: null };
    }
    if (line.startsWith(":")) return event; // heartbeat comment
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event.type = value;
    else if (field === "data") event.data.push(value);
    else if (field === "id" && !value.includes("\0")) event.id = value;
    else if (field === "retry" && /^\d+$/.test(value)) {
      state.retryMs = Math.min(BACKOFF_MAX_MS, Math.max(BACKOFF_MIN_MS, Number(value)));
      state.backoffMs = state.retryMs;
    }
    return event;
  }

  function streamEnded(stream, why) {
    if (state.stream !== stream || stream.why === "stopped" || stream.ended) return;
    stream.ended = true;
    if (why === "unsupported") {
      setConnection("offline", "Live updates unavailable (refreshing every " + POLL_WHILE_OFFLINE_MS / 1000 + " s)");
    } else if (why === "offline" || !navigator.onLine) {
      setConnection("offline", "Offline: waiting for the network");
    } else {
      setConnection("reconnecting", "Reconnecting…");
    }
    startPolling();
    const delay = why === "unsupported" ? BACKOFF_MAX_MS * 4 : state.backoffMs;
    state.backoffMs = Math.min(BACKOFF_MAX_MS, state.backoffMs * 2);
    // Jitter spreads many consoles reconnecting to a restarted server.
    window.clearTimeout(state.reconnectTimer);
    state.reconnectTimer = window.setTimeout(() => {
      if (state.stream === stream) connectStream();
    }, delay * (0.8 + Math.random() * 0.4));
  }

  // The browser knows before we do: going offline kills the connection (it would otherwise
  // hang until the watchdog fires), coming back reconnects at once instead of after the backoff.
  function onOffline() {
    if (state.stream && !state.stream.ended) abortStream(state.stream, "offline");
  }

  function onOnline() {
    if (!state.token || !state.stream || !state.stream.ended) return;
    state.backoffMs = state.retryMs;
    connectStream();
  }

  function startPolling() {
    if (state.pollTimer) return;
    refreshAll();
    state.pollTimer = window.setInterval(refreshAll, POLL_WHILE_OFFLINE_MS);
  }

  function stopPolling() {
    window.clearInterval(state.pollTimer);
    state.pollTimer = null;
  }

  function refreshAll() {
    refreshList();
    if (state.openPsid) refreshConversation();
  }

  function dispatch(type, data) {
    let payload;
    try {
      payload = JSON.parse(data);
    } catch (error) {
      return;
    }
    if (!payload || typeof payload !== "object") return;
    if (payload.page_id !== undefined && payload.page_id !== state.page) return;
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
          state.openCustomer = Object.assign({}, state.openCustomer || {}, payload);
          renderCustomerInfo(state.openCustomer);
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

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
