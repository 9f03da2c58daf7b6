// Invitations: invite one (with workspace grants) or many (batch), list
// with status and email status, copy the link, resend, revoke.

import { api, seg } from '../api.js';
import {
  h, field, pageHeader, alertRegion, table, cursorPager, fmtDate, roleLabel, statusBadge, badge, card, button, busy,
  showFormError, clearFormErrors, confirmDialog, announce, copyBox, copyText, loading, WORKSPACE_ROLES, nextId, randomKey,
} from '../ui.js';
import { roleOptions } from './users.js';

export const title = 'Invitations';

const EMAIL_STATUS = { sent: 'Sent', failed: 'Failed', not_sent: 'Not sent' };

/** Result panel of a created or resent invitation: the link, once. */
function linkPanel(data, verb = 'Invitation created') {
  const inv = data.invitation;
  const id = nextId('inv-res');
  const emailLine = data.emailSent
    ? h('p', { class: 'ok-text' }, `An email with the link went to ${inv.email}.`)
    : h('p', { class: 'warn-text' }, data.emailError ? `The email was not sent: ${data.emailError}` : 'No email was sent: pass the link on yourself.');
  return h('section', { class: 'result-panel', 'aria-labelledby': id },
    h('h3', { id, tabindex: '-1' }, `${verb} for ${inv.email}`),
    emailLine,
    h('p', { class: 'hint' }, `Role ${roleLabel(inv.role)} · expires `, fmtDate(inv.expiresAt), '. The link is shown only now; a resend makes a new one.'),
    copyBox(data.inviteUrl, 'Invitation link'));
}

export function render(main, ctx) {
  const { session } = ctx;
  const canManage = session.can('users:write');
  const alert = alertRegion();

  // ---------------------------------------------------------------- one
  let workspaces = null; // loaded on first use
  const loadWorkspaces = async () => {
    if (workspaces) return workspaces;
    const { data } = await api.get('/v1/workspaces', { limit: 200 });
    workspaces = data.items;
    return workspaces;
  };

  const email = field({ label: 'Email', name: 'email', type: 'email', required: true, attrs: { autocomplete: 'off' } });
  const name = field({ label: 'Name (optional)', name: 'name', attrs: { maxlength: '100', autocomplete: 'off' }, hint: 'Without a name, the invitee gives one when accepting.' });
  // Without users:write one invites by delegation: as viewer, into workspaces one administers.
  const inviteRoles = canManage ? roleOptions(session) : [['viewer', 'Viewer']];
  const role = field({ label: 'Instance role', name: 'role', type: 'select', options: inviteRoles, value: 'viewer' });
  const days = field({ label: 'Link expires after (days)', name: 'expiresInDays', type: 'number', hint: 'Empty: the instance default', attrs: { min: '1', max: '30', inputmode: 'numeric' } });
  const send = field({ label: 'Email the invitation link', name: 'sendEmail', type: 'checkbox', value: true });

  const grants = h('div', { class: 'grants' });
  const grantsHint = h('p', { class: 'hint' }, canManage
    ? 'Optional: make the invitee a member of workspaces when they accept.'
    : 'You can invite people into workspaces you own or administer.');
  const addGrant = button('Add a workspace', async (e) => {
    try {
      await busy(e.target, loadWorkspaces);
    } catch (err) { oneAlert.show(err); return; }
    if (!workspaces.length) { oneAlert.show('There are no workspaces yet.', 'info'); return; }
    const n = grants.children.length;
    const ws = field({ label: 'Workspace', name: `workspaces[${n}].workspaceId`, type: 'select', options: workspaces.map((w) => [w.id, w.name]) });
    const wr = field({ label: 'Workspace role', name: `workspaces[${n}].role`, type: 'select', options: WORKSPACE_ROLES.map((r) => [r, roleLabel(r)]), value: 'member' });
    const row = h('fieldset', { class: 'grant-row' }, h('legend', { class: 'sr-only' }, `Workspace grant ${n + 1}`), ws, wr);
    row.append(h('div', { class: 'field field-submit' }, button('Remove', () => { row.remove(); addGrant.focus(); }, 'btn btn-ghost btn-sm', { 'aria-label': `Remove workspace grant ${n + 1}` })));
    row.grant = () => ({ workspaceId: ws.control.value, role: wr.control.value });
    grants.append(row);
    ws.control.focus();
  }, 'btn btn-secondary btn-sm');

  const oneAlert = alertRegion();
  const oneResult = h('div', {});
  const oneSubmit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Send invitation');
  const oneForm = h('form', { class: 'form', novalidate: true, 'aria-label': 'Invite one person' },
    oneAlert.el, h('div', { class: 'form-grid' }, email, name, role, days),
    h('fieldset', { class: 'fieldset' }, h('legend', {}, 'Workspaces'), grantsHint, grants, addGrant),
    send, h('div', { class: 'actions' }, oneSubmit));
  oneForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(oneForm);
    oneAlert.clear();
    const body = { email: email.control.value.trim(), role: role.control.value, sendEmail: send.control.checked };
    if (name.control.value.trim()) body.name = name.control.value.trim();
    if (days.control.value) body.expiresInDays = Number(days.control.value);
    const g = [...grants.children].map((r) => r.grant());
    if (g.length) body.workspaces = g;
    await busy(oneSubmit, async () => {
      try {
        const { data } = await api.post('/v1/invitations', body, { headers: { 'Idempotency-Key': randomKey() } });
        oneResult.replaceChildren(linkPanel(data));
        oneResult.querySelector('h3').focus();
        announce(`Invitation created for ${data.invitation.email}.`);
        email.control.value = '';
        name.control.value = '';
        grants.replaceChildren();
        pager.reset();
      } catch (err) {
        showFormError(oneForm, oneAlert, err);
      }
    });
  });

  // ---------------------------------------------------------------- many
  const list = field({ label: 'Email addresses', name: 'emails', type: 'textarea', rows: 5, required: true, hint: 'One per line, or separated by commas or spaces. Up to 100.' });
  const manyRole = field({ label: 'Instance role for all', name: 'manyRole', field: 'role', type: 'select', options: inviteRoles, value: 'viewer' });
  const manySend = field({ label: 'Email each invitation link', name: 'manySend', type: 'checkbox', value: true });
  const manyAlert = alertRegion();
  const manyResult = h('div', {});
  const manySubmit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Send invitations');
  const manyForm = h('form', { class: 'form', novalidate: true, 'aria-label': 'Invite many people' },
    manyAlert.el, list, manyRole, manySend, h('div', { class: 'actions' }, manySubmit));
  manyForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(manyForm);
    manyAlert.clear();
    const emails = [...new Set(list.control.value.split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean))];
    if (!emails.length) { showFormError(manyForm, manyAlert, { fieldErrors: [{ field: 'emails', message: 'Enter at least one email address.' }] }); return; }
    if (emails.length > 100) { showFormError(manyForm, manyAlert, { fieldErrors: [{ field: 'emails', message: `At most 100 at once (you entered ${emails.length}).` }] }); return; }
    const invitations = emails.map((em) => ({ email: em, role: manyRole.control.value, sendEmail: manySend.control.checked }));
    await busy(manySubmit, async () => {
      try {
        const { data } = await api.post('/v1/invitations/batch', { invitations });
        const ok = data.results.filter((r) => r.status === 201).length;
        const rid = nextId('batch');
        manyResult.replaceChildren(h('section', { class: 'result-panel', 'aria-labelledby': rid },
          h('h3', { id: rid, tabindex: '-1' }, `${ok} of ${data.results.length} invited`),
          table({
            caption: 'Results of the batch',
            items: data.results,
            columns: [
              { label: 'Email', cell: (r) => h('span', { class: 'break' }, r.email || '(empty)') },
              { label: 'Result', cell: (r) => (r.status === 201 ? badge(r.emailSent ? 'Invited · email sent' : 'Invited · no email', 'ok') : h('span', {}, badge(`Failed (${r.status})`, 'danger'), ' ', r.error ? (r.error.errors && r.error.errors.length ? r.error.errors.map((x) => x.message).join('; ') : r.error.detail) : '')) },
              { label: 'Link', class: 'col-actions', cell: (r) => (r.inviteUrl ? button('Copy link', () => copyText(r.inviteUrl), 'btn btn-secondary btn-sm', { 'aria-label': `Copy link of the invitation for ${r.email}` }) : '—') },
            ],
          })));
        manyResult.querySelector('h3').focus();
        announce(`${ok} of ${data.results.length} invitations created.`);
        if (ok) { list.control.value = ''; pager.reset(); }
      } catch (err) {
        showFormError(manyForm, manyAlert, err);
      }
    });
  });

  // ---------------------------------------------------------------- list
  const status = field({ label: 'Status', name: 'status', type: 'select', options: [['', 'Any status'], ['pending', 'Pending'], ['accepted', 'Accepted'], ['revoked', 'Revoked'], ['expired', 'Expired']] });
  const emailFilter = field({ label: 'Email (exact address)', name: 'email', type: 'email', attrs: { autocomplete: 'off' }, class: 'grow' });
  const filterBtn = h('button', { type: 'submit', class: 'btn btn-secondary' }, 'Filter');
  const filters = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter invitations', novalidate: true }, status, emailFilter, h('div', { class: 'field field-submit' }, filterBtn));
  const listAlert = alertRegion();
  filters.addEventListener('submit', (e) => { e.preventDefault(); pager.reset(); });
  status.control.addEventListener('change', () => pager.reset());
  const rowResult = h('div', {});
  const results = h('div', {}, loading());
  const pager = cursorPager({
    label: 'invitations',
    load: (cursor) => api.get('/v1/invitations', { limit: 25, cursor, status: status.control.value, email: emailFilter.control.value.trim() }).then((r) => r.data),
    onPage: (page) => {
      clearFormErrors(filters);
      listAlert.clear();
      results.replaceChildren(table({
        caption: 'Invitations',
        items: page.items,
        empty: status.control.value || emailFilter.control.value ? 'No invitation matches these filters.' : 'No invitations yet. Invite someone above.',
        columns: [
          { label: 'Invitee', cell: (i) => h('span', { class: 'break strong' }, i.email) },
          { label: 'Role', cell: (i) => roleLabel(i.role) },
          { label: 'Status', cell: (i) => statusBadge(i.status) },
          { label: 'Email', cell: (i) => statusBadge(i.emailStatus, `${EMAIL_STATUS[i.emailStatus] || i.emailStatus}${i.sendCount > 1 ? ` ×${i.sendCount}` : ''}`) },
          { label: 'Created', cell: (i) => fmtDate(i.createdAt) },
          { label: 'Expires', cell: (i) => (i.status === 'accepted' ? h('span', { class: 'muted' }, '—') : fmtDate(i.expiresAt)) },
          {
            label: 'Actions',
            class: 'col-actions',
            cell: (i) => (canManage && i.status === 'pending' ? h('div', { class: 'row-actions' },
              button('Resend', async (e) => {
                await busy(e.target, async () => {
                  try {
                    const { data } = await api.post(`/v1/invitations/${seg(i.id)}/resend`);
                    rowResult.replaceChildren(linkPanel(data, 'New link'));
                    rowResult.querySelector('h3').focus();
                    announce(`Invitation to ${i.email} sent again; the old link no longer works.`);
                    pager.reload();
                  } catch (err) { listAlert.show(err); }
                });
              }, 'btn btn-secondary btn-sm', { 'aria-label': `Resend the invitation to ${i.email}` }),
              button('Revoke', async (e) => {
                const ok = await confirmDialog({ title: 'Revoke this invitation?', message: `The link sent to ${i.email} stops working at once.`, confirmLabel: 'Revoke' });
                if (!ok) return;
                await busy(e.target, async () => {
                  try {
                    await api.del(`/v1/invitations/${seg(i.id)}`);
                    announce(`Invitation to ${i.email} revoked.`);
                    pager.reload();
                  } catch (err) { listAlert.show(err); }
                });
              }, 'btn btn-danger-outline btn-sm', { 'aria-label': `Revoke the invitation to ${i.email}` })) : '—'),
          },
        ],
      }));
    },
    onError: (err) => {
      results.replaceChildren();
      if (err.fieldErrors && err.fieldErrors.length) showFormError(filters, listAlert, err);
      else listAlert.show(err);
    },
  });

  main.append(
    pageHeader('Invitations', 'Invite people by email and follow up on pending invitations.'),
    alert.el,
    // A batch names no workspaces, so it is for those who may invite anyone.
    canManage
      ? h('div', { class: 'grid-2' },
        card('Invite someone', oneForm, oneResult),
        card('Invite many', h('p', { class: 'hint' }, 'Paste a list of addresses; each gets its own invitation and link.'), manyForm, manyResult))
      : card('Invite someone', oneForm, oneResult),
    card('All invitations', filters, listAlert.el, rowResult, results, pager.el),
  );
  pager.reset();
}
