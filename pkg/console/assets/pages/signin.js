// Sign in: email + password (a session), or a pasted admin token / API key.

import { api, setToken } from '../api.js';
import { signInWithToken } from '../session.js';
import { h, field, alertRegion, showFormError, clearFormErrors, busy, nextId } from '../ui.js';

export const title = 'Sign in';

export function render(main, ctx) {
  const alert = alertRegion();
  if (ctx.message) alert.show(ctx.message, 'warn');

  // --- email + password
  const email = field({ label: 'Email', name: 'email', type: 'email', required: true, attrs: { autocomplete: 'username', autofocus: true } });
  const password = field({ label: 'Password', name: 'password', type: 'password', required: true, attrs: { autocomplete: 'current-password' } });
  const submit1 = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, 'Sign in');
  const formAlert1 = alertRegion();
  const loginForm = h('form', { class: 'form', novalidate: true }, formAlert1.el, email, password, submit1);
  loginForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(loginForm);
    formAlert1.clear();
    alert.clear();
    await busy(submit1, async () => {
      try {
        const { data } = await api.post('/v1/auth/login', { email: email.control.value.trim(), password: password.control.value }, { auth: false });
        setToken(data.token);
        await signInWithToken(data.token);
        ctx.onSignedIn();
      } catch (err) {
        if (err.code === 'invalid_credentials') {
          formAlert1.show('The email or password is not right, or the account is deactivated.');
          password.control.value = '';
          password.control.focus();
        } else if (err.code === 'too_many_attempts') {
          const after = err.problem && err.problem.detail;
          formAlert1.show(after || 'Too many failed attempts: this address is locked for a while. Try again later.');
        } else {
          showFormError(loginForm, formAlert1, err);
        }
      }
    });
  });

  // --- token
  const token = field({
    label: 'Admin token or API key', name: 'token', type: 'password', required: true,
    hint: 'Paste an admin token (usha_…) or an API key (ushk_…). It is kept in this browser tab only.',
    attrs: { autocomplete: 'off', spellcheck: 'false' },
  });
  const submit2 = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, 'Use this token');
  const formAlert2 = alertRegion();
  const tokenForm = h('form', { class: 'form', novalidate: true }, formAlert2.el, token, submit2);
  tokenForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(tokenForm);
    formAlert2.clear();
    alert.clear();
    await busy(submit2, async () => {
      try {
        await signInWithToken(token.control.value);
        token.control.value = '';
        ctx.onSignedIn();
      } catch (err) {
        if (err.status === 403 && !err.problem.code) {
          formAlert2.show('This token was not accepted: it is unknown, expired or revoked, or its user is deactivated.');
          token.control.focus();
        } else {
          showFormError(tokenForm, formAlert2, err);
        }
      }
    });
  });

  // --- tabs
  const tabs = [
    { id: nextId('tab'), label: 'Email and password', panel: loginForm },
    { id: nextId('tab'), label: 'Token', panel: tokenForm },
  ];
  const tablist = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'How to sign in' });
  const panels = [];
  tabs.forEach((t, i) => {
    const panelId = `${t.id}-panel`;
    const tab = h('button', {
      type: 'button', role: 'tab', id: t.id, class: 'tab', 'aria-controls': panelId,
      'aria-selected': i === 0 ? 'true' : 'false', tabindex: i === 0 ? '0' : '-1',
    }, t.label);
    tablist.append(tab);
    panels.push(h('div', { role: 'tabpanel', id: panelId, 'aria-labelledby': t.id, hidden: i !== 0, class: 'tabpanel' }, t.panel));
  });
  const select = (i, focus = true) => {
    [...tablist.children].forEach((tab, j) => {
      tab.setAttribute('aria-selected', String(i === j));
      tab.tabIndex = i === j ? 0 : -1;
      panels[j].hidden = i !== j;
    });
    if (focus) tablist.children[i].focus();
    const first = panels[i].querySelector('input');
    if (first && !focus) first.focus();
  };
  tablist.addEventListener('click', (e) => {
    const tab = e.target.closest('[role=tab]');
    if (tab) select([...tablist.children].indexOf(tab), false);
  });
  tablist.addEventListener('keydown', (e) => {
    const i = [...tablist.children].indexOf(document.activeElement);
    if (i < 0) return;
    const n = tablist.children.length;
    let j = null;
    if (e.key === 'ArrowRight') j = (i + 1) % n;
    else if (e.key === 'ArrowLeft') j = (i - 1 + n) % n;
    else if (e.key === 'Home') j = 0;
    else if (e.key === 'End') j = n - 1;
    if (j !== null) { e.preventDefault(); select(j); }
  });

  main.append(h('div', { class: 'auth-card' },
    h('h1', { tabindex: '-1' }, 'Sign in to Usher'),
    h('p', { class: 'page-sub' }, 'Administer the users, workspaces and invitations of this instance.'),
    alert.el, tablist, panels));
}
