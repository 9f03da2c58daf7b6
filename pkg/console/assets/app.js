// app.js — boots the console: the shell (navigation, user box), the routes
// and the sign-in guard.

import { getToken, onUnauthorized } from './api.js';
import { route, startRouter, match, navigate, href, appPath } from './router.js';
import { session, loadPrincipal, signOut, forget } from './session.js';
import { h, clear, announce, alertRegion, describeError, button, roleLabel } from './ui.js';

// path, page module, the permission it needs (the API enforces it; the
// console only avoids showing a page that could not work)
route('/', () => import('./pages/dashboard.js'), 'users:read');
route('/signin', () => import('./pages/signin.js'));
route('/users', () => import('./pages/users.js'), 'users:read');
route('/users/:id', () => import('./pages/user.js'), 'users:read');
route('/invitations', () => import('./pages/invitations.js'), 'users:read');
route('/workspaces', () => import('./pages/workspaces.js'), 'workspaces:read');
route('/workspaces/:id', () => import('./pages/workspace.js'), 'workspaces:read');
route('/tokens', () => import('./pages/tokens.js'), 'instance:manage');
route('/audit', () => import('./pages/audit.js'), 'instance:manage');
route('/settings', () => import('./pages/settings.js'), 'instance:manage');
route('/account', () => import('./pages/account.js'));
route('/accept', () => import('./pages/accept.js'));
route('/reset', () => import('./pages/reset.js'));

const NAV = [
  { path: '/', label: 'Dashboard', perm: 'users:read', icon: 'M3 13h8V3H3zm0 8h8v-6H3zm10 0h8V11h-8zm0-18v6h8V3z' },
  { path: '/users', label: 'Users', perm: 'users:read', icon: 'M16 11a4 4 0 1 0-4-4 4 4 0 0 0 4 4zm-8 0a3 3 0 1 0-3-3 3 3 0 0 0 3 3zm0 2c-2.3 0-7 1.2-7 3.5V19h7v-2.5c0-.9.4-2.1 1.9-3.2A10 10 0 0 0 8 13zm8 0c-2.7 0-8 1.3-8 4v2h16v-2c0-2.7-5.3-4-8-4z' },
  { path: '/invitations', label: 'Invitations', perm: 'users:read', icon: 'M20 4H4a2 2 0 0 0-2 2v12a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V6a2 2 0 0 0-2-2zm0 4-8 5-8-5V6l8 5 8-5z' },
  { path: '/workspaces', label: 'Workspaces', perm: 'workspaces:read', icon: 'M10 4H4a2 2 0 0 0-2 2v12a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V8a2 2 0 0 0-2-2h-8z' },
  { path: '/tokens', label: 'Admin tokens', perm: 'instance:manage', icon: 'M12.6 10A6 6 0 1 0 7 18a6 6 0 0 0 5.6-4H17v4h4v-4h2v-4zM7 14a2 2 0 1 1 2-2 2 2 0 0 1-2 2z' },
  { path: '/audit', label: 'Audit log', perm: 'instance:manage', icon: 'M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8zm2 16H8v-2h8zm0-4H8v-2h8zm-3-5V3.5L18.5 9z' },
  { path: '/settings', label: 'Settings', perm: 'instance:manage', icon: 'M19.4 13a7.6 7.6 0 0 0 0-2l2.1-1.6-2-3.5-2.5 1a7.3 7.3 0 0 0-1.7-1L15 3h-4l-.4 2.7a7.3 7.3 0 0 0-1.7 1l-2.5-1-2 3.5L6.6 11a7.6 7.6 0 0 0 0 2l-2.1 1.6 2 3.5 2.5-1a7.3 7.3 0 0 0 1.7 1L11 21h4l.4-2.7a7.3 7.3 0 0 0 1.7-1l2.5 1 2-3.5zM13 15.5a3.5 3.5 0 1 1 3.5-3.5 3.5 3.5 0 0 1-3.5 3.5z' },
  { path: '/account', label: 'My account', perm: 'self', icon: 'M12 12a5 5 0 1 0-5-5 5 5 0 0 0 5 5zm0 2c-3.3 0-10 1.7-10 5v3h20v-3c0-3.3-6.7-5-10-5z' },
];

const PUBLIC = new Set(['/accept', '/reset', '/signin']);

const root = document.getElementById('app');
let cleanup = null;
let pendingMessage = null;
let renderSeq = 0;

function icon(d) {
  const s = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  s.setAttribute('viewBox', '0 0 24 24');
  s.setAttribute('aria-hidden', 'true');
  s.setAttribute('class', 'nav-icon');
  const p = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  p.setAttribute('d', d);
  s.append(p);
  return s;
}

function brand() {
  const img = h('img', { src: '/console/favicon.svg', alt: '', width: '28', height: '28' });
  return h('a', { class: 'brand', href: href('/') }, img, h('span', {}, 'Usher'), h('span', { class: 'brand-sub' }, 'console'));
}

/** The signed-in layout: sidebar + main. Returns the main element. */
function shell(currentPath) {
  clear(root);
  const navId = 'primary-nav';
  const toggle = h('button', {
    type: 'button', class: 'nav-toggle', 'aria-expanded': 'false', 'aria-controls': navId,
  }, h('span', { class: 'burger', 'aria-hidden': 'true' }), h('span', {}, 'Menu'));
  const items = NAV.filter((n) => session.can(n.perm));
  const active = (p) => (p === '/' ? currentPath === '/' : currentPath === p || currentPath.startsWith(`${p}/`));
  const nav = h('nav', { id: navId, class: 'nav', 'aria-label': 'Main' },
    h('ul', {}, items.map((n) => h('li', {},
      h('a', { href: href(n.path), class: 'nav-link', 'aria-current': active(n.path) ? 'page' : null }, icon(n.icon), h('span', {}, n.label))))),
    h('div', { class: 'userbox' },
      h('p', { class: 'userbox-name' }, session.label),
      h('p', { class: 'userbox-meta' }, session.me ? session.me.email : 'Acts as admin'),
      h('p', { class: 'userbox-meta' }, session.kind === 'session' ? roleLabel(session.role) : `${roleLabel(session.role)} · via ${session.kind === 'api_key' ? 'API key' : 'admin token'}`),
      button('Sign out', async () => {
        await signOut();
        announce('You are signed out.');
        navigate('/signin');
      }, 'btn btn-ghost btn-block signout')));
  toggle.addEventListener('click', () => {
    const open = toggle.getAttribute('aria-expanded') !== 'true';
    toggle.setAttribute('aria-expanded', String(open));
    nav.classList.toggle('open', open);
  });
  nav.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && nav.classList.contains('open')) {
      toggle.setAttribute('aria-expanded', 'false');
      nav.classList.remove('open');
      toggle.focus();
    }
  });
  nav.addEventListener('click', (e) => {
    if (e.target.closest('a')) {
      toggle.setAttribute('aria-expanded', 'false');
      nav.classList.remove('open');
    }
  });
  const main = h('main', { id: 'main', class: 'main', tabindex: '-1' });
  root.append(h('aside', { class: 'sidebar' }, h('div', { class: 'sidebar-inner' }, h('div', { class: 'sidebar-top' }, brand(), toggle), nav)), main);
  return main;
}

/** The layout of public pages (sign-in, accept, reset). */
function bare() {
  clear(root);
  const main = h('main', { id: 'main', class: 'main-bare', tabindex: '-1' });
  root.append(h('div', { class: 'bare' }, h('div', { class: 'bare-brand' }, brand()), main));
  return main;
}

function focusHeading(main) {
  const h1 = main.querySelector('h1');
  (h1 || main).focus({ preventScroll: false });
}

async function render({ focus }) {
  const seq = ++renderSeq;
  if (cleanup) { try { cleanup(); } catch { /* ignore */ } cleanup = null; }
  const m = match(window.location.pathname);
  const isPublic = PUBLIC.has(m.path);

  if ((!isPublic || m.path === '/signin') && !session.signedIn && getToken()) {
    try {
      await loadPrincipal();
    } catch (err) {
      if (seq !== renderSeq) return;
      if (err.unauthorized || err.status === 401 || err.status === 403) {
        forget();
        pendingMessage = 'Your session has ended or the token is no longer valid. Sign in again.';
      } else {
        const main = bare();
        const a = alertRegion();
        a.show(err);
        main.append(h('h1', { tabindex: '-1' }, 'Cannot reach Usher'), a.el, button('Try again', () => render({ focus: true }), 'btn btn-primary'));
        return;
      }
    }
  }
  if (seq !== renderSeq) return;

  let mod;
  let main;
  const ctx = {
    params: m.params,
    query: new URLSearchParams(window.location.search),
    path: m.path,
    session,
    navigate,
    message: null,
  };

  if (!m.route) {
    main = session.signedIn ? shell(m.path) : bare();
    main.append(h('h1', { tabindex: '-1' }, 'Page not found'),
      h('p', {}, 'There is no console page at this address. '), h('p', {}, h('a', { href: href('/') }, 'Go to the console home')));
    if (focus) focusHeading(main);
    return;
  }

  const wantsSignIn = m.path === '/signin' || (!isPublic && !session.signedIn);
  try {
    mod = await (wantsSignIn ? import('./pages/signin.js') : m.route.loader());
  } catch (err) {
    main = bare();
    main.append(h('h1', { tabindex: '-1' }, 'The console failed to load'), h('p', {}, describeError(err)));
    return;
  }
  if (seq !== renderSeq) return;

  if (wantsSignIn) {
    if (m.path === '/signin' && session.signedIn) {
      navigate('/', { replace: true });
      return;
    }
    main = bare();
    ctx.message = pendingMessage;
    pendingMessage = null;
    ctx.onSignedIn = () => {
      announce(`Signed in as ${session.label}.`);
      if (m.path === '/signin') navigate(homePath(), { replace: true });
      else render({ focus: true });
    };
  } else if (isPublic) {
    main = bare();
  } else {
    // The dashboard is for those who may read users; others start at their account.
    if (m.path === '/' && !session.can('users:read')) {
      navigate(homePath(), { replace: true });
      return;
    }
    main = shell(m.path);
    if (m.route.perm && !session.can(m.route.perm)) {
      document.title = 'No access · Usher console';
      main.append(h('h1', { tabindex: '-1' }, 'No access'),
        h('p', {}, `Your role (${roleLabel(session.role)}) does not include this page.`),
        h('p', {}, h('a', { href: href(homePath()) }, 'Go to your start page')));
      if (focus) focusHeading(main);
      return;
    }
  }

  document.title = `${mod.title || 'Usher'} · Usher console`;
  try {
    const result = await mod.render(main, ctx);
    if (typeof result === 'function') cleanup = result;
  } catch (err) {
    const a = alertRegion();
    a.show(err);
    main.append(a.el);
  }
  if (focus && seq === renderSeq) focusHeading(main);
}

export function homePath() {
  if (session.can('users:read')) return '/';
  if (session.can('workspaces:read')) return '/workspaces';
  return '/account';
}

onUnauthorized((message) => {
  if (!session.signedIn) return; // the sign-in forms handle their own failures
  forget();
  pendingMessage = message;
  const p = appPath();
  if (!PUBLIC.has(p)) render({ focus: true });
  else navigate('/signin');
});

window.addEventListener('unhandledrejection', (e) => {
  // A failed call nobody awaited: say so instead of failing silently.
  if (e.reason && e.reason.name === 'ApiError') {
    e.preventDefault();
    if (!e.reason.unauthorized) announce(describeError(e.reason), 'danger');
  }
});

startRouter(render);
