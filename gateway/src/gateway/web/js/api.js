// The REST API and the signed-in session. The bearer token lives in this module only (memory):
// the long-lived credential is an HttpOnly cookie the page never reads.
const API = "/api/v1";
let session = null; // {userId, name, roles, token, expiresIn, fetchedAt}

export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `request failed (${status})`);
    this.status = status;
    this.code = error.code || "";
    this.details = error.details || {};
  }
}

function remember(body) {
  session = body ? { ...body, fetchedAt: Date.now() } : null;
  return session;
}

export async function loadSession() {
  const response = await fetch("/session", { credentials: "same-origin" });
  return remember(response.ok ? await response.json() : null);
}

export function currentUser() {
  return session;
}

export async function signIn(name, staff = false) {
  const response = await fetch("/session/dev-sign-in", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ name, staff }),
  });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, body);
  return remember(body);
}

export async function signOut() {
  await fetch("/session/sign-out", { method: "POST", credentials: "same-origin" });
  remember(null);
}

async function token() {
  if (session && Date.now() - session.fetchedAt > (session.expiresIn - 60) * 1000) {
    await loadSession();
  }
  return session && session.token;
}

export async function api(path, { method = "GET", body, idempotent = false } = {}) {
  const headers = { Accept: "application/json" };
  const bearer = await token();
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (idempotent) headers["Idempotency-Key"] = crypto.randomUUID();
  const response = await fetch(API + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// A server-sent event stream that needs the bearer token (EventSource cannot send one): read
// with fetch, calling onEvent(type, data) for each event; resolves when the server ends it.
export async function follow(path, onEvent, signal) {
  const headers = { Accept: "text/event-stream" };
  const bearer = await token();
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  const response = await fetch(API + path, { headers, signal });
  if (!response.ok || !response.body) {
    const text = await response.text().catch(() => "");
    throw new ApiError(response.status, text ? JSON.parse(text) : null);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let type = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) type = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      if (data.length) onEvent(type, JSON.parse(data.join("\n")));
    }
  }
}
