// Admin tokens: create (secret shown once), list, revoke.

import { api, seg } from '../api.js';
import {
  h, field, pageHeader, alertRegion, table, cursorPager, fmtDate, card, button, busy, showFormError,
  clearFormErrors, confirmDialog, announce, secretPanel, loading, principalText,
} from '../ui.js';

export const title = 'Admin tokens';

export function render(main) {
  const alert = alertRegion();
  const secretSlot = h('div', {});
  let shownId = null; // the token whose secret is on screen

  const name = field({ label: 'Token name', name: 'name', required: true, hint: 'What it is for, e.g. "CI provisioning".', attrs: { maxlength: '100', autocomplete: 'off' }, class: 'grow' });
  const expiry = field({
    label: 'Expires after', name: 'expiresInDays', type: 'select', value: '30',
    options: [['7', '7 days'], ['30', '30 days'], ['60', '60 days'], ['90', '90 days'], ['', 'Never']],
  });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create token');
  const formAlert = alertRegion();
  const form = h('form', { class: 'form-inline', novalidate: true, 'aria-label': 'Create an admin token' }, name, expiry, h('div', { class: 'field field-submit' }, submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(form);
    formAlert.clear();
    const body = { name: name.control.value.trim(), expiresInDays: expiry.control.value ? Number(expiry.control.value) : null };
    await busy(submit, async () => {
      try {
        const { data } = await api.post('/v1/admin-tokens', body);
        name.control.value = '';
        const panel = secretPanel({ title: `Admin token "${data.adminToken.name}" created`, secret: data.secret, what: 'admin token' });
        secretSlot.replaceChildren(panel);
        shownId = data.adminToken.id;
        panel.querySelector('h3').focus();
        announce('Admin token created. Copy it now: it will not be shown again.');
        pager.reset();
      } catch (err) {
        showFormError(form, formAlert, err);
      }
    });
  });

  const results = h('div', {}, loading());
  const pager = cursorPager({
    label: 'admin tokens',
    load: (cursor) => api.get('/v1/admin-tokens', { limit: 50, cursor }).then((r) => r.data),
    onPage: (page) => {
      alert.clear();
      results.replaceChildren(table({
        caption: 'Admin tokens',
        items: page.items,
        empty: 'No admin tokens. Create one above to script against the API.',
        columns: [
          { label: 'Name', cell: (t) => h('span', { class: 'strong' }, t.name) },
          { label: 'Created by', cell: (t) => h('span', { class: 'break' }, principalText(t.createdBy)) },
          { label: 'Created', cell: (t) => fmtDate(t.createdAt) },
          { label: 'Expires', cell: (t) => (t.expiresAt && new Date(t.expiresAt) < new Date() ? h('span', { class: 'warn-text' }, 'Expired ', fmtDate(t.expiresAt)) : fmtDate(t.expiresAt, 'Never')) },
          { label: 'Last used', cell: (t) => fmtDate(t.lastUsedAt, 'Never') },
          {
            label: 'Actions',
            class: 'col-actions',
            cell: (t) => button('Revoke', async (e) => {
              const ok = await confirmDialog({ title: `Revoke "${t.name}"?`, message: 'The token stops working at once. Anything using it will be refused. This cannot be undone.', confirmLabel: 'Revoke token' });
              if (!ok) return;
              await busy(e.target, async () => {
                try {
                  await api.del(`/v1/admin-tokens/${seg(t.id)}`);
                  announce(`Admin token "${t.name}" revoked.`);
                  if (t.id === shownId) secretSlot.replaceChildren();
                  pager.reset();
                } catch (err) { alert.show(err); }
              });
            }, 'btn btn-danger-outline btn-sm', { 'aria-label': `Revoke admin token ${t.name}` }),
          },
        ],
      }));
    },
    onError: (err) => { results.replaceChildren(); alert.show(err); },
  });

  main.append(
    pageHeader('Admin tokens', 'Instance-level tokens that act as an admin, for scripts and automation.'),
    alert.el,
    card('Create an admin token', formAlert.el, form, secretSlot),
    card('Tokens', results, pager.el),
  );
  pager.reset();
}
