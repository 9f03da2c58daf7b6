// Settings: GET, PATCH (only what changed, with If-Match), reset to defaults.

import { api } from '../api.js';
import {
  h, field, pageHeader, alertRegion, card, busy, showFormError, clearFormErrors, confirmDialog, announce, loading,
  roleLabel, button,
} from '../ui.js';

export const title = 'Settings';

const ROLES = ['admin', 'editor', 'operator', 'viewer', 'api_user'];

export async function render(main) {
  const alert = alertRegion();
  const slot = h('div', {}, loading('Loading the settings…'));
  main.append(pageHeader('Settings', 'Instance-wide settings. Changes apply within a few seconds.'), alert.el, slot);

  let s;
  let etag;
  try {
    const r = await api.get('/v1/settings');
    s = r.data;
    etag = r.etag;
  } catch (err) {
    slot.replaceChildren();
    alert.show(err);
    return;
  }

  const f = {
    instanceName: field({ label: 'Instance name', name: 'instanceName', required: true, attrs: { maxlength: '100' } }),
    senderEmail: field({ label: 'Sender email', name: 'senderEmail', type: 'email', hint: 'The address invitation and reset emails come from. Empty: none configured.' }),
    inviteUrlBase: field({ label: 'Invitation link base', name: 'inviteUrlBase', type: 'url', class: 'span-all', hint: 'An http(s) URL; the link appends ?token=…' }),
    passwordResetUrlBase: field({ label: 'Password-reset link base', name: 'passwordResetUrlBase', type: 'url', class: 'span-all', hint: 'An http(s) URL; the link appends ?token=…' }),
    inviteExpiryDays: field({ label: 'Invitations expire after (days)', name: 'inviteExpiryDays', type: 'number', attrs: { min: '1', max: '30' } }),
    defaultInviteRole: field({ label: 'Default role of an invitation', name: 'defaultInviteRole', type: 'select', options: ROLES.map((r) => [r, roleLabel(r)]) }),
    allowedEmailDomains: field({ label: 'Allowed email domains', name: 'allowedEmailDomains', type: 'textarea', rows: 3, class: 'span-all', hint: 'One domain per line, e.g. example.com. Empty: any domain.' }),
    sessionTtlHours: field({ label: 'Session lifetime (hours)', name: 'sessionTtlHours', type: 'number', attrs: { min: '1', max: '720' } }),
    invitesPerHourPerActor: field({ label: 'Invitations per hour per sender', name: 'invitesPerHourPerActor', type: 'number', attrs: { min: '1', max: '10000' } }),
    'passwordPolicy.minLength': field({ label: 'Minimum length', name: 'passwordPolicy.minLength', type: 'number', attrs: { min: '8', max: '128' } }),
    'passwordPolicy.requireUppercase': field({ label: 'Require an uppercase letter', name: 'passwordPolicy.requireUppercase', type: 'checkbox' }),
    'passwordPolicy.requireLowercase': field({ label: 'Require a lowercase letter', name: 'passwordPolicy.requireLowercase', type: 'checkbox' }),
    'passwordPolicy.requireNumber': field({ label: 'Require a number', name: 'passwordPolicy.requireNumber', type: 'checkbox' }),
    'passwordPolicy.requireSymbol': field({ label: 'Require a symbol', name: 'passwordPolicy.requireSymbol', type: 'checkbox' }),
    'passwordPolicy.rejectCommon': field({ label: 'Reject common passwords', name: 'passwordPolicy.rejectCommon', type: 'checkbox' }),
    'loginLockout.maxAttempts': field({ label: 'Failed sign-ins before a lock', name: 'loginLockout.maxAttempts', type: 'number', attrs: { min: '1', max: '100' } }),
    'loginLockout.lockMinutes': field({ label: 'Lock duration (minutes)', name: 'loginLockout.lockMinutes', type: 'number', attrs: { min: '1', max: '1440' } }),
  };

  const get = (obj, path) => path.split('.').reduce((o, k) => (o == null ? o : o[k]), obj);
  function fill(settings) {
    for (const [key, wrap] of Object.entries(f)) {
      const c = wrap.control;
      const v = get(settings, key);
      if (c.type === 'checkbox') c.checked = !!v;
      else if (key === 'allowedEmailDomains') c.value = (v || []).join('\n');
      else c.value = v ?? '';
    }
  }
  /** The value a control holds, typed like the setting. */
  function read(key) {
    const c = f[key].control;
    if (c.type === 'checkbox') return c.checked;
    if (key === 'allowedEmailDomains') return c.value.split(/[\s,]+/).map((d) => d.trim()).filter(Boolean);
    if (c.type === 'number') return c.value === '' ? NaN : Number(c.value);
    return c.value.trim();
  }
  fill(s);

  const save = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save settings');
  const resetBtn = button('Reset to defaults', async () => {
    const ok = await confirmDialog({ title: 'Reset every setting?', message: 'Every override is dropped and each setting goes back to its deployment default.', confirmLabel: 'Reset to defaults' });
    if (!ok) return;
    formAlert.clear();
    await busy(resetBtn, async () => {
      try {
        const r = await api.post('/v1/settings/reset');
        s = r.data;
        const again = await api.get('/v1/settings');
        s = again.data;
        etag = again.etag;
        fill(s);
        clearFormErrors(form);
        formAlert.show('Every setting is back to its default.', 'ok');
        announce('Settings reset to defaults.');
      } catch (err) { formAlert.show(err); }
    });
  }, 'btn btn-danger-outline');

  const formAlert = alertRegion();
  const fs = (legend, ...children) => h('fieldset', { class: 'fieldset' }, h('legend', {}, legend), h('div', { class: 'form-grid' }, children));
  const form = h('form', { class: 'form', novalidate: true, 'aria-label': 'Instance settings' },
    formAlert.el,
    fs('Instance', f.instanceName, f.senderEmail),
    fs('Invitations', f.inviteUrlBase, f.inviteExpiryDays, f.defaultInviteRole, f.invitesPerHourPerActor, f.allowedEmailDomains),
    fs('Sessions and sign-in', f.passwordResetUrlBase, f.sessionTtlHours, f['loginLockout.maxAttempts'], f['loginLockout.lockMinutes']),
    fs('Password policy', f['passwordPolicy.minLength'], h('div', { class: 'checks' },
      f['passwordPolicy.rejectCommon'], f['passwordPolicy.requireUppercase'], f['passwordPolicy.requireLowercase'],
      f['passwordPolicy.requireNumber'], f['passwordPolicy.requireSymbol']),
    h('p', { class: 'hint span-all' }, 'NIST SP 800-63B advises length and a common-password check over composition rules.')),
    h('div', { class: 'actions actions-split' }, resetBtn, save));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(form);
    formAlert.clear();
    // Only what changed, nested the way the API merges it.
    const patch = {};
    for (const key of Object.keys(f)) {
      const now = read(key);
      const before = get(s, key);
      const same = Array.isArray(now) ? JSON.stringify(now) === JSON.stringify(before || []) : now === before;
      if (same) continue;
      const [a, b] = key.split('.');
      if (b) (patch[a] = patch[a] || {})[b] = Number.isNaN(now) ? null : now;
      else patch[a] = Number.isNaN(now) ? null : now;
    }
    if (!Object.keys(patch).length) { formAlert.show('Nothing to save: no setting was changed.', 'info'); return; }
    await busy(save, async () => {
      try {
        const r = await api.patch('/v1/settings', patch, { ifMatch: etag });
        s = r.data;
        if (r.etag) etag = r.etag;
        fill(s);
        formAlert.show('Settings saved.', 'ok');
        announce('Settings saved.');
      } catch (err) {
        if (err.code === 'precondition_failed' || err.code === 'settings_changed') {
          formAlert.show('The settings were changed by someone else meanwhile. Reload the page to see them, then make your change again.', 'warn');
        } else showFormError(form, formAlert, err);
      }
    });
  });

  slot.replaceChildren(card('Instance settings', form));
}
