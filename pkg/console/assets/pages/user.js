// One user: profile (PATCH with If-Match), status, password, reset link,
// API keys, memberships, delete.

import { api, seg } from '../api.js';
import {
  h, field, pageHeader, alertRegion, fmtDate, roleLabel, statusBadge, badge, card, button, busy, showFormError,
  clearFormErrors, confirmDialog, announce, copyBox, loading, table,
} from '../ui.js';
import { href } from '../router.js';
import { newPasswordField, onPasswordSubmit } from '../password.js';
import { apiKeysSection } from '../apikeys.js';
import { roleOptions } from './users.js';
import { principalLink } from '../principal.js';

export const title = 'User';


export async function render(main, ctx) {
  const { session, params } = ctx;
  const id = params.id;
  const alert = alertRegion();
  const back = h('p', { class: 'crumbs' }, h('a', { href: href('/users') }, '← All users'));
  const slot = h('div', {}, loading('Loading the user…'));
  main.append(back, h('h1', { tabindex: '-1', class: 'page-title' }, 'User'), alert.el, slot);

  let user;
  let etag;
  try {
    const r = await api.get(`/v1/users/${seg(id)}`);
    user = r.data;
    etag = r.etag;
  } catch (err) {
    slot.replaceChildren();
    alert.show(err.status === 404 ? 'There is no such user; it may have been deleted.' : err);
    return;
  }

  const canWrite = session.can('users:write');
  const isSelf = session.me && session.me.id === user.id;
  const guardedSuper = user.role === 'super_admin' && session.role !== 'super_admin';
  const mayEdit = canWrite && !guardedSuper;

  const header = pageHeader(user.name, user.email);
  const badges = h('p', { class: 'badges' });
  const paintBadges = () => badges.replaceChildren(
    badge(roleLabel(user.role), 'accent'), ' ', statusBadge(user.status), ' ',
    h('span', { class: 'muted small' }, 'Created '), fmtDate(user.createdAt),
    h('span', { class: 'muted small' }, ' · Last sign-in '), fmtDate(user.lastLoginAt, 'never'));
  paintBadges();
  main.replaceChildren(back, header, badges, alert.el);
  const update = (u, newTag) => {
    user = u;
    if (newTag) etag = newTag;
    header.querySelector('h1').textContent = u.name;
    header.querySelector('.page-sub').textContent = u.email;
    paintBadges();
  };

  // --- profile
  const name = field({ label: 'Name', name: 'name', required: true, value: user.name, attrs: { maxlength: '100', autocomplete: 'off' } });
  const email = field({ label: 'Email', name: 'email', type: 'email', required: true, value: user.email, attrs: { autocomplete: 'off' } });
  const roleOpts = roleOptions(session);
  if (!roleOpts.some(([v]) => v === user.role)) roleOpts.unshift([user.role, roleLabel(user.role)]);
  const role = field({ label: 'Role', name: 'role', type: 'select', options: roleOpts, value: user.role, hint: isSelf ? 'You cannot change your own role.' : null });
  if (isSelf) role.control.disabled = true;
  const save = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save changes');
  const profAlert = alertRegion();
  const profile = h('form', { class: 'form', novalidate: true }, profAlert.el, name, email, role, h('div', { class: 'actions' }, save));
  if (!mayEdit) {
    for (const c of profile.querySelectorAll('input,select')) c.disabled = true;
    save.parentElement.replaceChildren(h('p', { class: 'hint' }, guardedSuper ? 'Only a super admin can change a super admin.' : 'Your role can view users but not change them.'));
  }
  profile.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(profile);
    profAlert.clear();
    const patch = {};
    if (name.control.value.trim() !== user.name) patch.name = name.control.value.trim();
    if (email.control.value.trim().toLowerCase() !== user.email) patch.email = email.control.value.trim();
    if (!role.control.disabled && role.control.value !== user.role) patch.role = role.control.value;
    if (!Object.keys(patch).length) { profAlert.show('Nothing to save: no field was changed.', 'info'); return; }
    await busy(save, async () => {
      try {
        const r = await api.patch(`/v1/users/${seg(id)}`, patch, { ifMatch: etag });
        update(r.data, r.etag);
        announce('Changes saved.');
      } catch (err) {
        if (err.code === 'precondition_failed') {
          profAlert.show('Someone else changed this user since you opened it. Reload the page to see the latest version, then make your change again.', 'warn');
        } else showFormError(profile, profAlert, err);
      }
    });
  });

  const invited = h('dl', { class: 'meta' },
    h('dt', {}, 'User ID'), h('dd', {}, h('code', {}, user.id)),
    h('dt', {}, 'Invited or created by'), h('dd', {}, principalLink(user.invitedBy, session, 'Nobody (created at setup)')),
    h('dt', {}, 'Last updated'), h('dd', {}, fmtDate(user.updatedAt)));

  const sections = [card('Profile', profile, invited)];

  if (mayEdit) {
    // --- status
    const statusAlert = alertRegion();
    const statusText = h('p', {});
    const statusBtn = h('button', { type: 'button', class: 'btn' });
    const paintStatus = () => {
      const active = user.status === 'active';
      statusText.textContent = active
        ? 'This user is active. Deactivating ends their sessions and stops their API keys at once; nothing is deleted.'
        : 'This user is deactivated: they cannot sign in and their API keys do not work.';
      statusBtn.textContent = active ? 'Deactivate user' : 'Reactivate user';
      statusBtn.className = active ? 'btn btn-danger-outline' : 'btn btn-primary';
      statusBtn.disabled = isSelf;
    };
    paintStatus();
    statusBtn.addEventListener('click', async () => {
      const active = user.status === 'active';
      if (active) {
        const ok = await confirmDialog({ title: `Deactivate ${user.name}?`, message: `${user.email} will be signed out and cannot sign in until reactivated. Their API keys stop working.`, confirmLabel: 'Deactivate' });
        if (!ok) return;
      }
      statusAlert.clear();
      await busy(statusBtn, async () => {
        try {
          const r = await api.post(`/v1/users/${seg(id)}/${active ? 'deactivate' : 'reactivate'}`, undefined, { ifMatch: etag });
          update(r.data, r.etag);
          announce(active ? `${user.email} is deactivated.` : `${user.email} is active again.`);
        } catch (err) { statusAlert.show(err.code === 'precondition_failed' ? 'This user changed meanwhile; reload the page and try again.' : err); }
      });
      paintStatus();
    });
    sections.push(card('Status', statusAlert.el, statusText, isSelf ? h('p', { class: 'hint' }, 'You cannot deactivate yourself.') : null, h('div', { class: 'actions' }, statusBtn)));

    // --- password
    const pw = newPasswordField({ label: 'New password' });
    const setBtn = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Set password');
    const pwAlert = alertRegion();
    const pwForm = h('form', { class: 'form', novalidate: true, 'aria-label': 'Set a password' }, pwAlert.el,
      h('p', { class: 'hint' }, 'Setting a password signs the user out everywhere; their API keys keep working.'), pw.el, h('div', { class: 'actions' }, setBtn));
    onPasswordSubmit(pwForm, pwAlert, pw, async () => {
      await busy(setBtn, async () => {
        try {
          await api.put(`/v1/users/${seg(id)}/password`, { password: pw.input.value });
          pwForm.reset();
          pw.check();
          announce('Password set. The user was signed out of every session.');
          pwAlert.show('Password set. The user was signed out of every session.', 'ok');
        } catch (err) { showFormError(pwForm, pwAlert, err); }
      });
    });

    const resetAlert = alertRegion();
    const resetOut = h('div', {});
    const resetBtn = button('Email a reset link', async (e) => {
      resetAlert.clear();
      await busy(e.target, async () => {
        try {
          const { data } = await api.post(`/v1/users/${seg(id)}/password-reset`);
          resetOut.replaceChildren(
            h('p', { class: data.emailSent ? 'ok-text' : 'warn-text' }, data.emailSent
              ? `A reset link was emailed to ${user.email}. It works once, for one hour.`
              : 'The email could not be sent. Pass this link on yourself; it works once, for one hour.'),
            copyBox(data.resetUrl, 'Reset link'));
          announce(data.emailSent ? 'Reset link sent.' : 'Reset link created, but the email failed.', data.emailSent ? 'ok' : 'warn');
        } catch (err) { resetAlert.show(err); }
      });
    }, 'btn btn-secondary');
    sections.push(card('Password', pwForm,
      h('hr', { class: 'sep' }),
      h('h3', { class: 'sub-title' }, 'Password reset by email'),
      h('p', { class: 'hint' }, 'Sends the user a single-use link to choose a new password themselves.'),
      resetAlert.el, h('div', { class: 'actions' }, resetBtn), resetOut));

    // --- API keys
    sections.push(apiKeysSection(`/v1/users/${seg(id)}/api-keys`, { title: 'API keys', who: user.email }));
  }

  // --- memberships
  const wsAlert = alertRegion();
  const wsList = h('div', {}, loading());
  sections.push(card('Workspaces', wsAlert.el, wsList));
  api.get(`/v1/users/${seg(id)}/workspaces`, { limit: 200 }).then(({ data }) => {
    wsList.replaceChildren(table({
      caption: 'Workspaces of this user',
      items: data.items,
      empty: 'Not a member of any workspace.',
      columns: [
        { label: 'Workspace', cell: (m) => (session.can('workspaces:read') ? h('a', { href: href(`/workspaces/${encodeURIComponent(m.workspace.id)}`) }, m.workspace.name) : m.workspace.name) },
        { label: 'Role', cell: (m) => badge(roleLabel(m.role)) },
        { label: 'Since', cell: (m) => fmtDate(m.addedAt) },
      ],
    }));
  }).catch((err) => { wsList.replaceChildren(); wsAlert.show(err); });

  // --- delete
  if (mayEdit && !isSelf) {
    const delAlert = alertRegion();
    const delBtn = button('Delete user', async () => {
      const ok = await confirmDialog({
        title: `Delete ${user.name}?`,
        message: `${user.email} will be deleted with their memberships, API keys and sessions. This cannot be undone.`,
        confirmLabel: 'Delete user',
      });
      if (!ok) return;
      delAlert.clear();
      await busy(delBtn, async () => {
        try {
          await api.del(`/v1/users/${seg(id)}`, { ifMatch: etag });
          announce(`${user.email} was deleted.`);
          ctx.navigate('/users');
        } catch (err) { delAlert.show(err); }
      });
    }, 'btn btn-danger');
    sections.push(h('section', { class: 'card card-danger', 'aria-label': 'Danger zone' },
      h('h2', { class: 'card-title' }, 'Danger zone'), delAlert.el,
      h('p', {}, 'Deleting a user removes their memberships, API keys and sessions for good.'),
      h('div', { class: 'actions' }, delBtn)));
  }

  main.append(h('div', { class: 'stack' }, sections));
}
