// principal.js — "who did it": a user shown by email (looked up when the
// caller may read users), an admin token by its kind and id.

import { api, seg } from './api.js';
import { h, principalText } from './ui.js';
import { href } from './router.js';

const cache = new Map(); // user id → Promise<user|null>

export function principalLink(p, session, none = '—') {
  if (!p) return document.createTextNode(none);
  const out = h('span', {}, principalText(p));
  if (p.type === 'user' && session.can('users:read')) {
    if (!cache.has(p.id)) cache.set(p.id, api.get(`/v1/users/${seg(p.id)}`).then((r) => r.data).catch(() => null));
    cache.get(p.id).then((u) => {
      if (u) out.replaceChildren(h('a', { href: href(`/users/${encodeURIComponent(u.id)}`) }, u.email));
    });
  }
  return out;
}
