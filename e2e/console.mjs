// End-to-end test of the Usher admin console, with Playwright driving a
// local Chromium against a running Usher (e.g. `usher dev`).
//
//   USHER_URL=http://127.0.0.1:3100 SES_URL=http://127.0.0.1:8005 \
//   ADMIN_TOKEN=$(cat .local/dev-admin-token) SHOTS_DIR=.local/console-shots node console.mjs
//
// Exits 0 only when every step passed.

import { chromium } from 'playwright-core';
import { mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

const USHER_URL = (process.env.USHER_URL || 'http://127.0.0.1:3000').replace(/\/+$/, '');
const SES_URL = (process.env.SES_URL || '').replace(/\/+$/, '');
const ADMIN_TOKEN = (process.env.ADMIN_TOKEN || '').trim();
const SHOTS_DIR = process.env.SHOTS_DIR || 'console-shots';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ORIGIN = new URL(USHER_URL).origin;
const DEADLINE_MS = 110_000;

if (!SES_URL || !ADMIN_TOKEN) {
  console.error('console.mjs: set USHER_URL, SES_URL, ADMIN_TOKEN (and SHOTS_DIR)');
  process.exit(2);
}
mkdirSync(SHOTS_DIR, { recursive: true });
for (const f of readdirSync(SHOTS_DIR)) if (/^\d\d-[\w-]+\.png$/.test(f)) unlinkSync(join(SHOTS_DIR, f)); // last run's

const started = Date.now();
const problems = []; // console errors, page errors, CSP violations, foreign requests
const expected = []; // API error answers the flow provokes on purpose
let stepName = '';
let shotNo = 0;

const log = (...a) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s]`, ...a);

class StepError extends Error {}
function assert(cond, message) {
  if (!cond) throw new StepError(message);
}

async function step(name, fn) {
  stepName = name;
  const t = Date.now();
  try {
    await fn();
    log(`ok   ${name} (${Date.now() - t} ms)`);
  } catch (err) {
    log(`FAIL ${name}: ${err.message.split('\n')[0]}`);
    throw err;
  }
}

/** Watches a page for anything that must not happen. */
function watch(page, label) {
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    const loc = msg.location() || {};
    // Chromium logs every 4xx answer as "Failed to load resource"; the API's
    // own refusals (e.g. a weak password) are part of the flow, not a defect.
    if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(text) && loc.url && new URL(loc.url).pathname.startsWith('/v1/')) {
      expected.push(`${label}: ${text} (${new URL(loc.url).pathname})`);
      return;
    }
    problems.push(`[${label}] console error during "${stepName}": ${text}${loc.url ? ` at ${loc.url}:${loc.lineNumber}` : ''}`);
  });
  page.on('pageerror', (err) => problems.push(`[${label}] page error during "${stepName}": ${err.message}`));
  page.on('request', (req) => {
    const url = req.url();
    if (url.startsWith('data:') || url.startsWith('blob:') || url.startsWith('about:')) return;
    let origin;
    try { origin = new URL(url).origin; } catch { origin = url; }
    if (origin !== ORIGIN) problems.push(`[${label}] request to another origin during "${stepName}": ${req.method()} ${url}`);
  });
  page.on('requestfailed', (req) => {
    const f = req.failure();
    if (f && /ERR_ABORTED/.test(f.errorText)) return; // navigation away mid-request
    problems.push(`[${label}] request failed during "${stepName}": ${req.method()} ${req.url()} ${f ? f.errorText : ''}`);
  });
}

async function shot(page, name) {
  shotNo += 1;
  const file = join(SHOTS_DIR, `${String(shotNo).padStart(2, '0')}-${name}.png`);
  // Passing toasts would cover what the shot is about: clear them first (an
  // injected stylesheet would be, rightly, refused by the console's CSP).
  await page.evaluate(() => document.getElementById('toasts')?.replaceChildren());
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
  return file;
}

async function heading(page, text) {
  await page.getByRole('heading', { level: 1, name: text }).waitFor({ state: 'visible' });
}

async function apiStatus(path, token) {
  const res = await fetch(`${USHER_URL}${path}`, { headers: { Authorization: `Bearer ${token}` } });
  return res.status;
}

/** Polls the SES emulator for the newest mail to `to`. */
async function findMail(to, timeoutMs = 15_000, pick = () => true) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const res = await fetch(`${SES_URL}/store`);
    assert(res.ok, `GET ${SES_URL}/store answered ${res.status}`);
    const { emails = [] } = await res.json();
    const mine = emails.filter((m) => [].concat(m.destination?.to || []).some((a) => String(a).toLowerCase().includes(to)) && pick(m));
    if (mine.length) return mine[mine.length - 1];
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new StepError(`no email to ${to} in ${SES_URL}/store after ${timeoutMs} ms`);
}

const killer = setTimeout(() => {
  console.error(`console.mjs: FAILED — still running after ${DEADLINE_MS / 1000} s (step "${stepName}")`);
  process.exit(1);
}, DEADLINE_MS);

const stamp = Date.now().toString(36);
const inviteEmail = `e2e-${stamp}@example.com`;
const inviteName = `E2E Person ${stamp}`;
const goodPassword = `Quiet-Lantern-${stamp}-42`;
const tokenName = `e2e token ${stamp}`;
const workspaceName = `E2E Workspace ${stamp}`;
const displayName = `${inviteName} Jr`;
const newPassword = `Brisk-Harbour-${stamp}-77`;
const batch1 = `e2e-b1-${stamp}@example.com`;
const robotEmail = `e2e-robot-${stamp}@example.com`;
const robotName = `E2E Robot ${stamp}`;
const batch2 = `e2e-b2-${stamp}@example.com`;

let browser;
let exitCode = 0;
try {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const admin = await browser.newContext({ viewport: { width: 1280, height: 860 }, baseURL: USHER_URL });
  admin.setDefaultTimeout(10_000);
  const page = await admin.newPage();
  watch(page, 'admin');

  let inviteLinkShown = '';
  let acceptLink = '';

  await step('open /console/ → sign-in screen', async () => {
    const res = await page.goto('/console/');
    assert(res && res.ok(), `GET /console/ answered ${res && res.status()}`);
    const csp = res.headers()['content-security-policy'] || '';
    assert(csp.includes("script-src 'self'"), 'the console page has no Content-Security-Policy');
    await heading(page, 'Sign in to Usher');
    await page.getByRole('tab', { name: 'Email and password' }).waitFor();
    await shot(page, 'signin');
  });

  await step('sign in by pasting the admin token', async () => {
    await page.getByRole('tab', { name: 'Token' }).click();
    await page.getByLabel('Admin token or API key').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Use this token' }).click();
    await heading(page, 'Dashboard');
    const token = await page.evaluate(() => sessionStorage.getItem('usher.console.token'));
    assert(token === ADMIN_TOKEN, 'the token is not kept in sessionStorage');
    const cookies = await admin.cookies();
    assert(cookies.length === 0, `the console set cookies: ${cookies.map((c) => c.name).join(', ')}`);
    assert(!page.url().includes(ADMIN_TOKEN.slice(5)), 'the token appears in the URL');
  });

  await step('dashboard shows the insights cards and the chart', async () => {
    for (const label of ['Users', 'Workspaces', 'Pending invitations', 'Tokens', 'Requests today']) {
      await page.locator('.stat').filter({ has: page.getByRole('heading', { name: label, exact: true }) }).waitFor();
    }
    const users = await page.locator('.stat').first().locator('.stat-value').textContent();
    assert(/^\d[\d,.\s]*$/.test(users.trim()) && parseInt(users, 10) >= 1, `the Users card shows "${users}"`);
    const bars = await page.locator('svg.chart rect.chart-bar').count();
    assert(bars === 7, `the requests chart has ${bars} bars, not 7`);
    await shot(page, 'dashboard');
  });

  await step(`invite ${inviteEmail} as editor`, async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Invitations' }).click();
    await heading(page, 'Invitations');
    const form = page.getByRole('form', { name: 'Invite one person' });
    await form.getByLabel('Email', { exact: true }).fill(inviteEmail);
    await form.getByLabel('Instance role').selectOption('editor');
    await form.getByRole('button', { name: 'Send invitation' }).click();
    const panel = page.locator('.result-panel').filter({ hasText: inviteEmail });
    await panel.getByRole('heading', { name: `Invitation created for ${inviteEmail}` }).waitFor();
    await panel.getByText(`An email with the link went to ${inviteEmail}.`).waitFor();
    inviteLinkShown = await panel.getByLabel('Invitation link').inputValue();
    assert(/\/console\/accept\?token=ushi_[0-9A-Za-z]{38}$/.test(inviteLinkShown), `the invitation link looks wrong: ${inviteLinkShown}`);
    const row = page.locator('table tbody tr').filter({ hasText: inviteEmail });
    await row.waitFor();
    await row.getByText('pending').waitFor();
    await shot(page, 'invitations');
  });

  await step('find the invitation email in the SES emulator', async () => {
    const mail = await findMail(inviteEmail);
    const bodies = `${mail.body?.text || ''}\n${(mail.body?.html || '').replace(/&amp;/g, '&')}`;
    const m = /https?:\/\/[^\s"'<>]+\/console\/accept\?token=ushi_[0-9A-Za-z]{38}/.exec(bodies);
    assert(m, `no accept link in the mail "${mail.subject}"`);
    acceptLink = m[0];
    assert(acceptLink === inviteLinkShown, `the mailed link differs from the one shown: ${acceptLink} vs ${inviteLinkShown}`);
    assert(new URL(acceptLink).origin === ORIGIN, `the accept link points elsewhere: ${acceptLink}`);
  });

  const guestCtx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  guestCtx.setDefaultTimeout(10_000);
  const guest = await guestCtx.newPage();
  watch(guest, 'invitee');

  await step('open the link signed out: preview, weak password refused, then accept', async () => {
    await guest.goto(acceptLink);
    await heading(guest, 'Accept your invitation');
    const summary = guest.getByRole('region', { name: 'Your invitation' });
    await summary.getByText(inviteEmail).waitFor();
    await summary.getByText('Editor').waitFor();
    assert(await guest.getByLabel('Email', { exact: true }).inputValue() === inviteEmail, 'the email field does not show the invitee');
    await guest.getByLabel('Your name').fill(inviteName);
    const pw = guest.getByLabel('Choose a password');
    await pw.fill('tapir');
    await guest.getByText('This password does not meet the policy yet:').waitFor();
    await guest.locator('.pw-rules li').filter({ hasText: /at least \d+ characters/ }).waitFor();
    await shot(guest, 'accept-weak-password');
    await pw.fill('password1234');
    // The check is debounced: wait for the length rule to go, then for the verdict on the new value.
    await guest.locator('.pw-rules li').filter({ hasText: /at least/ }).waitFor({ state: 'detached' });
    await guest.locator('.pw-rules li').filter({ hasText: 'too common' }).waitFor();
    await pw.fill(goodPassword);
    await guest.getByText('This password meets the password policy.').waitFor();
    await guest.getByLabel('Repeat the password').fill(goodPassword);
    await guest.getByRole('button', { name: 'Accept and create my account' }).click();
    await heading(guest, 'Dashboard');
    await guest.locator('.userbox-name').getByText(inviteName).waitFor();
    const t = await guest.evaluate(() => sessionStorage.getItem('usher.console.token'));
    assert(t && t.startsWith('ushs_'), 'the new session is not kept');
  });

  await step('admin finds the new user in Users', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
    await heading(page, 'Users');
    await page.getByRole('searchbox', { name: 'Search' }).fill(inviteEmail);
    const row = page.locator('table tbody tr').filter({ hasText: inviteEmail });
    await row.waitFor();
    await row.getByText('Editor').waitFor();
    await row.getByText('active').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('table tbody tr').length === 1, null, { timeout: 5000 })
      .catch(() => { throw new StepError('the search does not narrow the list to the one user'); });
    await page.getByText(/^Showing 1–1 users$/).waitFor();
    await shot(page, 'users');
    await row.getByRole('link', { name: `Manage ${inviteName}` }).click();
    await heading(page, inviteName);
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    await page.getByText(`No API keys for ${inviteEmail} yet.`).waitFor();
    await page.getByText('Not a member of any workspace.').waitFor();
    await page.locator('.meta').getByRole('link', { name: /@/ }).waitFor(); // who invited them, by email
    await shot(page, 'user-detail');
  });

  await step('user page: rename (If-Match), deactivate (the invitee is signed out), reactivate', async () => {
    const profile = page.getByRole('region', { name: 'Profile' });
    await profile.getByLabel('Name').fill(displayName);
    await profile.getByRole('button', { name: 'Save changes' }).click();
    await heading(page, displayName);
    await page.getByRole('button', { name: 'Deactivate user' }).click();
    await page.getByRole('dialog', { name: `Deactivate ${displayName}?` }).getByRole('button', { name: 'Deactivate' }).click();
    await page.locator('.badges').getByText('deactivated').waitFor();
    // The invitee's session ended with the deactivation: its next call drops it.
    await guest.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
    await heading(guest, 'Sign in to Usher');
    await guest.getByRole('alert').filter({ hasText: 'Your session has ended or the token is no longer valid' }).waitFor();
    assert(!(await guest.evaluate(() => sessionStorage.getItem('usher.console.token'))), 'the refused token is still kept');
    await page.getByRole('button', { name: 'Reactivate user' }).click();
    await page.locator('.badges').getByText('active', { exact: true }).waitFor();
  });

  await step('user page: API key created, used, rotated, deleted', async () => {
    const keys = page.getByRole('region', { name: 'API keys' });
    await keys.getByLabel('Key name').fill('e2e key');
    await keys.getByLabel('Expires after (days)').fill('30');
    await keys.getByRole('button', { name: 'Create API key' }).click();
    const panel = keys.locator('.secret-panel');
    await panel.getByRole('heading', { name: 'API key "e2e key" created' }).waitFor();
    const first = await panel.getByLabel('Your new API key').inputValue();
    assert(/^ushk_[0-9A-Za-z]{38}$/.test(first), 'the API key shown does not look like one');
    assert(await apiStatus('/v1/me', first) === 200, 'the new API key does not work');
    const row = keys.locator('table tbody tr').filter({ hasText: 'e2e key' });
    await row.getByRole('button', { name: 'Rotate API key e2e key' }).click();
    await page.getByRole('dialog', { name: 'Rotate "e2e key"?' }).getByRole('button', { name: 'Rotate key' }).click();
    await panel.getByRole('heading', { name: 'New secret for "e2e key"' }).waitFor();
    const second = await panel.getByLabel('Your new API key').inputValue();
    assert(second !== first && second.startsWith('ushk_'), 'rotating showed no new secret');
    assert(await apiStatus('/v1/me', first) === 403, 'the rotated-out key still works');
    assert(await apiStatus('/v1/me', second) === 200, 'the rotated key does not work');
    await row.getByRole('button', { name: 'Delete API key e2e key' }).click();
    await page.getByRole('dialog', { name: 'Delete "e2e key"?' }).getByRole('button', { name: 'Delete key' }).click();
    await keys.getByText(`No API keys for ${inviteEmail} yet.`).waitFor();
    assert(await apiStatus('/v1/me', second) === 403, 'the deleted key still works');
  });

  await step('password reset: link emailed, reset page checks and sets the new password', async () => {
    await page.getByRole('button', { name: 'Email a reset link' }).click();
    const shown = await page.getByLabel('Reset link').inputValue();
    assert(/\/console\/reset\?token=ushr_[0-9A-Za-z]{38}$/.test(shown), `the reset link looks wrong: ${shown}`);
    const mail = await findMail(inviteEmail, 15_000, (m) => /\/console\/reset\?token=/.test(`${m.body?.text || ''}${m.body?.html || ''}`));
    const m = /https?:\/\/[^\s"'<>]+\/console\/reset\?token=ushr_[0-9A-Za-z]{38}/.exec(`${mail.body?.text || ''}\n${(mail.body?.html || '').replace(/&amp;/g, '&')}`);
    assert(m && m[0] === shown, 'the mailed reset link differs from the one shown');
    await guest.goto(shown);
    await heading(guest, 'Choose a new password');
    await guest.getByLabel('New password').fill('short');
    await guest.locator('.pw-rules li').filter({ hasText: /at least \d+ characters/ }).waitFor();
    await guest.getByLabel('New password').fill(newPassword);
    await guest.getByText('This password meets the password policy.').waitFor();
    await guest.getByLabel('Repeat the password').fill(`${newPassword}x`);
    await guest.getByRole('button', { name: 'Set my new password' }).click();
    await guest.getByText('The two passwords are not the same.').waitFor();
    await guest.getByLabel('Repeat the password').fill(newPassword);
    await guest.getByRole('button', { name: 'Set my new password' }).click();
    await heading(guest, 'Password changed');
  });

  await step('invite many: per-row results, then revoke one and resend another', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Invitations' }).click();
    await heading(page, 'Invitations');
    const many = page.getByRole('form', { name: 'Invite many people' });
    await many.getByLabel('Email addresses').fill(`${batch1}, ${batch2}\n${inviteEmail}`);
    await many.getByRole('button', { name: 'Send invitations' }).click();
    const result = page.locator('.result-panel').filter({ has: page.getByRole('heading', { name: '2 of 3 invited' }) });
    await result.waitFor();
    await result.locator('tr').filter({ hasText: inviteEmail }).getByText('Failed (409)').waitFor();
    await result.locator('tr').filter({ hasText: batch1 }).getByText(/Invited/).waitFor();
    const list = page.getByRole('region', { name: 'All invitations' });
    const r1 = list.locator('tbody tr').filter({ hasText: batch1 });
    await r1.getByRole('button', { name: `Revoke the invitation to ${batch1}` }).click();
    await page.getByRole('dialog', { name: 'Revoke this invitation?' }).getByRole('button', { name: 'Revoke' }).click();
    await r1.getByText('revoked').waitFor();
    const r2 = list.locator('tbody tr').filter({ hasText: batch2 });
    await r2.getByRole('button', { name: `Resend the invitation to ${batch2}` }).click();
    await list.getByRole('heading', { name: `New link for ${batch2}` }).waitFor();
    await r2.getByText('Sent ×2').waitFor();
  });

  await step('create a user directly (an API user)', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
    await heading(page, 'Users');
    await page.getByRole('button', { name: 'Create user' }).click();
    const dlg = page.getByRole('dialog', { name: 'Create a user' });
    await dlg.getByLabel('Email').fill('not-an-email');
    await dlg.getByLabel('Name').fill(robotName);
    await dlg.getByLabel('Role').selectOption('api_user');
    await dlg.getByRole('button', { name: 'Create user' }).click();
    const email = dlg.getByLabel('Email');
    await dlg.locator('[aria-invalid="true"][name="email"]').waitFor();
    const errId = (await email.getAttribute('aria-describedby')).split(' ').find((x) => x.endsWith('-err'));
    assert((await dlg.locator(`#${errId}`).textContent()).length > 0, 'no message next to the bad email');
    await email.fill(robotEmail);
    await dlg.getByRole('button', { name: 'Create user' }).click();
    await dlg.waitFor({ state: 'detached' });
    await page.getByRole('searchbox', { name: 'Search' }).fill(robotEmail);
    await page.locator('table tbody tr').filter({ hasText: robotEmail }).getByText('API user').waitFor();
  });

  await step('create an admin token (30 days), use it, revoke it', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin tokens' }).click();
    await heading(page, 'Admin tokens');
    await page.getByLabel('Token name').fill(tokenName);
    await page.getByLabel('Expires after').selectOption('30');
    await page.getByRole('button', { name: 'Create token' }).click();
    const panel = page.locator('.secret-panel');
    await panel.getByRole('heading', { name: `Admin token "${tokenName}" created` }).waitFor();
    await panel.getByText('will not be shown again').waitFor();
    const secret = await panel.getByLabel('Your new admin token').inputValue();
    assert(/^usha_[0-9A-Za-z]{38}$/.test(secret), `the secret shown does not look like an admin token: ${secret.slice(0, 8)}…`);
    const row = page.locator('table tbody tr').filter({ hasText: tokenName });
    await row.waitFor();
    await shot(page, 'tokens-secret');
    const ok = await apiStatus('/v1/insights', secret);
    assert(ok === 200, `GET /v1/insights with the new token answered ${ok}`);
    await row.getByRole('button', { name: `Revoke admin token ${tokenName}` }).click();
    const dlg = page.getByRole('dialog', { name: `Revoke "${tokenName}"?` });
    await dlg.waitFor();
    assert(await dlg.getByRole('button', { name: 'Cancel' }).evaluate((b) => b === document.activeElement), 'focus did not move to the dialog\'s Cancel button');
    await shot(page, 'tokens-revoke-dialog');
    await dlg.getByRole('button', { name: 'Revoke token' }).click();
    await row.waitFor({ state: 'detached' });
    assert(await page.locator('.secret-panel').count() === 0, 'the secret of the revoked token is still on screen');
    const gone = await apiStatus('/v1/insights', secret);
    assert(gone === 403, `GET /v1/insights with the revoked token answered ${gone}, not 403`);
  });

  await step('workspaces: create one owned by the new user', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Workspaces' }).click();
    await heading(page, 'Workspaces');
    await page.getByRole('button', { name: 'Create workspace' }).click();
    const dlg = page.getByRole('dialog', { name: 'Create a workspace' });
    await dlg.getByLabel('Name').fill(workspaceName);
    await dlg.getByLabel('Description (optional)').fill('Made by the console end-to-end test.');
    await dlg.getByLabel(/^Owner/).fill(inviteEmail);
    await dlg.getByRole('button', { name: 'Create workspace' }).click();
    await heading(page, workspaceName);
    const row = page.locator('table tbody tr').filter({ hasText: inviteEmail });
    await row.waitFor();
    assert(await row.getByRole('combobox').inputValue() === 'owner', 'the new user is not the owner');
    const details = page.getByRole('region', { name: 'Details' });
    await details.getByLabel('Description').fill('Edited by the console end-to-end test.');
    await details.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('.page-sub').getByText('Edited by the console end-to-end test.').waitFor();
    const members = page.getByRole('region', { name: 'Members' });
    await members.getByLabel('User (email or ID)').fill('nobody-here@example.com');
    await members.getByRole('button', { name: 'Add member' }).click();
    await members.getByText('no user has this email').waitFor();
    await members.getByLabel('User (email or ID)').fill(robotEmail);
    await members.getByRole('button', { name: 'Add member' }).click();
    const adminRow = members.locator('tbody tr').filter({ hasText: robotEmail });
    await adminRow.waitFor();
    await adminRow.getByRole('combobox').selectOption('admin');
    await page.getByText(`${robotEmail} is now Admin.`).waitFor();
    await shot(page, 'workspace-detail');
    await adminRow.getByRole('button', { name: `Remove ${robotEmail}` }).click();
    await page.getByRole('dialog', { name: /^Remove / }).getByRole('button', { name: 'Remove member' }).click();
    await adminRow.waitFor({ state: 'detached' });
    await page.getByRole('link', { name: '← All workspaces' }).click();
    await heading(page, 'Workspaces');
    await page.locator('table tbody tr').filter({ hasText: workspaceName }).waitFor();
    await shot(page, 'workspaces');
  });

  await step('audit log lists what just happened', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    await heading(page, 'Audit log');
    await page.locator('table tbody tr').first().waitFor();
    for (const action of ['admin_token.deleted', 'admin_token.created', 'invitation.accepted', 'workspace.created']) {
      await page.locator('table tbody tr .badge').filter({ hasText: action }).first().waitFor();
    }
    await page.getByLabel('Action').selectOption('invitation.accepted');
    await page.waitForFunction(() => {
      const badges = [...document.querySelectorAll('table tbody tr .badge')];
      return badges.length > 0 && badges.every((b) => b.textContent === 'invitation.accepted');
    }, null, { timeout: 5000 }).catch(() => { throw new StepError('the action filter does not narrow the list to invitation.accepted'); });
    await page.locator('table tbody tr').filter({ hasText: inviteEmail }).first().waitFor();
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.locator('table tbody tr .badge').filter({ hasText: 'admin_token.created' }).first().waitFor();
    await shot(page, 'audit');
  });

  await step('settings: a bad value is shown next to its field', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await heading(page, 'Settings');
    const name = await page.getByLabel('Instance name').inputValue();
    assert(name.length > 0, 'the instance name is empty');
    const days = page.getByLabel('Invitations expire after (days)');
    const before = await days.inputValue();
    await days.fill('99');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.locator('#' + (await days.getAttribute('id')) + '[aria-invalid="true"]').waitFor();
    const describedBy = await days.getAttribute('aria-describedby');
    const errId = describedBy.split(' ').find((x) => x.endsWith('-err'));
    const errText = await page.locator(`#${errId}`).textContent();
    assert(errText && errText.trim().length > 0, 'no error message next to the field');
    await page.getByRole('alert').filter({ hasText: 'highlighted' }).waitFor();
    await shot(page, 'settings');
    await days.fill(before);
    const ttl = page.getByLabel('Session lifetime (hours)');
    const ttlBefore = await ttl.inputValue();
    await ttl.fill(String(Number(ttlBefore) + 1));
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('alert').filter({ hasText: 'Settings saved.' }).waitFor();
    assert(await days.getAttribute('aria-invalid') === null, 'the fixed field is still marked invalid');
    await page.getByRole('button', { name: 'Reset to defaults' }).click();
    await page.getByRole('dialog', { name: 'Reset every setting?' }).getByRole('button', { name: 'Reset to defaults' }).click();
    await page.getByRole('alert').filter({ hasText: 'Every setting is back to its default.' }).waitFor();
    assert(await ttl.inputValue() === '12', 'the session lifetime is not back to its default of 12');
  });

  await step('phone viewport (375×740): dashboard and users', async () => {
    await page.setViewportSize({ width: 375, height: 740 });
    const toggle = page.getByRole('button', { name: 'Menu' });
    await toggle.waitFor();
    assert(await toggle.getAttribute('aria-expanded') === 'false', 'the menu starts open');
    await toggle.click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
    await heading(page, 'Dashboard');
    await page.locator('svg.chart').waitFor();
    let width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert(width <= 375, `the dashboard is ${width}px wide at a 375px viewport`);
    await shot(page, 'phone-dashboard');
    await toggle.click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
    await heading(page, 'Users');
    await page.locator('table tbody tr').first().waitFor();
    width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert(width <= 375, `the users page is ${width}px wide at a 375px viewport`);
    await shot(page, 'phone-users');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  await step('sign out, then sign in with email and password as the new user', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await heading(page, 'Sign in to Usher');
    const kept = await page.evaluate(() => sessionStorage.getItem('usher.console.token'));
    assert(!kept, 'the token is still kept after signing out');
    await page.getByLabel('Email', { exact: true }).fill(inviteEmail);
    await page.getByLabel('Password', { exact: true }).fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'The email or password is not right' }).waitFor();
    await page.getByLabel('Password', { exact: true }).fill(newPassword);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await heading(page, 'Dashboard');
    await page.locator('.userbox-name').getByText(displayName).waitFor();
    const t = await page.evaluate(() => sessionStorage.getItem('usher.console.token'));
    assert(t && t.startsWith('ushs_'), 'signing in did not keep a session token');
    await shot(page, 'signed-in-as-invitee');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My account' }).click();
    await heading(page, 'My account');
    await page.getByText(workspaceName).waitFor();
    await page.getByText('No API keys for you yet.').waitFor();
    // Change the own password: a repeat that differs is refused next to it, then it goes through.
    const pwCard = page.getByRole('form', { name: 'Change your password' });
    await pwCard.getByLabel('Current password').fill(newPassword);
    await pwCard.getByLabel('New password').fill(`${newPassword}-again`);
    await pwCard.getByLabel('Repeat the password').fill('something else entirely');
    await pwCard.getByRole('button', { name: 'Change password' }).click();
    await pwCard.getByText('The two passwords are not the same.').waitFor();
    await pwCard.getByLabel('Repeat the password').fill(`${newPassword}-again`);
    await pwCard.getByRole('button', { name: 'Change password' }).click();
    await pwCard.getByText('Your password was changed.').waitFor();
    await shot(page, 'account');
    // An editor has no admin tokens, settings or audit log.
    const nav = page.getByRole('navigation', { name: 'Main' });
    assert(await nav.getByRole('link', { name: 'Admin tokens' }).count() === 0, 'an editor sees Admin tokens');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await heading(page, 'Sign in to Usher');
    const after = await apiStatus('/v1/me', t);
    assert(after === 403, `the session still works after signing out (GET /v1/me answered ${after})`);
  });

  await step('accessibility (axe-core, WCAG 2 A/AA): no serious or critical violation on any page', async () => {
    // axe is injected as a script, which the console's CSP rightly refuses:
    // this context alone bypasses it (every other step runs under the CSP).
    const res = await fetch(`${USHER_URL}/v1/invitations`, {
      method: 'POST', headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: `a11y-${Date.now().toString(36)}@example.com`, role: 'viewer', sendEmail: false }),
    });
    assert(res.status === 201, `inviting for the accept page answered ${res.status}`);
    const fresh = new URL((await res.json()).inviteUrl);
    const pages = [
      ['sign-in', '/console/', null],
      ['accept', fresh.pathname + fresh.search, null],
      ['dashboard', '/console/', ADMIN_TOKEN],
      ['users', '/console/users', ADMIN_TOKEN],
      ['invitations', '/console/invitations', ADMIN_TOKEN],
      ['workspaces', '/console/workspaces', ADMIN_TOKEN],
      ['admin tokens', '/console/tokens', ADMIN_TOKEN],
      ['audit log', '/console/audit', ADMIN_TOKEN],
      ['settings', '/console/settings', ADMIN_TOKEN],
    ];
    const found = [];
    for (const [name, path, token] of pages) {
      const ctx = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 860 } });
      if (token) await ctx.addInitScript((t) => sessionStorage.setItem('usher.console.token', t), token);
      const p = await ctx.newPage();
      await p.goto(USHER_URL + path);
      await p.locator('main h1').first().waitFor();
      await p.waitForLoadState('networkidle');
      await p.addScriptTag({ path: AXE });
      const violations = await p.evaluate(async () => {
        const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
        return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')}`);
      });
      for (const v of violations) found.push(`${name}: ${v}`);
      await ctx.close();
    }
    assert(found.length === 0, `accessibility violations:\n  ${found.join('\n  ')}`);
  });

  await guestCtx.close();
  await admin.close();
} catch (err) {
  exitCode = 1;
  console.error(`\nconsole.mjs: FAILED at step "${stepName}": ${err.message}`);
} finally {
  if (browser) await browser.close().catch(() => {});
  clearTimeout(killer);
}

if (expected.length) log(`${expected.length} API refusal(s) provoked on purpose (e.g. ${expected[0]})`);
if (problems.length) {
  exitCode = 1;
  console.error(`\nconsole.mjs: FAILED — ${problems.length} problem(s) seen in the browser:`);
  for (const p of problems) console.error(`  - ${p}`);
}
if (exitCode === 0) log(`PASSED: every step, no console errors, page errors, CSP violations or foreign requests; ${shotNo} screenshots in ${SHOTS_DIR}`);
process.exit(exitCode);
