// Public: accept an invitation (/console/accept?token=ushi_…). Shows what
// the link offers, checks the password as it is typed, creates the account
// and signs the new user in.

import { api, setToken } from '../api.js';
import { loadPrincipal, session } from '../session.js';
import { h, field, alertRegion, showFormError, clearFormErrors, busy, fmtDate, roleLabel, loading, announce } from '../ui.js';
import { href } from '../router.js';
import { newPasswordField, onPasswordSubmit } from '../password.js';

export const title = 'Accept your invitation';

const GONE = {
  invitation_expired: 'This invitation has expired. Ask whoever invited you to send a new one.',
  invitation_used: 'This invitation was already accepted. Sign in with the email and password you chose.',
  invitation_revoked: 'This invitation was withdrawn. Ask whoever invited you if you still need access.',
  not_found: 'This invitation link is not valid: it may have been replaced by a newer one. Use the latest email you received.',
};

export async function render(main, ctx) {
  const token = ctx.query.get('token') || '';
  const wrap = h('div', { class: 'auth-card' });
  const alert = alertRegion();
  main.append(wrap);
  wrap.append(h('h1', { tabindex: '-1' }, 'Accept your invitation'), alert.el);

  if (!token) {
    alert.show('This link has no invitation token. Open the link from your invitation email again.', 'warn');
    return;
  }

  const slot = h('div', {}, loading('Checking your invitation…'));
  wrap.append(slot);
  let preview;
  try {
    ({ data: preview } = await api.post('/v1/invitations/preview', { token }, { auth: false }));
  } catch (err) {
    slot.replaceChildren();
    alert.show(GONE[err.code] || err, err.status === 410 ? 'warn' : 'danger');
    if (err.code === 'invitation_used') wrap.append(h('p', {}, h('a', { href: href('/signin'), class: 'btn btn-primary' }, 'Go to sign in')));
    return;
  }

  const inviter = preview.invitedBy && preview.invitedBy.type === 'admin_token' ? 'An administrator' : 'A member of this instance';
  const summary = h('section', { class: 'invite-summary', 'aria-label': 'Your invitation' },
    h('p', {}, `${inviter} invited `, h('strong', {}, preview.email), ' to join Usher as ', h('strong', {}, roleLabel(preview.role)), '.'),
    preview.workspaces && preview.workspaces.length
      ? h('div', {}, h('p', {}, 'You will also join these workspaces:'),
        h('ul', { class: 'plain-list' }, preview.workspaces.map((w) => h('li', {}, h('strong', {}, w.name), ' as ', roleLabel(w.role)))))
      : null,
    h('p', { class: 'hint' }, 'This invitation expires ', fmtDate(preview.expiresAt), '.'));

  const emailF = field({ label: 'Email', name: 'email', type: 'email', value: preview.email, attrs: { readonly: true, autocomplete: 'username' } });
  const name = field({ label: 'Your name', name: 'name', required: !preview.name, value: preview.name || '', attrs: { maxlength: '100', autocomplete: 'name' } });
  const pw = newPasswordField({ label: 'Choose a password' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, 'Accept and create my account');
  const formAlert = alertRegion();
  const form = h('form', { class: 'form', novalidate: true }, formAlert.el, emailF, name, pw.el, submit);
  onPasswordSubmit(form, formAlert, pw, async () => {
    const body = { token, password: pw.input.value };
    if (name.control.value.trim()) body.name = name.control.value.trim();
    await busy(submit, async () => {
      try {
        const { data } = await api.post('/v1/invitations/accept', body, { auth: false });
        setToken(data.session.token);
        await loadPrincipal(data.session.token);
        announce(`Welcome, ${data.user.name}! Your account is ready.`);
        if (session.can('users:read')) {
          ctx.navigate('/', { replace: true });
        } else {
          welcome(wrap, data.user);
        }
      } catch (err) {
        if (GONE[err.code]) { form.remove(); summary.remove(); alert.show(GONE[err.code], 'warn'); wrap.querySelector('h1').focus(); return; }
        showFormError(form, formAlert, err);
      }
    });
  });
  slot.replaceChildren(summary, form);
}

/** "You're in": for a role that has no console pages besides its account. */
function welcome(wrap, user) {
  wrap.replaceChildren(
    h('h1', { tabindex: '-1' }, "You're in"),
    h('p', {}, `Welcome, ${user.name}. Your account ${user.email} is active with the role ${roleLabel(user.role)}.`),
    h('p', {}, 'Your role does not include administering this instance; you can manage your own profile, password and API keys.'),
    h('p', { class: 'actions' }, h('a', { href: href('/account'), class: 'btn btn-primary' }, 'Go to my account')));
  wrap.querySelector('h1').focus();
}
