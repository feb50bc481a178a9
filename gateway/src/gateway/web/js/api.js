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
