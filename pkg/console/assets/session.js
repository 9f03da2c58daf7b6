// session.js — who is signed in and what they may do (mirrors API.md §3;
// the API enforces it, the console only hides what would be refused).

import { api, getToken, setToken, tokenKind, ApiError } from './api.js';

const PERMS = {
  super_admin: ['users:read', 'users:write', 'workspaces:read', 'workspaces:write', 'instance:manage', 'invite', 'self'],
  admin: ['users:read', 'users:write', 'workspaces:read', 'workspaces:write', 'instance:manage', 'invite', 'self'],
  editor: ['users:read', 'workspaces:read', 'workspaces:write', 'invite', 'self'],
  operator: ['users:read', 'workspaces:read', 'invite', 'self'],
  viewer: ['users:read', 'workspaces:read', 'invite', 'self'],
  api_user: ['self'],
};

export const session = {
  token: null,
  kind: null, // admin_token | api_key | session
  me: null, // GET /v1/me (null for an admin token)
  role: null,
  get signedIn() { return !!this.token && !!this.role; },
  can(perm) {
    const list = PERMS[this.role] || [];
    if (perm === 'self') return this.kind !== 'admin_token' && list.includes('self');
    return list.includes(perm);
  },
  get label() {
    if (this.me) return this.me.name || this.me.email;
    if (this.kind === 'admin_token') return 'Admin token';
    return 'Signed in';
  },
};

/**
 * Loads who the token belongs to. An admin token has no user: it acts as
 * `admin` and has no profile. Throws ApiError when the token is refused.
 */
export async function loadPrincipal(token = getToken()) {
  session.token = token;
  session.kind = tokenKind(token);
  session.me = null;
  session.role = null;
  if (!token) return session;
  if (session.kind === 'admin_token') {
    // Check the token with a call an admin token may make.
    await api.get('/v1/insights');
    session.role = 'admin';
    return session;
  }
  const { data } = await api.get('/v1/me');
  session.me = data;
  session.role = data.role;
  return session;
}

/** Uses a token (a pasted one or a fresh session) and loads its principal. */
export async function signInWithToken(token) {
  const t = String(token || '').trim();
  if (!/^ush[aks]_[0-9A-Za-z]{38}$/.test(t)) {
    throw new ApiError(400, {
      code: 'invalid_request',
      detail: 'That does not look like an Usher token: an admin token (usha_…), API key (ushk_…) or session (ushs_…) of 43 characters.',
      errors: [{ field: 'token', message: 'must be an admin token, API key or session token' }],
    });
  }
  setToken(t);
  try {
    await loadPrincipal(t);
  } catch (err) {
    setToken(null);
    session.token = null;
    session.role = null;
    throw err;
  }
  return session;
}

export async function signOut() {
  const token = getToken();
  if (token && tokenKind(token) === 'session') {
    try {
      await api.post('/v1/auth/logout');
    } catch {
      /* the session may be gone already; forget it either way */
    }
  }
  forget();
}

export function forget() {
  setToken(null);
  session.token = null;
  session.kind = null;
  session.me = null;
  session.role = null;
}
