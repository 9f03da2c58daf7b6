// api.js — the one place that talks to the Usher API: the bearer token,
// JSON in and out, problem documents turned into ApiError.

const TOKEN_KEY = 'usher.console.token';

let memoryToken = null;
const unauthorizedHandlers = new Set();

/** The bearer token of this tab (sessionStorage, falling back to memory). */
export function getToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) || memoryToken;
  } catch {
    return memoryToken;
  }
}

export function setToken(token) {
  memoryToken = token || null;
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    /* storage disabled: memory only */
  }
}

/** The kind of a token, from its prefix. */
export function tokenKind(token) {
  if (!token) return null;
  if (token.startsWith('usha_')) return 'admin_token';
  if (token.startsWith('ushk_')) return 'api_key';
  if (token.startsWith('ushs_')) return 'session';
  return 'unknown';
}

/** Called with a message when the API refuses the token (401, or the gateway's 403). */
export function onUnauthorized(fn) {
  unauthorizedHandlers.add(fn);
  return () => unauthorizedHandlers.delete(fn);
}

/** An API failure, carrying the problem document (RFC 9457) when there is one. */
export class ApiError extends Error {
  constructor(status, problem, requestId) {
    const p = problem || {};
    super(p.detail || p.title || p.message || (status ? `Request failed (${status})` : 'Network error'));
    this.name = 'ApiError';
    this.status = status;
    this.problem = p;
    this.code = p.code || (status === 0 ? 'network' : `http_${status}`);
    this.requestId = requestId || null;
  }

  /** Field errors `[{field, message}]` of a validation problem. */
  get fieldErrors() {
    return Array.isArray(this.problem.errors) ? this.problem.errors : [];
  }

  /** A sentence for an alert region. */
  get summary() {
    const p = this.problem;
    if (this.status === 0) return 'Could not reach the Usher API. Check your connection and try again.';
    if (this.status === 503) return p.detail || 'The service is unavailable right now; nothing was changed. Try again shortly.';
    if (p.detail) return p.detail;
    if (p.title) return p.title;
    if (p.message) return p.message;
    return `The request failed (HTTP ${this.status}).`;
  }
}

function buildUrl(path, query) {
  const url = new URL(path, window.location.origin);
  if (query) {
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined || v === null || v === '') continue;
      url.searchParams.set(k, String(v));
    }
  }
  return url.pathname + url.search;
}

/**
 * Calls the API. Resolves to {status, data, etag, headers}; rejects with ApiError.
 * options: {body, query, ifMatch, headers, auth (default true), signal}
 */
export async function request(method, path, options = {}) {
  const { body, query, ifMatch, auth = true, signal } = options;
  const headers = { Accept: 'application/json, application/problem+json', ...(options.headers || {}) };
  const token = auth ? getToken() : null;
  if (token) headers.Authorization = `Bearer ${token}`;
  if (ifMatch) headers['If-Match'] = ifMatch;
  const init = { method, headers, credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer', signal };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }

  let res;
  try {
    res = await fetch(buildUrl(path, query), init);
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    throw new ApiError(0, null);
  }

  const requestId = res.headers.get('X-Request-Id');
  let data = null;
  const text = res.status === 204 ? '' : await res.text();
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { detail: text.slice(0, 300) };
    }
  }

  if (res.ok) {
    return { status: res.status, data, etag: res.headers.get('ETag'), headers: res.headers };
  }

  const isProblem = (res.headers.get('Content-Type') || '').includes('problem+json');
  const err = new ApiError(res.status, data, requestId);
  // No token, or the gateway refused it (plain JSON, not a problem): the
  // token is of no use any more. A 403 problem is a missing permission.
  if (auth && token && (res.status === 401 || (res.status === 403 && !isProblem))) {
    const message = res.status === 401
      ? 'You are not signed in. Sign in to continue.'
      : 'Your session has ended or the token is no longer valid. Sign in again.';
    for (const fn of unauthorizedHandlers) fn(message);
    err.unauthorized = true;
  }
  throw err;
}

export const api = {
  get: (path, query, opts = {}) => request('GET', path, { ...opts, query }),
  post: (path, body, opts = {}) => request('POST', path, { ...opts, body }),
  put: (path, body, opts = {}) => request('PUT', path, { ...opts, body }),
  patch: (path, body, opts = {}) => request('PATCH', path, { ...opts, body }),
  del: (path, opts = {}) => request('DELETE', path, opts),
};

/** Path segment escaping for ids in URLs. */
export const seg = (s) => encodeURIComponent(String(s));
