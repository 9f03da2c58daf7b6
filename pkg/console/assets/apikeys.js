// apikeys.js — a user's API keys (or one's own): list, create, rotate,
// delete. A new secret is shown once.

import { api } from './api.js';
import {
  h, field, alertRegion, table, cursorPager, fmtDate, button, busy, showFormError, clearFormErrors,
  confirmDialog, secretPanel, announce, card, loading,
} from './ui.js';

/** basePath: '/v1/users/{id}/api-keys' or '/v1/me/api-keys'. */
export function apiKeysSection(basePath, { title = 'API keys', who = 'this user' } = {}) {
  const alert = alertRegion();
  const secretSlot = h('div', {});
  const list = h('div', {}, loading());

  const showSecret = (data, heading) => {
    const panel = secretPanel({ title: heading, secret: data.secret, what: 'API key' });
    secretSlot.replaceChildren(panel);
    panel.querySelector('h3').focus();
  };

  const pager = cursorPager({
    label: 'API keys',
    load: (cursor) => api.get(basePath, { limit: 20, cursor }).then((r) => r.data),
    onPage: (page) => {
      alert.clear();
      list.replaceChildren(table({
        caption: title,
        items: page.items,
        empty: `No API keys for ${who} yet.`,
        columns: [
          { label: 'Name', cell: (k) => h('span', { class: 'strong' }, k.name) },
          { label: 'Key', cell: (k) => h('code', {}, `${k.prefix}…`) },
          { label: 'Created', cell: (k) => fmtDate(k.createdAt) },
          { label: 'Expires', cell: (k) => fmtDate(k.expiresAt, 'Never') },
          { label: 'Last used', cell: (k) => fmtDate(k.lastUsedAt, 'Never') },
          {
            label: 'Actions',
            class: 'col-actions',
            cell: (k) => h('div', { class: 'row-actions' },
              button('Rotate', async (e) => {
                const ok = await confirmDialog({ title: `Rotate "${k.name}"?`, message: 'A new secret replaces the current one, which stops working at once.', confirmLabel: 'Rotate key' });
                if (!ok) return;
                await busy(e.target, async () => {
                  try {
                    const { data } = await api.post(`${basePath}/${encodeURIComponent(k.id)}/rotate`);
                    showSecret(data, `New secret for "${data.apiKey.name}"`);
                    pager.reload();
                  } catch (err) { alert.show(err); }
                });
              }, 'btn btn-secondary btn-sm', { 'aria-label': `Rotate API key ${k.name}` }),
              button('Delete', async (e) => {
                const ok = await confirmDialog({ title: `Delete "${k.name}"?`, message: 'The key stops working at once. This cannot be undone.', confirmLabel: 'Delete key' });
                if (!ok) return;
                await busy(e.target, async () => {
                  try {
                    await api.del(`${basePath}/${encodeURIComponent(k.id)}`);
                    announce(`API key "${k.name}" deleted.`);
                    pager.reset();
                  } catch (err) { alert.show(err); }
                });
              }, 'btn btn-danger-outline btn-sm', { 'aria-label': `Delete API key ${k.name}` })),
          },
        ],
      }));
    },
    onError: (err) => { list.replaceChildren(); alert.show(err); },
  });

  const name = field({ label: 'Key name', name: 'name', required: true, attrs: { maxlength: '100', autocomplete: 'off' }, class: 'grow' });
  const days = field({ label: 'Expires after (days)', name: 'expiresInDays', type: 'number', hint: 'Empty: never', attrs: { min: '1', max: '365', inputmode: 'numeric' } });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create API key');
  const formAlert = alertRegion();
  const form = h('form', { class: 'form-inline', novalidate: true, 'aria-label': 'Create an API key' }, name, days, h('div', { class: 'field field-submit' }, submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(form);
    formAlert.clear();
    const body = { name: name.control.value.trim() };
    if (days.control.value) body.expiresInDays = Number(days.control.value);
    await busy(submit, async () => {
      try {
        const { data } = await api.post(basePath, body);
        form.reset();
        showSecret(data, `API key "${data.apiKey.name}" created`);
        pager.reset();
      } catch (err) {
        showFormError(form, formAlert, err);
      }
    });
  });

  const el = card(title, alert.el, formAlert.el, form, secretSlot, list, pager.el);
  pager.reset();
  return el;
}
