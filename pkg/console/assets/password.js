// password.js — a new-password field that checks the instance's password
// policy as it is typed (debounced POST /v1/password/validate, public).

import { api } from './api.js';
import { h, field, debounce, nextId, clearFormErrors, showFormError } from './ui.js';

/**
 * Returns {el, input, confirm, check(), valid}: a password field, a live
 * list of unmet rules, and (optionally) a confirmation field.
 */
export function newPasswordField({ label = 'New password', name = 'password', confirm = true, autofocus = false } = {}) {
  const statusId = nextId('pw-status');
  const f = field({ label, name, type: 'password', required: true, attrs: { autocomplete: 'new-password', maxlength: '256', autofocus } });
  const input = f.control;
  input.setAttribute('aria-describedby', `${input.getAttribute('aria-describedby')} ${statusId}`);

  const status = h('div', { id: statusId, class: 'pw-status', 'aria-live': 'polite' });
  const rules = h('ul', { class: 'pw-rules' });
  const summary = h('p', { class: 'pw-summary' }, 'Type a password to check it against the password policy.');
  status.append(summary, rules);
  f.append(status);

  const show = h('input', { type: 'checkbox', id: nextId('pw-show'), class: 'pw-show-box' });
  const showLabel = h('label', { for: show.id, class: 'pw-show' }, show, ' Show password');
  f.append(showLabel);

  let confirmField = null;
  if (confirm) {
    confirmField = field({ label: 'Repeat the password', name: `${name}Confirm`, field: '__confirm', type: 'password', required: true, attrs: { autocomplete: 'new-password', maxlength: '256' } });
  }
  show.addEventListener('change', () => {
    input.type = show.checked ? 'text' : 'password';
    if (confirmField) confirmField.control.type = show.checked ? 'text' : 'password';
  });

  let seq = 0;
  const state = { valid: false, checked: '' };

  async function check() {
    const pw = input.value;
    const mySeq = ++seq;
    if (!pw) {
      rules.replaceChildren();
      summary.textContent = 'Type a password to check it against the password policy.';
      summary.className = 'pw-summary';
      state.valid = false;
      return false;
    }
    try {
      await api.post('/v1/password/validate', { password: pw }, { auth: false });
      if (mySeq !== seq) return state.valid;
      rules.replaceChildren();
      summary.textContent = 'This password meets the password policy.';
      summary.className = 'pw-summary pw-ok';
      state.valid = true;
    } catch (err) {
      if (mySeq !== seq) return state.valid;
      state.valid = false;
      if (err.code === 'weak_password') {
        summary.textContent = 'This password does not meet the policy yet:';
        summary.className = 'pw-summary pw-bad';
        rules.replaceChildren(...err.fieldErrors.map((e) => h('li', {}, `The password ${e.message}.`)));
      } else {
        summary.textContent = `The password could not be checked: ${err.summary}`;
        summary.className = 'pw-summary pw-bad';
        rules.replaceChildren();
      }
    }
    state.checked = pw;
    return state.valid;
  }
  const later = debounce(check, 300);
  input.addEventListener('input', later);

  const el = h('div', { class: 'pw-group' }, f, confirmField);
  return {
    el,
    input,
    confirmInput: confirmField ? confirmField.control : null,
    check,
    get valid() { return state.valid; },
    /** Returns an error message for the confirmation, or null. */
    mismatch() {
      return confirmField && confirmField.control.value !== input.value ? 'The two passwords are not the same.' : null;
    },
  };
}

/**
 * Wires the submit of a form that sets a password: clears the last errors,
 * refuses a confirmation that differs, then runs submit(). The one place for
 * the console's password forms (accept, reset, own account, a user's page).
 */
export function onPasswordSubmit(form, alert, pw, submit) {
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(form);
    alert.clear();
    const mismatch = pw.mismatch();
    if (mismatch) {
      showFormError(form, alert, { fieldErrors: [{ field: '__confirm', message: mismatch }] });
      return;
    }
    await submit();
  });
}
