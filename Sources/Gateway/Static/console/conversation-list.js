// The conversation list: the page's customers, most recently active first (GET
// /v1/pages/{page}/customers, paged with "More conversations"), merged with what live events
// say, with unread counts (kept by the server) and inactivity badges.

import { api, pagePath } from "./api.js";
import { el, relative } from "./dom.js";
import { els, state } from "./state.js";
import { isInactive } from "./people.js";

const CUSTOMER_LIMIT = 50;
const LIST_DEBOUNCE_MS = 250;

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

export async function loadMoreCustomers() {
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
  renderConversations();
}

export function clearUnread(psid) {
  const customer = state.customers.get(psid);
  if (customer) upsertCustomer(Object.assign({}, customer, { unread: 0 }));
}

function sortedCustomers() {
  const time = (c) => (c.last_active_at ? new Date(c.last_active_at).getTime() : 0);
  return Array.from(state.customers.values()).sort((a, b) => time(b) - time(a) || (a.psid < b.psid ? -1 : 1));
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
