// One workspace: edit (PATCH with If-Match), delete, members (add, change
// role, remove).

import { api, seg } from '../api.js';
import {
  h, field, pageHeader, alertRegion, table, cursorPager, fmtDate, roleLabel, card, button, busy, showFormError,
  clearFormErrors, confirmDialog, announce, loading, WORKSPACE_ROLES,
} from '../ui.js';
import { href } from '../router.js';
import { resolveUser } from './workspaces.js';
import { principalLink } from '../principal.js';

export const title = 'Workspace';

export async function render(main, ctx) {
  const { session, params } = ctx;
  const id = params.id;
  const alert = alertRegion();
  const back = h('p', { class: 'crumbs' }, h('a', { href: href('/workspaces') }, '← All workspaces'));
  const slot = h('div', {}, loading('Loading the workspace…'));
  main.append(back, h('h1', { tabindex: '-1', class: 'page-title' }, 'Workspace'), alert.el, slot);

  let ws;
  let etag;
  try {
    const r = await api.get(`/v1/workspaces/${seg(id)}`);
    ws = r.data;
    etag = r.etag;
  } catch (err) {
    slot.replaceChildren();
    alert.show(err.status === 404 ? 'There is no such workspace, or you are not a member of it.' : err);
    return;
  }

  const canWrite = session.can('workspaces:write');
  const myMembership = session.me && (session.me.workspaces || []).find((m) => m.workspace.id === ws.id);
  const canManageMembers = canWrite || (myMembership && (myMembership.role === 'owner' || myMembership.role === 'admin'));

  const header = pageHeader(ws.name, ws.description || 'No description.');
  main.replaceChildren(back, header, alert.el);
  const meta = h('dl', { class: 'meta' });
  const paintMeta = () => meta.replaceChildren(
    h('dt', {}, 'Members'), h('dd', {}, String(ws.memberCount)),
    h('dt', {}, 'Created'), h('dd', {}, fmtDate(ws.createdAt), ' by ', principalLink(ws.createdBy, session)),
    h('dt', {}, 'Last updated'), h('dd', {}, fmtDate(ws.updatedAt)),
    h('dt', {}, 'Workspace ID'), h('dd', {}, h('code', {}, ws.id)));
  paintMeta();
  const update = (w, tag) => {
    ws = w;
    if (tag) etag = tag;
    header.querySelector('h1').textContent = w.name;
    header.querySelector('.page-sub').textContent = w.description || 'No description.';
    paintMeta();
  };

  const sections = [];

  // --- details
  const name = field({ label: 'Name', name: 'name', required: true, value: ws.name, attrs: { maxlength: '100', autocomplete: 'off' } });
  const desc = field({ label: 'Description', name: 'description', type: 'textarea', rows: 3, value: ws.description, attrs: { maxlength: '500' } });
  const save = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save changes');
  const formAlert = alertRegion();
  const form = h('form', { class: 'form', novalidate: true }, formAlert.el, name, desc, h('div', { class: 'actions' }, save));
  if (!canWrite) {
    for (const c of form.querySelectorAll('input,textarea')) c.disabled = true;
    save.parentElement.replaceChildren(h('p', { class: 'hint' }, 'Your role can view this workspace but not change it.'));
  }
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(form);
    formAlert.clear();
    const patch = {};
    if (name.control.value.trim() !== ws.name) patch.name = name.control.value.trim();
    if (desc.control.value.trim() !== (ws.description || '')) patch.description = desc.control.value.trim();
    if (!Object.keys(patch).length) { formAlert.show('Nothing to save: no field was changed.', 'info'); return; }
    await busy(save, async () => {
      try {
        const r = await api.patch(`/v1/workspaces/${seg(id)}`, patch, { ifMatch: etag });
        update(r.data, r.etag);
        announce('Workspace saved.');
      } catch (err) {
        if (err.code === 'precondition_failed') formAlert.show('Someone else changed this workspace meanwhile. Reload the page, then make your change again.', 'warn');
        else showFormError(form, formAlert, err);
      }
    });
  });
  sections.push(card('Details', form, meta));

  // --- members
  const memAlert = alertRegion();
  const members = h('div', {}, loading());
  const pager = cursorPager({
    label: 'members',
    load: (cursor) => api.get(`/v1/workspaces/${seg(id)}/members`, { limit: 50, cursor }).then((r) => r.data),
    onPage: (page) => {
      members.replaceChildren(table({
        caption: 'Members',
        items: page.items,
        empty: 'No members.',
        columns: [
          { label: 'Name', cell: (m) => (session.can('users:read') ? h('a', { href: href(`/users/${encodeURIComponent(m.user.id)}`), class: 'strong' }, m.user.name) : h('span', { class: 'strong' }, m.user.name)) },
          { label: 'Email', cell: (m) => h('span', { class: 'break' }, m.user.email) },
          {
            label: 'Role',
            cell: (m) => {
              if (!canManageMembers) return roleLabel(m.role);
              const sel = h('select', { 'aria-label': `Role of ${m.user.email}`, class: 'select-sm' }, WORKSPACE_ROLES.map((r) => h('option', { value: r }, roleLabel(r))));
              sel.value = m.role;
              sel.addEventListener('change', async () => {
                memAlert.clear();
                sel.disabled = true;
                try {
                  await api.put(`/v1/workspaces/${seg(id)}/members/${seg(m.user.id)}`, { role: sel.value });
                  announce(`${m.user.email} is now ${roleLabel(sel.value)}.`);
                  m.role = sel.value;
                } catch (err) {
                  sel.value = m.role;
                  memAlert.show(err);
                } finally { sel.disabled = false; }
              });
              return sel;
            },
          },
          { label: 'Since', cell: (m) => fmtDate(m.addedAt) },
          {
            label: 'Actions',
            class: 'col-actions',
            cell: (m) => (canManageMembers ? button('Remove', async (e) => {
              const ok = await confirmDialog({ title: `Remove ${m.user.name}?`, message: `${m.user.email} will no longer be a member of ${ws.name}.`, confirmLabel: 'Remove member' });
              if (!ok) return;
              memAlert.clear();
              await busy(e.target, async () => {
                try {
                  await api.del(`/v1/workspaces/${seg(id)}/members/${seg(m.user.id)}`);
                  announce(`${m.user.email} removed from ${ws.name}.`);
                  ws.memberCount = Math.max(0, ws.memberCount - 1);
                  paintMeta();
                  pager.reload();
                } catch (err) { memAlert.show(err); }
              });
            }, 'btn btn-danger-outline btn-sm', { 'aria-label': `Remove ${m.user.email}` }) : '—'),
          },
        ],
      }));
    },
    onError: (err) => { members.replaceChildren(); memAlert.show(err); },
  });

  let addForm = null;
  if (canManageMembers) {
    const who = field({ label: 'User (email or ID)', name: 'userId', required: true, attrs: { autocomplete: 'off' }, class: 'grow' });
    const wr = field({ label: 'Role', name: 'role', type: 'select', options: WORKSPACE_ROLES.map((r) => [r, roleLabel(r)]), value: 'member' });
    const add = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Add member');
    const addAlert = alertRegion();
    addForm = h('form', { class: 'form-inline', novalidate: true, 'aria-label': 'Add a member' }, who, wr, h('div', { class: 'field field-submit' }, add));
    addForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearFormErrors(addForm);
      addAlert.clear();
      memAlert.clear();
      await busy(add, async () => {
        try {
          const userId = await resolveUser(who.control.value, 'userId');
          if (!userId) throw Object.assign(new Error('Enter an email or a user ID.'), { fieldErrors: [{ field: 'userId', message: 'enter an email or a user ID' }] });
          const r = await api.put(`/v1/workspaces/${seg(id)}/members/${seg(userId)}`, { role: wr.control.value });
          announce(r.status === 201 ? `${r.data.user.email} added as ${roleLabel(r.data.role)}.` : `${r.data.user.email} is now ${roleLabel(r.data.role)}.`);
          if (r.status === 201) { ws.memberCount += 1; paintMeta(); }
          who.control.value = '';
          pager.reset();
        } catch (err) {
          if (err.status === 404) showFormError(addForm, addAlert, { fieldErrors: [{ field: 'userId', message: 'no such user' }] });
          else showFormError(addForm, addAlert, err);
        }
      });
    });
    addForm = h('div', {}, addAlert.el, addForm);
  }
  sections.push(card('Members', addForm, memAlert.el, members, pager.el));
  pager.reset();

  // --- delete
  if (canWrite) {
    const delAlert = alertRegion();
    const delBtn = button('Delete workspace', async () => {
      const ok = await confirmDialog({
        title: `Delete ${ws.name}?`,
        message: `The workspace and its ${ws.memberCount} membership${ws.memberCount === 1 ? '' : 's'} are deleted; the users themselves stay. This cannot be undone.`,
        confirmLabel: 'Delete workspace',
      });
      if (!ok) return;
      delAlert.clear();
      await busy(delBtn, async () => {
        try {
          await api.del(`/v1/workspaces/${seg(id)}`, { ifMatch: etag });
          announce(`Workspace "${ws.name}" deleted.`);
          ctx.navigate('/workspaces');
        } catch (err) { delAlert.show(err); }
      });
    }, 'btn btn-danger');
    sections.push(h('section', { class: 'card card-danger', 'aria-label': 'Danger zone' },
      h('h2', { class: 'card-title' }, 'Danger zone'), delAlert.el,
      h('p', {}, 'Deleting a workspace removes every membership in it; pending invitations stop offering it.'),
      h('div', { class: 'actions' }, delBtn)));
  }

  main.append(h('div', { class: 'stack' }, sections));
}
