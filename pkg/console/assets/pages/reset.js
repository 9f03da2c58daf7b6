// Public: choose a new password with a reset link (/console/reset?token=ushr_…).

import { api } from '../api.js';
import { h, alertRegion, showFormError, clearFormErrors, busy } from '../ui.js';
import { href } from '../router.js';
import { newPasswordField, onPasswordSubmit } from '../password.js';

export const title = 'Choose a new password';

export function render(main, ctx) {
  const token = ctx.query.get('token') || '';
  const alert = alertRegion();
  const wrap = h('div', { class: 'auth-card' }, h('h1', { tabindex: '-1' }, 'Choose a new password'), alert.el);
  main.append(wrap);
  if (!token) {
    alert.show('This link has no reset token. Open the link from your password-reset email again.', 'warn');
    return;
  }

  const pw = newPasswordField({ label: 'New password', autofocus: true });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, 'Set my new password');
  const formAlert = alertRegion();
  const form = h('form', { class: 'form', novalidate: true }, formAlert.el,
    h('p', { class: 'page-sub' }, 'The link works once, for one hour. Setting a new password signs you out everywhere.'),
    pw.el, submit);
  onPasswordSubmit(form, formAlert, pw, async () => {
    await busy(submit, async () => {
      try {
        await api.post('/v1/password-reset/complete', { token, password: pw.input.value }, { auth: false });
        wrap.replaceChildren(
          h('h1', { tabindex: '-1' }, 'Password changed'),
          h('p', {}, 'Your new password is set and every earlier session was ended.'),
          h('p', { class: 'actions' }, h('a', { href: href('/signin'), class: 'btn btn-primary' }, 'Sign in')));
        wrap.querySelector('h1').focus();
      } catch (err) {
        if (err.code === 'reset_token_invalid' || err.status === 410) {
          form.remove();
          alert.show('This reset link is no longer valid: it expired, was already used, or a newer one was sent. Ask an administrator for a new link.', 'warn');
          wrap.querySelector('h1').focus();
          return;
        }
        showFormError(form, formAlert, err);
      }
    });
  });
  wrap.append(form);
}
