// Dashboard: the instance's counts (GET /v1/insights) and requests per day.

import { api } from '../api.js';
import { h, svg, pageHeader, alertRegion, loading, fmtNumber, fmtDay, roleLabel, INSTANCE_ROLES, nextId } from '../ui.js';
import { href } from '../router.js';

export const title = 'Dashboard';

const plural = (n, word) => `${fmtNumber(n)} ${word}${n === 1 ? '' : 's'}`;

function stat(label, value, sub, link) {
  const id = nextId('stat');
  return h('section', { class: 'stat', 'aria-labelledby': id },
    h('h2', { class: 'stat-label', id }, label),
    h('p', { class: 'stat-value' }, fmtNumber(value)),
    sub ? h('p', { class: 'stat-sub' }, sub) : null,
    link ? h('a', { class: 'stat-link', href: href(link.path) }, link.text) : null);
}

/** A bar chart of requests per day, drawn with SVG DOM calls. */
export function barChart(days) {
  const W = 420;
  const H = 180;
  const pad = { top: 24, right: 4, bottom: 30, left: 4 };
  const max = Math.max(1, ...days.map((d) => d.count));
  const slot = (W - pad.left - pad.right) / days.length;
  const barW = Math.min(40, slot * 0.62);
  const plotH = H - pad.top - pad.bottom;
  const total = days.reduce((s, d) => s + d.count, 0);
  const summary = `Requests per day over the last ${days.length} days: ${days.map((d) => `${d.date} ${d.count}`).join(', ')}.`;

  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': summary, preserveAspectRatio: 'xMidYMid meet' });
  chart.append(svg('line', { x1: pad.left, x2: W - pad.right, y1: pad.top + plotH, y2: pad.top + plotH, class: 'chart-axis' }));
  days.forEach((d, i) => {
    const bh = d.count === 0 ? 0 : Math.max(2, (d.count / max) * plotH);
    const x = pad.left + i * slot + (slot - barW) / 2;
    const y = pad.top + plotH - bh;
    const isToday = i === days.length - 1;
    const g = svg('g', {});
    g.append(svg('title', {}, `${d.date}: ${d.count.toLocaleString()} requests`));
    g.append(svg('rect', { x: x.toFixed(1), y: y.toFixed(1), width: barW.toFixed(1), height: bh.toFixed(1), rx: 3, class: isToday ? 'chart-bar chart-bar-today' : 'chart-bar' }));
    g.append(svg('text', { x: (x + barW / 2).toFixed(1), y: (y - 6).toFixed(1), 'text-anchor': 'middle', class: 'chart-value' }, d.count.toLocaleString()));
    g.append(svg('text', { x: (x + barW / 2).toFixed(1), y: H - 10, 'text-anchor': 'middle', class: 'chart-label' }, isToday ? 'Today' : fmtDay(d.date)));
    chart.append(g);
  });
  return { chart, total };
}

export async function render(main) {
  const alert = alertRegion();
  const body = h('div', {}, loading('Loading the counts…'));
  main.append(pageHeader('Dashboard', 'What this Usher instance holds right now.'), alert.el, body);

  let ins;
  try {
    ({ data: ins } = await api.get('/v1/insights'));
  } catch (err) {
    body.replaceChildren();
    alert.show(err);
    return;
  }

  const u = ins.users;
  const cards = h('div', { class: 'stats' },
    stat('Users', u.total, `${fmtNumber(u.active)} active · ${fmtNumber(u.deactivated)} deactivated`, { path: '/users', text: 'Manage users' }),
    stat('Workspaces', ins.workspaces.total, plural(ins.memberships.total, 'membership'), { path: '/workspaces', text: 'Open workspaces' }),
    stat('Pending invitations', ins.invitations.pending, null, { path: '/invitations', text: 'See invitations' }),
    stat('Tokens', ins.adminTokens.active + ins.apiKeys.active, `${plural(ins.adminTokens.active, 'admin token')} · ${plural(ins.apiKeys.active, 'API key')}`, null),
    stat('Requests today', ins.requests.today, null, null));

  const days = ins.requests.last7Days || [];
  const { chart, total } = barChart(days);
  const chartId = nextId('chart');
  const chartCard = h('section', { class: 'card', 'aria-labelledby': chartId },
    h('div', { class: 'card-head' },
      h('h2', { id: chartId, class: 'card-title' }, 'API requests, last 7 days'),
      h('p', { class: 'card-meta' }, `${total.toLocaleString()} in total (UTC days)`)),
    chart);

  const rolesId = nextId('roles');
  const maxRole = Math.max(1, ...INSTANCE_ROLES.map((r) => u.byRole[r] || 0));
  const roles = h('section', { class: 'card', 'aria-labelledby': rolesId },
    h('h2', { id: rolesId, class: 'card-title' }, 'Users by role'),
    h('ul', { class: 'role-bars' }, INSTANCE_ROLES.map((r) => {
      const n = u.byRole[r] || 0;
      const meter = h('meter', { min: '0', max: String(maxRole), value: String(n), class: 'role-meter', 'aria-label': `${roleLabel(r)}: ${n}` });
      return h('li', {}, h('span', { class: 'role-name' }, roleLabel(r)), meter, h('span', { class: 'role-count' }, fmtNumber(n)));
    })));

  body.replaceChildren(cards, h('div', { class: 'grid-2' }, chartCard, roles));
}
