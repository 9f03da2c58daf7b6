// Users: search as you type, filters, sort, cursor paging; create a user.

import { api } from '../api.js';
import {
  h, field, pageHeader, alertRegion, table, cursorPager, debounce, fmtDate, roleLabel, statusBadge, badge,
  INSTANCE_ROLES, openDialog, showFormError, clearFormErrors, busy, button, announce, loading,
} from '../ui.js';
import { href } from '../router.js';
import { newPasswordField } from '../password.js';

export const title = 'Users';

export function roleOptions(session, { any = false } = {}) {
  const roles = INSTANCE_ROLES.filter((r) => r !== 'super_admin' || session.role === 'super_admin');
  return [...(any ? [['', 'Any role']] : []), ...roles.map((r) => [r, roleLabel(r)])];
}

export function render(main, ctx) {
  const { session } = ctx;
  const alert = alertRegion();
  const canWrite = session.can('users:write');

  const q = field({ label: 'Search', name: 'q', type: 'search', hint: 'Name or email words, e.g. "ada example"', attrs: { autocomplete: 'off', maxlength: '100' }, class: 'grow' });
  const role = field({ label: 'Role', name: 'role', type: 'select', options: [['', 'Any role'], ...INSTANCE_ROLES.map((r) => [r, roleLabel(r)])] });
  const status = field({ label: 'Status', name: 'status', type: 'select', options: [['', 'Any status'], ['active', 'Active'], ['deactivated', 'Deactivated']] });
  const sort = field({ label: 'Sort by', name: 'sort', type: 'select', options: [['createdAt', 'Created'], ['email', 'Email'], ['name', 'Name']] });
  const order = field({ label: 'Order', name: 'order', type: 'select', options: [['asc', 'Ascending'], ['desc', 'Descending']] });
  const filters = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter users' }, q, role, status, sort, order);
  filters.addEventListener('submit', (e) => { e.preventDefault(); refresh(); });

  const results = h('div', { class: 'results', 'aria-live': 'off' }, loading());
  const pager = cursorPager({
    label: 'users',
    load: (cursor) => {
      const query = { limit: 25, cursor, role: role.control.value, status: status.control.value };
      const words = q.control.value.trim();
      if (words) query.q = words; // with q the API orders by email and refuses another sort
      else { query.sort = sort.control.value; query.order = order.control.value; }
      return api.get('/v1/users', query).then((r) => r.data);
    },
    onPage: (page) => {
      alert.clear();
      results.replaceChildren(usersTable(page.items));
    },
    onError: (err) => { results.replaceChildren(); alert.show(err); },
  });

  function usersTable(items) {
    return table({
      caption: 'Users',
      items,
      empty: q.control.value.trim() || role.control.value || status.control.value ? 'No user matches these filters.' : 'No users yet.',
      columns: [
        { label: 'Name', cell: (u) => h('a', { href: href(`/users/${encodeURIComponent(u.id)}`), class: 'strong' }, u.name) },
        { label: 'Email', cell: (u) => h('span', { class: 'break' }, u.email) },
        { label: 'Role', cell: (u) => badge(roleLabel(u.role), u.role === 'super_admin' || u.role === 'admin' ? 'accent' : 'neutral') },
        { label: 'Status', cell: (u) => statusBadge(u.status) },
        { label: 'Created', cell: (u) => fmtDate(u.createdAt) },
        { label: 'Last sign-in', cell: (u) => fmtDate(u.lastLoginAt, 'Never') },
        { label: 'Actions', class: 'col-actions', cell: (u) => h('a', { href: href(`/users/${encodeURIComponent(u.id)}`), class: 'btn btn-secondary btn-sm', 'aria-label': `${canWrite ? 'Manage' : 'View'} ${u.name}` }, canWrite ? 'Manage' : 'View') },
      ],
    });
  }

  function syncSort() {
    const searching = !!q.control.value.trim();
    sort.control.disabled = searching;
    order.control.disabled = searching;
  }

  const refresh = () => { syncSort(); pager.reset(); };
  const later = debounce(refresh, 300);
  q.control.addEventListener('input', later);
  for (const f of [role, status, sort, order]) f.control.addEventListener('change', refresh);

  const createBtn = canWrite ? button('Create user', () => createUser(session, () => pager.reset()), 'btn btn-primary') : null;
  const inviteLink = session.can('invite') ? h('a', { href: href('/invitations'), class: 'btn btn-secondary' }, 'Invite people') : null;

  main.append(
    pageHeader('Users', 'Everyone with an account on this instance.', inviteLink, createBtn),
    alert.el,
    h('section', { class: 'card', 'aria-label': 'User list' }, filters, h('p', { class: 'hint small' }, 'While searching, results are ordered by email.'), results, pager.el),
  );
  refresh();
  return () => later.cancel();
}

/** Create a user directly (POST /v1/users), e.g. an api_user. */
function createUser(session, done) {
  return openDialog({
    title: 'Create a user',
    build(body, close) {
      const alert = alertRegion();
      const email = field({ label: 'Email', name: 'email', type: 'email', required: true, attrs: { autofocus: true, autocomplete: 'off' } });
      const name = field({ label: 'Name', name: 'name', required: true, attrs: { maxlength: '100', autocomplete: 'off' } });
      const role = field({ label: 'Role', name: 'role', type: 'select', options: roleOptions(session), value: 'viewer' });
      const setPw = field({ label: 'Set a password now (otherwise the user cannot sign in with a password)', name: 'setpw', type: 'checkbox' });
      const pw = newPasswordField({ confirm: false });
      pw.el.hidden = true;
      setPw.control.addEventListener('change', () => { pw.el.hidden = !setPw.control.checked; });
      const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create user');
      const form = h('form', { class: 'form', novalidate: true }, alert.el, email, name, role, setPw, pw.el,
        h('div', { class: 'actions' }, button('Cancel', () => close(), 'btn btn-secondary'), submit));
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        clearFormErrors(form);
        alert.clear();
        const payload = { email: email.control.value.trim(), name: name.control.value.trim(), role: role.control.value };
        if (setPw.control.checked) payload.password = pw.input.value;
        await busy(submit, async () => {
          try {
            const { data } = await api.post('/v1/users', payload);
            announce(`Created ${data.email}.`);
            close(data);
            done();
          } catch (err) {
            showFormError(form, alert, err);
          }
        });
      });
      body.append(form);
    },
  });
}
