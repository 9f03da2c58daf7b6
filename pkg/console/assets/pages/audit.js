// Audit log: filters (action, actor, target, time range), newest first, paged.

import { api } from '../api.js';
import {
  h, field, pageHeader, alertRegion, table, cursorPager, fmtDate, badge, showFormError,
  clearFormErrors, loading, button,
} from '../ui.js';

export const title = 'Audit log';

const ACTIONS = [
  'user.created', 'user.updated', 'user.role_changed', 'user.deactivated', 'user.reactivated', 'user.deleted',
  'user.password_set', 'user.password_reset_requested', 'invitation.created', 'invitation.resent', 'invitation.revoked',
  'invitation.accepted', 'invitation.expired', 'admin_token.created', 'admin_token.deleted', 'api_key.created',
  'api_key.rotated', 'api_key.deleted', 'workspace.created', 'workspace.updated', 'workspace.deleted',
  'membership.added', 'membership.changed', 'membership.removed', 'settings.updated', 'settings.reset',
  'auth.login_failed', 'auth.locked',
];

const kindOf = (action) => {
  if (/deleted|revoked|removed|deactivated|login_failed|locked|expired/.test(action)) return 'danger';
  if (/created|added|accepted|reactivated/.test(action)) return 'ok';
  return 'info';
};

/** datetime-local value (local time) → RFC 3339 UTC. */
const toIso = (v) => (v ? new Date(v).toISOString() : '');

/** The action as a badge that may wrap only after a dot or an underscore. */
function actionBadge(action) {
  const b = badge('', kindOf(action));
  for (const part of action.split(/(?<=[._])/)) b.append(part, h('wbr'));
  return b;
}

const short = (id) => (id.length > 14 ? `${id.slice(0, 8)}…` : id);

function details(e) {
  const entries = Object.entries(e.details || {});
  return h('div', {},
    entries.length
      ? h('dl', { class: 'kv' }, entries.map(([k, v]) => [
        h('dt', {}, k),
        h('dd', {}, typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)),
      ]))
      : h('span', { class: 'muted' }, 'No details'),
    e.requestId ? h('p', { class: 'muted small req-id' }, 'Request ', h('code', { title: e.requestId }, short(e.requestId))) : null);
}

const ACTOR_KIND = { user: 'User', admin_token: 'Admin token', anonymous: 'Anonymous', system: 'System' };

export function render(main) {
  const alert = alertRegion();
  const action = field({ label: 'Action', name: 'action', type: 'select', options: [['', 'Any action'], ...ACTIONS.map((a) => [a, a])] });
  const actor = field({ label: 'Actor ID', name: 'actorId', attrs: { autocomplete: 'off', spellcheck: 'false' }, hint: 'A user or admin token ID, or "anonymous"' });
  const target = field({ label: 'Target ID', name: 'targetId', attrs: { autocomplete: 'off', spellcheck: 'false' }, hint: 'A user, workspace, invitation… ID' });
  const since = field({ label: 'From', name: 'since', type: 'datetime-local', hint: 'Your local time' });
  const until = field({ label: 'To', name: 'until', type: 'datetime-local', hint: 'Your local time' });
  const apply = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Apply filters');
  const reset = button('Clear', () => { filters.reset(); pager.reset(); }, 'btn btn-secondary');
  const filters = h('form', { class: 'filters filters-wrap', role: 'search', 'aria-label': 'Filter the audit log', novalidate: true },
    action, actor, target, since, until, h('div', { class: 'field field-submit' }, h('div', { class: 'row-actions' }, apply, reset)));
  filters.addEventListener('submit', (e) => { e.preventDefault(); pager.reset(); });
  action.control.addEventListener('change', () => pager.reset());

  /** A short id that, pressed, filters the log by it. */
  const idChip = (id, kind, input) => h('button', {
    type: 'button', class: 'id-chip', title: id, 'aria-label': `Show only events with ${kind} ${id}`,
    onclick: () => { input.control.value = id; pager.reset(); },
  }, short(id));

  const results = h('div', {}, loading());
  const pager = cursorPager({
    label: 'events',
    load: (cursor) => api.get('/v1/audit-events', {
      limit: 50, cursor, action: action.control.value, actorId: actor.control.value.trim(), targetId: target.control.value.trim(),
      since: toIso(since.control.value), until: toIso(until.control.value),
    }).then((r) => r.data),
    onPage: (page) => {
      clearFormErrors(filters);
      alert.clear();
      results.replaceChildren(table({
        caption: 'Audit events, newest first',
        items: page.items,
        empty: 'No events match these filters.',
        cls: 'table-audit',
        columns: [
          { label: 'When', class: 'col-when', cell: (e) => fmtDate(e.at) },
          { label: 'Action', class: 'col-action', cell: (e) => actionBadge(e.action) },
          {
            label: 'Actor',
            class: 'col-actor',
            cell: (e) => h('div', { class: 'who' },
              h('span', { class: 'break' }, e.actor.email || ACTOR_KIND[e.actor.type] || e.actor.type),
              e.actor.type === 'user' || e.actor.type === 'admin_token'
                ? h('span', { class: 'muted small' }, e.actor.email ? `${ACTOR_KIND[e.actor.type]} ` : '', idChip(e.actor.id, 'actor', actor))
                : null),
          },
          {
            label: 'Target',
            class: 'col-target',
            cell: (e) => h('div', { class: 'who' },
              h('span', {}, e.target.type.replace(/_/g, ' ')),
              h('span', { class: 'muted small' }, idChip(e.target.id, 'target', target))),
          },
          { label: 'Details', class: 'col-details', cell: (e) => details(e) },
        ],
      }));
    },
    onError: (err) => {
      results.replaceChildren();
      if (err.fieldErrors && err.fieldErrors.length) showFormError(filters, alert, err);
      else alert.show(err);
    },
  });

  main.append(
    pageHeader('Audit log', 'Every change, in the same transaction as the change itself. Newest first.'),
    alert.el,
    h('section', { class: 'card', 'aria-label': 'Audit events' }, filters, results, pager.el),
  );
  pager.reset();
}
