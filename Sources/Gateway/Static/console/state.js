// What the console holds while it runs, shared by its modules: one plain object (the modules
// change it and re-render; there is no framework to notify), and the page's fixed elements.

import { $ } from "./dom.js";

/** sessionStorage keys: gone when the tab closes, never in localStorage. */
export const STORAGE = { token: "herald.console.token", page: "herald.console.page", psid: "herald.console.psid" };

export const state = {
  token: null,
  page: null,
  signedIn: false, // the workspace is open (a 401 from then on signs out)
  me: null, // GET /v1/me: {"type": "supporter", "id", "name"} or {"type": "api"}; null if unknown
  customers: new Map(), // psid -> customer resource
  markingSeen: new Set(), // psids whose mark_seen is on its way
  lastTypingAt: 0, // when typing_on was last sent for the open conversation (ms)
  listSupported: true, // false when the server has no GET /v1/pages/{page}/customers
  listNextBefore: null, // cursor for less recently active customers (null: none)
  listMoreLoaded: false, // the supporter loaded customers beyond the first page
  // The search box's query and its matches (the list shows them instead of `customers`).
  search: { q: "", results: new Map(), nextBefore: null, moreLoaded: false, done: false, seq: 0, timer: null },
  openPsid: null,
  openCustomer: null, // the open conversation's customer resource (may be outside the list)
  messages: new Map(), // id -> message resource of the open conversation
  nextBefore: null, // older messages exist before this id (null: none)
  olderLoaded: false, // the supporter loaded pages before the newest one
  followBottom: true, // the message list is scrolled to its end and should stay there
  conversationSeq: 0, // guards against out-of-order answers when switching conversations
  listTimer: null,
  conversationTimer: null,
  pendingIdempotencyKey: null,
};

/** The page's fixed elements by role, filled once by bindElements() when the document is ready. */
export const els = {};

const IDS = {
  login: "login",
  loginForm: "login-form",
  loginError: "login-error",
  tokenInput: "token-input",
  pageInput: "page-input",
  workspace: "workspace",
  pageLabel: "page-label",
  connection: "connection",
  signOut: "sign-out",
  refresh: "refresh",
  signedInAs: "signed-in-as",
  searchForm: "search-form",
  searchInput: "search-input",
  listNote: "list-note",
  conversations: "conversations",
  moreConversations: "more-conversations",
  emptyState: "empty-state",
  conversationBody: "conversation-body",
  conversationTitle: "conversation-title",
  customerAvatar: "customer-avatar",
  customerPsid: "customer-psid",
  back: "back",
  infoFirst: "info-first",
  infoLast: "info-last",
  infoTotal: "info-total",
  infoWindow: "info-window",
  loadOlder: "load-older",
  messages: "messages",
  composer: "composer",
  composerText: "composer-text",
  composerUrl: "composer-url",
  composerSend: "composer-send",
  composerError: "composer-error",
};

export function bindElements() {
  for (const [name, id] of Object.entries(IDS)) els[name] = $(id);
}
