// Workspaces: list with search, create.

import { api, ApiError } from '../api.js';
import {
  h, field, pageHeader, alertRegion, table, cursorPager, debounce, fmtDate, openDialog, showFormError,
  clearFormErrors, busy, button, announce, loading, randomKey,
} from '../ui.js';
import { href } from '../router.js';

export const title = 'Workspaces';

/**
 * Finds a user's id from an email (exact match) or takes the input as an id.
 * Throws an ApiError naming `field` when no user has that email.
 */
export async function resolveUser(input, fieldName) {
  const v = input.trim();
  if (!v.includes('@')) return v;
  const { data } = await api.get('/v1/users', { q: v.slice(0, 100), limit: 10 });
  const u = data.items.find((x) => x.email === v.toLowerCase());
  if (!u) {
    throw new ApiError(400, { code: 'invalid_request', detail: 'No user has this email.', errors: [{ field: fieldName, message: 'no user has this email' }] });
  }
  return u.id;
}

export function render(main, ctx) {
  const { session } = ctx;
  const alert = alertRegion();
  const canWrite = session.can('workspaces:write');

  const q = field({ label: 'Search by name', name: 'q', type: 'search', attrs: { autocomplete: 'off', maxlength: '100' }, class: 'grow' });
  const filters = h('form', { class: 'filters', role: 'search', 'aria-label': 'Search workspaces' }, q);
  filters.addEventListener('submit', (e) => { e.preventDefault(); pager.reset(); });
  const results = h('div', {}, loading());
  const pager = cursorPager({
    label: 'workspaces',
    load: (cursor) => api.get('/v1/workspaces', { limit: 25, cursor, q: q.control.value.trim() }).then((r) => r.data),
    onPage: (page) => {
      alert.clear();
      results.replaceChildren(table({
        caption: 'Workspaces',
        items: page.items,
        empty: q.control.value.trim() ? 'No workspace matches this search.' : 'No workspaces yet.',
        columns: [
          { label: 'Name', cell: (w) => h('a', { href: href(`/workspaces/${encodeURIComponent(w.id)}`), class: 'strong' }, w.name) },
          { label: 'Description', cell: (w) => (w.description ? h('span', { class: 'clamp' }, w.description) : h('span', { class: 'muted' }, '—')) },
          { label: 'Members', class: 'num', cell: (w) => w.memberCount.toLocaleString() },
          { label: 'Created', cell: (w) => fmtDate(w.createdAt) },
          { label: 'Actions', class: 'col-actions', cell: (w) => h('a', { href: href(`/workspaces/${encodeURIComponent(w.id)}`), class: 'btn btn-secondary btn-sm', 'aria-label': `${canWrite ? 'Manage' : 'View'} ${w.name}` }, canWrite ? 'Manage' : 'View') },
        ],
      }));
    },
    onError: (err) => { results.replaceChildren(); alert.show(err); },
  });
  const later = debounce(() => pager.reset(), 300);
  q.control.addEventListener('input', later);

  const createBtn = canWrite ? button('Create workspace', () => createWorkspace(ctx), 'btn btn-primary') : null;
  main.append(
    pageHeader('Workspaces', 'Groups of users with their own roles.', createBtn),
    alert.el,
    h('section', { class: 'card', 'aria-label': 'Workspace list' }, filters, results, pager.el),
  );
  pager.reset();
  return () => later.cancel();
}

function createWorkspace(ctx) {
  const { session } = ctx;
  const ownerRequired = !session.me;
  return openDialog({
    title: 'Create a workspace',
    build(body, close) {
      const alert = alertRegion();
      const name = field({ label: 'Name', name: 'name', required: true, attrs: { maxlength: '100', autofocus: true, autocomplete: 'off' } });
      const desc = field({ label: 'Description (optional)', name: 'description', type: 'textarea', rows: 3, attrs: { maxlength: '500' } });
      const owner = field({
        label: ownerRequired ? 'Owner (email or user ID)' : 'Owner (email or user ID, optional)',
        name: 'ownerId', required: ownerRequired, attrs: { autocomplete: 'off' },
        hint: ownerRequired ? 'An admin token has no user of its own, so name the first owner.' : 'Empty: you become the owner.',
      });
      const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create workspace');
      const form = h('form', { class: 'form', novalidate: true }, alert.el, name, desc, owner,
        h('div', { class: 'actions' }, button('Cancel', () => close(), 'btn btn-secondary'), submit));
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        clearFormErrors(form);
        alert.clear();
        await busy(submit, async () => {
          try {
            const payload = { name: name.control.value.trim() };
            if (desc.control.value.trim()) payload.description = desc.control.value.trim();
            if (owner.control.value.trim()) payload.ownerId = await resolveUser(owner.control.value, 'ownerId');
            const { data } = await api.post('/v1/workspaces', payload, { headers: { 'Idempotency-Key': randomKey() } });
            announce(`Workspace "${data.name}" created.`);
            close(data);
            ctx.navigate(`/workspaces/${encodeURIComponent(data.id)}`);
          } catch (err) {
            showFormError(form, alert, err);
          }
        });
      });
      body.append(form);
    },
  });
}
