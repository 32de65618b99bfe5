// The /v1 API client (docs/api.md): JSON in and out, the bearer token on every call, errors as
// ApiError with the server's error code. A 401 anywhere means the token is no longer good: the
// handler set with onUnauthorized (the session) signs out.

import { state } from "./state.js";

export class ApiError extends Error {
  constructor(status, code, message, body) {
    super(message || code || "HTTP " + status);
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

let unauthorized = () => {};

/** Called with no arguments whenever the server answers 401 (the call still throws). */
export function onUnauthorized(handler) {
  unauthorized = handler;
}

export async function api(method, path, body, extraHeaders) {
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
    if (response.status === 401) unauthorized();
    throw new ApiError(response.status, err.code, err.message, json);
  }
  return json;
}

export function pagePath() {
  return "/v1/pages/" + encodeURIComponent(state.page);
}

export function customerPath(psid) {
  return pagePath() + "/customers/" + encodeURIComponent(psid);
}
