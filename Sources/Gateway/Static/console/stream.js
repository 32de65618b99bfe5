// Live updates: GET /v1/stream (Server-Sent Events) read with fetch(), because EventSource cannot
// send an Authorization header. Reconnects with Last-Event-ID so the server replays what was
// missed, backs off with jitter, and polls (through the reload handler) while it is down. It owns
// the connection indicator in the top bar.
//
// One stream object per connection attempt: { controller, watchdog, why, ended }. `why` is set by
// whoever aborts it, so its end can be told apart: "stopped" (sign-out, page change: stay
// quiet), "stalled" or "offline" (reconnect).

import { els, state } from "./state.js";

const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 15000;
// Three missed heartbeats (the server sends one every 15 s).
const STALL_MS = 45000;
// While the stream is down (or missing on an older server), poll so the page never goes stale.
const POLL_WHILE_OFFLINE_MS = 10000;

let handlers = { onEvent: () => {}, onReload: () => {}, onUnauthorized: () => {} };
let current = null; // the current connection
let reconnectTimer = null;
let pollTimer = null;
let lastEventId = null;
let retryMs = BACKOFF_MIN_MS; // reconnection delay the server asked for (SSE "retry:")
let backoffMs = BACKOFF_MIN_MS;

/**
 * What the stream calls: onEvent(type, payload) for each event of the signed-in page,
 * onReload() when everything must be loaded again (connected without a resume point, polling,
 * a reset), onUnauthorized() when the token is refused.
 */
export function configureStream(given) {
  handlers = Object.assign({}, handlers, given);
}

export function setConnection(stateName, text) {
  els.connection.dataset.state = stateName;
  els.connection.textContent = text;
}

export function stopStream() {
  if (current) abortStream(current, "stopped");
  current = null;
  window.clearTimeout(reconnectTimer);
  stopPolling();
}

/** A fresh subscription for the signed-in page (no resume point: the first connect loads everything). */
export function startStream() {
  stopStream();
  lastEventId = null;
  connectStream();
}

// A new connection; a reconnect keeps lastEventId so the server can replay what was missed.
function connectStream() {
  window.clearTimeout(reconnectTimer);
  const stream = { controller: new AbortController(), watchdog: null, why: null };
  current = stream;
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
  const resuming = lastEventId !== null;
  if (resuming) headers["Last-Event-ID"] = lastEventId;
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
    handlers.onUnauthorized();
    return;
  }
  if (response.status === 400 && resuming) {
    // The server does not know our Last-Event-ID (another deployment, a restored database):
    // start over without it, which reloads everything once connected.
    lastEventId = null;
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
  if (!resuming) handlers.onReload();

  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let event = { type: "", data: [], id: null };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      armWatchdog(stream);
      backoffMs = retryMs; // data flows: the next failure starts a fresh backoff
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
    if (event.id !== null) lastEventId = event.id;
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
    retryMs = Math.min(BACKOFF_MAX_MS, Math.max(BACKOFF_MIN_MS, Number(value)));
    backoffMs = retryMs;
  }
  return event;
}

// Only events of the signed-in page reach the handler, as parsed objects.
function dispatch(type, data) {
  let payload;
  try {
    payload = JSON.parse(data);
  } catch (error) {
    return;
  }
  if (!payload || typeof payload !== "object") return;
  if (payload.page_id !== undefined && payload.page_id !== state.page) return;
  handlers.onEvent(type, payload);
}

function streamEnded(stream, why) {
  if (current !== stream || stream.why === "stopped" || stream.ended) return;
  stream.ended = true;
  if (why === "unsupported") {
    setConnection("offline", "Live updates unavailable (refreshing every " + POLL_WHILE_OFFLINE_MS / 1000 + " s)");
  } else if (why === "offline" || !navigator.onLine) {
    setConnection("offline", "Offline: waiting for the network");
  } else {
    setConnection("reconnecting", "Reconnecting…");
  }
  startPolling();
  const delay = why === "unsupported" ? BACKOFF_MAX_MS * 4 : backoffMs;
  backoffMs = Math.min(BACKOFF_MAX_MS, backoffMs * 2);
  // Jitter spreads many consoles reconnecting to a restarted server.
  window.clearTimeout(reconnectTimer);
  reconnectTimer = window.setTimeout(() => {
    if (current === stream) connectStream();
  }, delay * (0.8 + Math.random() * 0.4));
}

// The browser knows before we do: going offline kills the connection (it would otherwise
// hang until the watchdog fires), coming back reconnects at once instead of after the backoff.
function onOffline() {
  if (current && !current.ended) abortStream(current, "offline");
}

function onOnline() {
  if (!state.token || !current || !current.ended) return;
  backoffMs = retryMs;
  connectStream();
}

window.addEventListener("offline", onOffline);
window.addEventListener("online", onOnline);

function startPolling() {
  if (pollTimer) return;
  handlers.onReload();
  pollTimer = window.setInterval(() => handlers.onReload(), POLL_WHILE_OFFLINE_MS);
}

function stopPolling() {
  window.clearInterval(pollTimer);
  pollTimer = null;
}
