// ui.js — DOM helpers shared by every page. Everything the API returns is
// rendered with text nodes: no innerHTML with data anywhere.

let uid = 0;
export const nextId = (p = 'id') => `${p}-${++uid}`;

/**
 * h('button', {class: 'btn', onclick: fn, type: 'button'}, 'Save')
 * Attributes: class, text, dataset, aria-* / any attribute; on<event>: listener;
 * boolean false / null / undefined: left out. Children: nodes, strings, arrays.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
export function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

function applyAttrs(el, attrs) {
  if (!attrs) return;
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') el.textContent = String(v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'value' && 'value' in el) el.value = v;
    else if (k === 'checked' || k === 'selected' || k === 'indeterminate') el[k] = !!v;
    else if (k === 'style') throw new Error('inline styles are not allowed by the CSP; use a class');
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function debounce(fn, ms) {
  let t;
  const d = (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
  d.cancel = () => clearTimeout(t);
  return d;
}

// ---------------------------------------------------------------- formatting

const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const thisYearFmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });
const dayFmt = new Intl.DateTimeFormat(undefined, { weekday: 'short', timeZone: 'UTC' });

export function fmtDate(iso, empty = '—') {
  if (!iso) return document.createTextNode(empty);
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return document.createTextNode(String(iso));
  // The year only when it is not this one; the exact instant on hover.
  const fmt = d.getFullYear() === new Date().getFullYear() ? thisYearFmt : dateFmt;
  return h('time', { datetime: iso, title: dateFmt.format(d) }, fmt.format(d));
}

export const fmtDay = (isoDay) => dayFmt.format(new Date(`${isoDay}T00:00:00Z`));
export const fmtNumber = (n) => (typeof n === 'number' ? n.toLocaleString() : '—');

export const ROLE_LABELS = {
  super_admin: 'Super admin', admin: 'Admin', editor: 'Editor', operator: 'Operator', viewer: 'Viewer',
  api_user: 'API user', owner: 'Owner', member: 'Member', guest: 'Guest',
};
export const INSTANCE_ROLES = ['super_admin', 'admin', 'editor', 'operator', 'viewer', 'api_user'];
export const WORKSPACE_ROLES = ['owner', 'admin', 'member', 'guest'];
export const roleLabel = (r) => ROLE_LABELS[r] || r;

export function badge(text, kind = 'neutral') {
  return h('span', { class: `badge badge-${kind}` }, text);
}

const STATUS_KIND = {
  active: 'ok', deactivated: 'muted', pending: 'info', accepted: 'ok', revoked: 'muted', expired: 'warn',
  sent: 'ok', failed: 'danger', not_sent: 'muted',
};
export const statusBadge = (s, label) => badge(label || String(s).replace(/_/g, ' '), STATUS_KIND[s] || 'neutral');

export function principalText(p) {
  if (!p) return '—';
  if (p.email) return p.email;
  const kind = { user: 'User', admin_token: 'Admin token', anonymous: 'Anonymous', system: 'System' }[p.type] || p.type;
  return p.type === 'anonymous' ? kind : `${kind} ${p.id}`;
}

// ---------------------------------------------------------------- live messages

/** A polite status message in the global live region (a "toast"). */
export function announce(message, kind = 'ok') {
  const box = document.getElementById('toasts');
  if (!box) return;
  const t = h('div', { class: `toast toast-${kind}` }, message);
  box.append(t);
  while (box.children.length > 2) box.firstElementChild.remove();
  setTimeout(() => t.classList.add('toast-out'), 3600);
  setTimeout(() => t.remove(), 4000);
}

/** An alert region for a page or a form: show(err|string), clear(). */
export function alertRegion() {
  const el = h('div', { class: 'alert', role: 'alert', hidden: true });
  return {
    el,
    show(errOrText, kind = 'danger', requestId = null) {
      clear(el);
      el.className = `alert alert-${kind}`;
      const isText = typeof errOrText === 'string';
      el.append(h('p', { class: 'alert-text' }, isText ? errOrText : describeError(errOrText)));
      const rid = requestId || (!isText && errOrText && errOrText.requestId);
      if (rid) el.append(h('p', { class: 'alert-meta' }, `Request ID: ${rid}`));
      el.hidden = false;
    },
    clear() {
      clear(el);
      el.hidden = true;
    },
  };
}

export function describeError(err) {
  if (!err) return 'Something went wrong.';
  if (err.summary) return err.summary;
  return err.message || String(err);
}

// ---------------------------------------------------------------- form fields

/**
 * A labelled form control with a hint and an error slot, wired with
 * aria-describedby. opts: {label, name, type, value, required, hint, options
 * (for select: [[value,label]]), rows (textarea), attrs}.
 * Returns the wrapper; wrapper.control is the input.
 */
export function field(opts) {
  const id = opts.id || nextId(`f-${(opts.name || 'x').replace(/[^a-z0-9]/gi, '-')}`);
  const errId = `${id}-err`;
  const hintId = `${id}-hint`;
  let control;
  const common = { id, name: opts.name, required: opts.required, ...(opts.attrs || {}) };
  if (opts.type === 'select') {
    control = h('select', common, (opts.options || []).map(([v, l]) => h('option', { value: v }, l)));
    if (opts.value !== undefined && opts.value !== null) control.value = String(opts.value);
  } else if (opts.type === 'textarea') {
    control = h('textarea', { ...common, rows: opts.rows || 4 });
    if (opts.value) control.value = opts.value;
  } else if (opts.type === 'checkbox') {
    control = h('input', { ...common, type: 'checkbox', checked: !!opts.value });
  } else {
    control = h('input', { ...common, type: opts.type || 'text', value: opts.value ?? '' });
  }
  const describedBy = [opts.hint ? hintId : null, errId].filter(Boolean).join(' ');
  control.setAttribute('aria-describedby', describedBy);
  control.dataset.field = opts.field || opts.name || '';

  // The required marker stays outside the label: the control's name is the
  // label alone, and `required` tells assistive technology the rest.
  const label = h('label', { for: id, class: 'label' }, opts.label);
  const head = opts.required && opts.type !== 'checkbox'
    ? h('div', { class: 'label-row' }, label, h('span', { class: 'req', 'aria-hidden': 'true' }, '*'))
    : label;
  const hint = opts.hint ? h('p', { id: hintId, class: 'hint' }, opts.hint) : null;
  const err = h('p', { id: errId, class: 'field-error', hidden: true });

  let wrap;
  if (opts.type === 'checkbox') {
    wrap = h('div', { class: `field field-check ${opts.class || ''}` }, control, label, hint, err);
  } else {
    wrap = h('div', { class: `field ${opts.class || ''}` }, head, hint, control, err);
  }
  wrap.control = control;
  wrap.errorEl = err;
  return wrap;
}

export function setFieldError(control, message) {
  const wrap = control.closest('.field');
  const err = wrap && wrap.querySelector('.field-error');
  if (!err) return false;
  if (message) {
    err.textContent = err.textContent && !err.hidden ? `${err.textContent}; ${message}` : message;
    err.hidden = false;
    control.setAttribute('aria-invalid', 'true');
  } else {
    err.textContent = '';
    err.hidden = true;
    control.removeAttribute('aria-invalid');
  }
  return true;
}

export function clearFormErrors(form) {
  for (const c of form.querySelectorAll('[aria-invalid]')) setFieldError(c, null);
  for (const e of form.querySelectorAll('.field-error')) { e.textContent = ''; e.hidden = true; }
}

function findControl(form, fieldName) {
  const byData = (name) => [...form.querySelectorAll('[data-field]')].find((c) => c.dataset.field === name);
  let c = byData(fieldName);
  if (c) return { control: c, prefix: '' };
  // allowedEmailDomains[2] → allowedEmailDomains ("item 3: …"); workspaces[0].role → workspaces[0].role or workspaces
  const m = /^(.*)\[(\d+)\](.*)$/.exec(fieldName);
  if (m) {
    c = byData(m[1] + m[3]) || byData(m[1]);
    if (c) return { control: c, prefix: `item ${Number(m[2]) + 1}: ` };
  }
  return null;
}

/**
 * Shows an API error on a form: each errors[].field next to its input
 * (aria-invalid, message in the described-by slot), anything else in the
 * alert region. Focuses the first invalid input.
 */
export function showFormError(form, alert, err) {
  clearFormErrors(form);
  const unmatched = [];
  let first = null;
  const fieldErrors = (err && err.fieldErrors) || [];
  for (const fe of fieldErrors) {
    const found = findControl(form, fe.field);
    if (found) {
      setFieldError(found.control, `${found.prefix}${fe.message}`);
      first = first || found.control;
    } else {
      unmatched.push(`${fe.field}: ${fe.message}`);
    }
  }
  if (!fieldErrors.length || unmatched.length) {
    const text = describeError(err) + (unmatched.length ? ` (${unmatched.join('; ')})` : '');
    alert.show(text, 'danger', err && err.requestId);
  } else {
    alert.show(fieldErrors.length === 1 ? 'Please correct the highlighted field.' : `Please correct the ${fieldErrors.length} highlighted fields.`);
  }
  if (first) first.focus();
}

/** Disables a form's submit button while fn runs. */
export async function busy(button, fn) {
  const prev = button.disabled;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    return await fn();
  } finally {
    button.disabled = prev;
    button.removeAttribute('aria-busy');
  }
}

export function button(label, onclick, cls = 'btn', attrs = {}) {
  return h('button', { type: 'button', class: cls, onclick, ...attrs }, label);
}

// ---------------------------------------------------------------- dialogs

/**
 * A modal <dialog>. build(dialog, close) fills it; resolves with the value
 * passed to close(). Focus goes to the first [autofocus] or the heading, and
 * back to the opener when it closes.
 */
export function openDialog({ title, build, size = '' }) {
  return new Promise((resolve) => {
    const opener = document.activeElement;
    const headingId = nextId('dlg-h');
    const dlg = h('dialog', { class: `dialog ${size}`, 'aria-labelledby': headingId });
    let result;
    const close = (value) => {
      result = value;
      dlg.close();
    };
    const heading = h('h2', { id: headingId, class: 'dialog-title', tabindex: '-1' }, title);
    const body = h('div', { class: 'dialog-body' });
    const x = h('button', { type: 'button', class: 'btn-icon dialog-x', 'aria-label': 'Close', onclick: () => close(undefined) }, '×');
    dlg.append(h('div', { class: 'dialog-head' }, heading, x), body);
    build(body, close, dlg);
    dlg.addEventListener('close', () => {
      dlg.remove();
      if (opener && opener.isConnected && typeof opener.focus === 'function') opener.focus();
      resolve(result);
    });
    document.body.append(dlg);
    dlg.showModal();
    const auto = body.querySelector('[autofocus]');
    (auto || heading).focus();
  });
}

/** A confirmation dialog; resolves true when confirmed. */
export function confirmDialog({ title, message, confirmLabel = 'Confirm', danger = true }) {
  return openDialog({
    title,
    size: 'dialog-sm',
    build(body, close) {
      body.append(
        h('p', {}, message),
        h('div', { class: 'actions' },
          // A destructive action starts on Cancel, so Enter does no harm.
          button('Cancel', () => close(false), 'btn btn-secondary', { autofocus: danger }),
          button(confirmLabel, () => close(true), danger ? 'btn btn-danger' : 'btn btn-primary', { autofocus: !danger })),
      );
    },
  }).then((v) => v === true);
}

// ---------------------------------------------------------------- copy & secrets

export async function copyText(text, fallbackInput) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      announce('Copied to the clipboard.');
      return true;
    }
  } catch {
    /* fall through */
  }
  if (fallbackInput) {
    fallbackInput.focus();
    fallbackInput.select();
    announce('Selected. Press Ctrl+C (⌘C on a Mac) to copy.', 'info');
  }
  return false;
}

/** A read-only text box with a Copy button (a secret or a link). */
export function copyBox(value, label, { secret = false } = {}) {
  const id = nextId('copy');
  const input = h('input', { id, type: 'text', readonly: true, value, class: `copy-input ${secret ? 'mono' : ''}`, spellcheck: 'false', autocomplete: 'off' });
  input.addEventListener('focus', () => input.select());
  const btn = button('Copy', () => copyText(value, input), 'btn btn-secondary');
  return h('div', { class: 'copy-box' },
    h('label', { for: id, class: 'label' }, label),
    h('div', { class: 'copy-row' }, input, btn));
}

/** The panel that shows a new secret once. */
export function secretPanel({ title, secret, what = 'token', onDismiss }) {
  const panel = h('section', { class: 'secret-panel', 'aria-labelledby': nextId('sp') });
  const hid = panel.getAttribute('aria-labelledby');
  panel.append(
    h('h3', { id: hid, tabindex: '-1' }, title),
    h('p', { class: 'warn-text' }, h('strong', {}, 'Copy it now: '), `this ${what} will not be shown again. Store it somewhere safe.`),
    copyBox(secret, `Your new ${what}`, { secret: true }),
    h('div', { class: 'actions' }, button('Done, I have copied it', () => { panel.remove(); if (onDismiss) onDismiss(); }, 'btn btn-secondary')),
  );
  return panel;
}

// ---------------------------------------------------------------- tables & paging

/**
 * A responsive table: columns [{label, cell(item) → node|string, class}].
 * Under 720 px each row becomes a card (labels via data-label).
 */
export function table({ caption, columns, items, empty = 'Nothing here yet.', rowAttrs, cls = '' }) {
  if (!items.length) return h('p', { class: 'empty' }, empty);
  return h('div', { class: `table-wrap ${cls}` },
    h('table', { class: 'table' },
      caption ? h('caption', { class: 'sr-only' }, caption) : null,
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.class }, c.label)))),
      h('tbody', {}, items.map((it) => h('tr', rowAttrs ? rowAttrs(it) : {},
        columns.map((c) => h('td', { 'data-label': c.label, class: c.class }, c.cell(it))))))));
}

/**
 * Cursor paging with a stack, for APIs that only go forward.
 * load(cursor) → Promise<page>; onPage(page, info) renders.
 */
export function cursorPager({ load, onPage, onError, label = 'items' }) {
  let stack = [null]; // cursors of the pages before and including the current one
  let next = null;
  let seq = 0;
  let pageSize = 0;
  const prevBtn = button('Previous', () => go(stack.length - 2, 'back'), 'btn btn-secondary', { disabled: true });
  const nextBtn = button('Next', () => go(stack.length, 'fwd'), 'btn btn-secondary', { disabled: true });
  const info = h('p', { class: 'pager-info', 'aria-live': 'polite' });
  const buttons = h('div', { class: 'pager-buttons', hidden: true }, prevBtn, nextBtn);
  const el = h('nav', { class: 'pager', 'aria-label': `Pages of ${label}` }, info, buttons);

  async function go(index, dir) {
    const mySeq = ++seq;
    const cursor = dir === 'fwd' ? next : stack[index];
    prevBtn.disabled = true;
    nextBtn.disabled = true;
    try {
      const page = await load(cursor);
      if (mySeq !== seq) return;
      if (dir === 'fwd') stack.push(cursor);
      else if (dir === 'back') stack = stack.slice(0, index + 1);
      next = page.nextCursor || null;
      const n = stack.length;
      const count = page.items.length;
      if (n === 1) pageSize = Math.max(count, pageSize);
      const start = (n - 1) * (pageSize || count) + (count ? 1 : 0);
      const end = (n - 1) * (pageSize || count) + count;
      const total = typeof page.total === 'number' ? ` of ${page.total.toLocaleString()}` : '';
      // A search reads a bounded stretch of its index per page: a page can
      // come back empty with more to read.
      info.textContent = count ? `Showing ${start}–${end}${total} ${label}`
        : next ? 'Nothing found in this stretch yet: Next searches further.' : 'No more results.';
      prevBtn.disabled = n <= 1;
      nextBtn.disabled = !next;
      buttons.hidden = n <= 1 && !next; // one page only: nothing to page through
      info.hidden = !count && n === 1 && !next; // the empty state says it already
      onPage(page, { pageIndex: n - 1 });
    } catch (err) {
      if (mySeq !== seq) return;
      prevBtn.disabled = stack.length <= 1;
      nextBtn.disabled = !next;
      if (onError) onError(err);
    }
  }

  return {
    el,
    /** Back to the first page (new filters). */
    reset() {
      stack = [null];
      next = null;
      return go(0, 'reset');
    },
    /** Reload the current page. */
    reload() {
      return go(stack.length - 1, 'reload');
    },
  };
}

/** The standard heading of a page: h1 (focus target) plus optional actions. */
export function pageHeader(title, subtitle, ...actions) {
  return h('header', { class: 'page-head' },
    h('div', {},
      h('h1', { tabindex: '-1', class: 'page-title' }, title),
      subtitle ? h('p', { class: 'page-sub' }, subtitle) : null),
    actions.length ? h('div', { class: 'page-actions' }, actions) : null);
}

export function card(title, ...children) {
  const hid = nextId('card');
  return h('section', { class: 'card', 'aria-labelledby': hid },
    h('h2', { id: hid, class: 'card-title' }, title), children);
}

export function loading(text = 'Loading…') {
  return h('p', { class: 'loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), text);
}

/** A random id for Idempotency-Key (crypto.randomUUID needs a secure context). */
export function randomKey() {
  if (crypto.randomUUID && window.isSecureContext) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}
