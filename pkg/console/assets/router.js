// router.js — path-based routing under /console with history.pushState.

export const BASE = '/console';

const routes = [];
let onChange = () => {};

/** Registers a route: pattern like '/users/:id'. */
export function route(pattern, loader, perm = null) {
  const keys = [];
  const re = new RegExp(`^${pattern.replace(/\/:([a-zA-Z]+)/g, (_, k) => { keys.push(k); return '/([^/]+)'; })}/?$`);
  routes.push({ pattern, re, keys, loader, perm });
}

/** The app path ('/users') of a location, without the /console prefix. */
export function appPath(pathname = window.location.pathname) {
  let p = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  if (!p.startsWith('/')) p = `/${p}`;
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

export function match(pathname) {
  const p = appPath(pathname);
  for (const r of routes) {
    const m = r.re.exec(p);
    if (m) {
      const params = {};
      r.keys.forEach((k, i) => { params[k] = decodeURIComponent(m[i + 1]); });
      return { route: r, params, path: p };
    }
  }
  return { route: null, params: {}, path: p };
}

/** '/users' → '/console/users' */
export const href = (p) => (p === '/' ? `${BASE}/` : `${BASE}${p}`);

export function navigate(p, { replace = false } = {}) {
  const url = p.startsWith(BASE) ? p : href(p);
  if (url === window.location.pathname + window.location.search && !replace) {
    onChange({ focus: true });
    return;
  }
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  onChange({ focus: true });
}

let rendered = '';
const here = () => window.location.pathname + window.location.search;

export function startRouter(handler) {
  onChange = (opts) => { rendered = here(); return handler(opts); };
  // A fragment change (#main) fires popstate too: only a new path re-renders.
  window.addEventListener('popstate', () => { if (here() !== rendered) onChange({ focus: true }); });
  // Same-origin links into the console navigate without a reload.
  document.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const skip = e.target.closest('a.skip-link');
    if (skip) {
      // Move focus without touching the URL.
      const target = document.getElementById('main');
      if (target) { e.preventDefault(); target.focus(); target.scrollIntoView(); }
      return;
    }
    const a = e.target.closest('a[href]');
    if (!a || a.target || a.hasAttribute('download') || a.dataset.reload !== undefined) return;
    const url = new URL(a.href, window.location.href);
    if (url.origin !== window.location.origin || !(url.pathname === BASE || url.pathname.startsWith(`${BASE}/`))) return;
    if (url.hash && url.pathname === window.location.pathname) return; // in-page anchors (skip link)
    e.preventDefault();
    navigate(url.pathname + url.search);
  });
  onChange({ focus: false });
}
