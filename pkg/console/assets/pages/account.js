// My account: own name, own password, own API keys (any signed-in user).

import { api } from '../api.js';
import { session } from '../session.js';
import {
  h, field, pageHeader, alertRegion, card, busy, showFormError, clearFormErrors, announce, roleLabel, badge, fmtDate,
} from '../ui.js';
import { href } from '../router.js';
import { newPasswordField, onPasswordSubmit } from '../password.js';
import { apiKeysSection } from '../apikeys.js';

export const title = 'My account';

export function render(main) {
  if (!session.me) {
    main.append(pageHeader('My account', 'You are signed in with an admin token.'),
      card('No personal account', h('p', {}, 'An admin token belongs to the instance, not to a user, so it has no profile, password or API keys. Sign in with your email and password to manage your own account.')));
    return;
  }
  const me = session.me;

  // --- profile
  const name = field({ label: 'Name', name: 'name', required: true, value: me.name, attrs: { maxlength: '100', autocomplete: 'name' } });
  const save = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save name');
  const profAlert = alertRegion();
  const profile = h('form', { class: 'form', novalidate: true, 'aria-label': 'Your name' }, profAlert.el, name, h('div', { class: 'actions' }, save));
  profile.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(profile);
    profAlert.clear();
    await busy(save, async () => {
      try {
        const { data } = await api.patch('/v1/me', { name: name.control.value.trim() });
        session.me = data;
        document.querySelector('.userbox-name').textContent = data.name;
        announce('Your name was saved.');
        profAlert.show('Your name was saved.', 'ok');
      } catch (err) { showFormError(profile, profAlert, err); }
    });
  });
  const info = h('dl', { class: 'meta' },
    h('dt', {}, 'Email'), h('dd', {}, me.email),
    h('dt', {}, 'Role'), h('dd', {}, badge(roleLabel(me.role), 'accent')),
    h('dt', {}, 'Member since'), h('dd', {}, fmtDate(me.createdAt)),
    h('dt', {}, 'Workspaces'), h('dd', {}, me.workspaces && me.workspaces.length
      ? h('ul', { class: 'plain-list' }, me.workspaces.map((m) => h('li', {},
        session.can('workspaces:read') ? h('a', { href: href(`/workspaces/${encodeURIComponent(m.workspace.id)}`) }, m.workspace.name) : m.workspace.name,
        ` (${roleLabel(m.role)})`)))
      : 'None'));

  // --- password
  const current = field({ label: 'Current password', name: 'currentPassword', type: 'password', required: true, attrs: { autocomplete: 'current-password' } });
  const pw = newPasswordField({ label: 'New password' });
  const change = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Change password');
  const pwAlert = alertRegion();
  const pwForm = h('form', { class: 'form', novalidate: true, 'aria-label': 'Change your password' }, pwAlert.el,
    h('input', { type: 'text', name: 'username', autocomplete: 'username', value: me.email, hidden: true, readonly: true }),
    current, pw.el, h('p', { class: 'hint' }, 'Your other sessions end; this one stays.'), h('div', { class: 'actions' }, change));
  onPasswordSubmit(pwForm, pwAlert, pw, async () => {
    await busy(change, async () => {
      try {
        await api.put('/v1/me/password', { currentPassword: current.control.value, password: pw.input.value });
        pwForm.reset();
        pw.check();
        pwAlert.show('Your password was changed. Your other sessions were ended.', 'ok');
        announce('Password changed.');
      } catch (err) { showFormError(pwForm, pwAlert, err); }
    });
  });

  main.append(
    pageHeader('My account', `Signed in as ${me.email}.`),
    h('div', { class: 'stack' },
      h('div', { class: 'grid-2' }, card('Profile', profile, info), card('Password', pwForm)),
      apiKeysSection('/v1/me/api-keys', { title: 'My API keys', who: 'you' })),
  );
}
