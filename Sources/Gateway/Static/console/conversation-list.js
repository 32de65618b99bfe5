// The conversation list: the page's customers, most recently active first (GET
// /v1/pages/{page}/customers, paged with "More conversations"), merged with what live events
// say, with pictures, names, unread counts (kept by the server) and inactivity badges; and the
// search box (the same endpoint with `q`: names without case or accents, or a PSID prefix).

import { api, pagePath } from "./api.js";
import { el, relative } from "./dom.js";
import { els, state } from "./state.js";
import { avatar, customerName, displayName, isInactive } from "./people.js";

const CUSTOMER_LIMIT = 50;
const LIST_DEBOUNCE_MS = 250;
// Typing "nguyen" asks once, not six times.
const SEARCH_DEBOUNCE_MS = 300;

let openHandler = () => {};

/** What a click on a conversation does (the conversation module opens it). */
export function onOpenConversation(handler) {
  openHandler = handler;
}

export function scheduleListRefresh() {
  window.clearTimeout(state.listTimer);
  state.listTimer = window.setTimeout(refreshList, LIST_DEBOUNCE_MS);
}

export async function refreshList() {
  if (!state.token) return;
  if (state.search.q) runSearch(); // a customer may have started (or stopped) matching
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
      // and by PSID from the search box (Enter).
      state.listSupported = false;
      showListNote("This server cannot list conversations; they appear here as customers write, or type a PSID above and press Enter.");
    } else if (error.status !== 401 && error.code !== "network") {
      // (Unreachable: the connection indicator already says so, and polling retries.)
      showListNote("Could not load conversations: " + error.message);
    }
  }
  renderConversations();
}

export async function loadMoreCustomers() {
  if (state.search.q) return loadMoreResults();
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

/** Merges a customer resource (or part of one, from an event) into the list. */
export function upsertCustomer(customer) {
  if (!customer || customer.page_id !== state.page || !customer.psid) return;
  const known = state.customers.get(customer.psid) || {};
  state.customers.set(customer.psid, Object.assign({}, known, customer));
  const found = state.search.results.get(customer.psid);
  if (found) state.search.results.set(customer.psid, Object.assign({}, found, customer));
  renderConversations();
}

export function clearUnread(psid) {
  const customer = state.customers.get(psid);
  if (customer) upsertCustomer(Object.assign({}, customer, { unread: 0 }));
}

// The list shows the search's results while there is a search, else every customer loaded.
function sortedCustomers() {
  const time = (c) => (c.last_active_at ? new Date(c.last_active_at).getTime() : 0);
  const shown = state.search.q ? state.search.results : state.customers;
  return Array.from(shown.values()).sort((a, b) => time(b) - time(a) || (a.psid < b.psid ? -1 : 1));
}

// Keyed like the message list: a conversation keeps its button across refreshes, so a click or
// keyboard focus in the list is not lost to the re-render every live event causes.
export function renderConversations() {
  if (!els.conversations || !state.token) return;
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
        onclick: () => openHandler(customer.psid),
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
  const searching = !!state.search.q;
  els.moreConversations.hidden = (searching ? state.search.nextBefore : state.listNextBefore) === null;
  if (searching) {
    if (state.search.done) showListNote(nodes.length ? "" : "No customer matches “" + state.search.q + "”.");
  } else if (!nodes.length && state.listSupported) {
    showListNote(els.listNote.textContent || "No conversations yet.");
  } else if (nodes.length && (els.listNote.textContent === "No conversations yet." || els.listNote.textContent.startsWith("No customer matches"))) {
    showListNote("");
  }
}

function updateConversationButton(button, customer) {
  const open = customer.psid === state.openPsid;
  const inactive = isInactive(customer);
  // The server counts the customer's messages since a supporter last marked them seen.
  const unread = open ? 0 : customer.unread || 0;
  const activity = "Active " + relative(customer.last_active_at);
  const total = " · " + (customer.total_messages ?? 0) + " msgs";
  const name = customerName(customer);
  const signature = [open, inactive, unread, activity, total, name, customer.profile_pic].join("|");
  if (button.dataset.signature === signature) return;
  button.dataset.signature = signature;
  button.classList.toggle("open", open);
  if (open) button.setAttribute("aria-current", "true");
  else button.removeAttribute("aria-current");
  button.dataset.lastActive = customer.last_active_at || "";
  const badges = el("span", { class: "badges" });
  if (unread) {
    badges.append(el("span", { class: "badge unread", testid: "unread-" + customer.psid, text: unread + " unread" }));
  }
  if (inactive) {
    badges.append(el("span", { class: "badge inactive", testid: "inactive-" + customer.psid, text: "inactive over 24 h" }));
  }
  button.replaceChildren(
    avatar(customer, customer.psid, "small", "avatar-" + customer.psid),
    el(
      "span",
      { class: "summary" },
      el("span", {
        class: "name",
        testid: "name-" + customer.psid,
        title: name ? "PSID " + customer.psid : undefined,
        text: displayName(customer),
      }),
      el("span", { class: "meta" }, el("span", { text: activity }), el("span", { text: total })),
      badges.childNodes.length ? badges : null
    )
  );
}

// ---------- search ----------

/** The search box changed: search after a pause in typing; an empty box shows the whole list again. */
export function onSearchInput() {
  window.clearTimeout(state.search.timer);
  const q = els.searchInput.value.trim();
  if (!q) {
    clearSearch();
    return;
  }
  state.search.timer = window.setTimeout(() => {
    if (q !== state.search.q) {
      state.search.q = q;
      state.search.results = new Map();
      state.search.nextBefore = null;
      state.search.moreLoaded = false;
      state.search.done = false;
    }
    runSearch();
  }, SEARCH_DEBOUNCE_MS);
}

export function clearSearch() {
  window.clearTimeout(state.search.timer);
  state.search.q = "";
  state.search.results = new Map();
  state.search.nextBefore = null;
  state.search.moreLoaded = false;
  state.search.done = false;
  showListNote("");
  renderConversations();
}

// The first page of matches, again (answers to an older query are dropped).
async function runSearch() {
  const q = state.search.q;
  if (!q || !state.token || !state.listSupported) return;
  const seq = ++state.search.seq;
  try {
    const answer = await api("GET", pagePath() + "/customers?limit=" + CUSTOMER_LIMIT + "&q=" + encodeURIComponent(q));
    if (seq !== state.search.seq || q !== state.search.q) return;
    const results = new Map();
    for (const customer of answer.customers || []) results.set(customer.psid, customer);
    // Pages loaded with "More conversations" stay until the query changes.
    if (state.search.moreLoaded) {
      for (const [psid, customer] of state.search.results) if (!results.has(psid)) results.set(psid, customer);
    } else {
      state.search.nextBefore = answer.next_before ?? null;
    }
    state.search.results = results;
    state.search.done = true;
  } catch (error) {
    if (seq !== state.search.seq) return;
    if (error.status !== 401 && error.code !== "network") showListNote("Could not search: " + error.message);
  }
  renderConversations();
}

async function loadMoreResults() {
  const q = state.search.q;
  if (state.search.nextBefore === null) return;
  try {
    const answer = await api(
      "GET",
      pagePath() + "/customers?limit=" + CUSTOMER_LIMIT + "&q=" + encodeURIComponent(q) +
        "&before=" + encodeURIComponent(state.search.nextBefore)
    );
    if (q !== state.search.q) return;
    for (const customer of answer.customers || []) state.search.results.set(customer.psid, customer);
    state.search.nextBefore = answer.next_before ?? null;
    state.search.moreLoaded = true;
  } catch (error) {
    if (error.status !== 401) showListNote("Could not load more results: " + error.message);
  }
  renderConversations();
}

/** The customers the search shows, in list order (Enter in the search box opens a single match). */
export function searchMatches() {
  return state.search.q && state.search.done ? sortedCustomers() : [];
}
