// The home page: one card per role the user has (their files, loans, the
// queues to decide, alerts and recent denials, links to the other areas).

import { actionCell, alertTypeCell, fmtTime, loanList, loanState, marking, person, ruleCell } from './common.js';
import { el, emptyOr, table } from './dom.js';
import { handedToMeCard } from './departures.js';
import { queueCard as evidenceQueueCard } from './evidence.js';
import { t } from './i18n.js';
import { api, hasRole, me, roleLabel } from './session.js';

function loanRows(loans) {
  return loans.map((l) => el('tr', {},
    el('td', {}, el('a', { href: '#/record?id=' + encodeURIComponent(l.record), text: l.record_name || l.record })),
    el('td', {}, l.marking ? marking(l.marking.id) : null),
    el('td', { text: t('kind.' + l.kind) }), el('td', { text: person(l.requester_person) }),
    el('td', {}, loanState(l), l.overdue ? el('span', { class: 'tag danger', i18n: 'loans.overdue' }) : null)));
}
function loanCard(titleKey, loans, link) {
  return el('section', { class: 'card', 'data-card': titleKey },
    el('h2', {}, el('span', { i18n: titleKey }), ' ', el('span', { class: 'count', text: String(loans.length) })),
    emptyOr(loans, table(['common.record', 'records.classification', 'loans.kind', 'loans.requester', 'loans.state'], loanRows(loans.slice(0, 8)))),
    link ? el('a', { href: link, i18n: 'home.open_list' }) : null);
}

async function viewHomeRoles() {
  const u = me();
  const parts = [el('h1', { text: t('home.hello', { name: u.display_name || u.username }) }),
    el('div', { class: 'card' }, el('h2', { i18n: 'home.roles' }), u.roles.length
      ? el('div', {}, ...u.roles.map((r) => el('span', { class: 'tag', text: roleLabel(r) }))) : el('p', { i18n: 'home.none' }))];
  const grid = el('div', { class: 'grid' });
  if (hasRole('author')) {
    const r = await api('GET', '/api/v1/records?owner=' + encodeURIComponent(u.id) + '&limit=8');
    const rows = r.ok ? r.body.records.map((m) => el('tr', {},
      el('td', {}, el('a', { href: '#/record?id=' + encodeURIComponent(m.id), text: m.name })), el('td', {}, marking(m.classification)))) : [];
    // The first eight and how many there are; the whole list is the
    // catalogue filtered to them.
    const total = r.ok ? r.body.total : 0;
    const all = total > rows.length ? [el('a', { href: '#/records?owner=' + encodeURIComponent(u.id), i18n: 'home.open_list' }), ' · '] : [];
    grid.append(el('section', { class: 'card', 'data-card': 'home.mine' },
      el('h2', {}, el('span', { i18n: 'home.mine' }), ' ', el('span', { class: 'count', text: String(total) })),
      emptyOr(rows, table(['records.name', 'records.classification'], rows)),
      el('p', {}, ...all, el('a', { href: '#/records/new', i18n: 'records.new' }))));
  }
  if (hasRole('borrower')) grid.append(loanCard('home.loans', await loanList('mine'), '#/loans'));
  const handed = await handedToMeCard();
  if (handed) grid.append(handed);
  if (hasRole('approver')) grid.append(loanCard('home.queue', await loanList('approve'), '#/approvals'));
  if (hasRole('custodian')) {
    grid.append(loanCard('home.release', await loanList('release'), '#/custody'));
    grid.append(loanCard('home.out', await loanList('out'), '#/custody'));
    grid.append(loanCard('home.overdue', await loanList('overdue'), '#/custody'));
  }
  if (hasRole('auditor')) {
    const a = await api('GET', '/api/v1/alerts?limit=8');
    const alerts = a.ok ? a.body.alerts : [];
    grid.append(el('section', { class: 'card', 'data-card': 'home.alerts' }, el('h2', { i18n: 'home.alerts' }),
      emptyOr(alerts, table(['common.time', 'alerts.type', 'common.person', 'common.record'], alerts.map((x) => el('tr', {},
        el('td', { class: 'nw', text: fmtTime(x.at) }), alertTypeCell(x), el('td', { class: 'nw', text: person(x.user) }), el('td', { text: x.record_name || x.record_id }))))),
      el('a', { href: '#/alerts', i18n: 'home.open_list' })));
    const d = await api('GET', '/api/v1/audit/events?decision=deny&limit=8');
    const ev = d.ok ? d.body.events : [];
    grid.append(el('section', { class: 'card', 'data-card': 'home.denials' }, el('h2', { i18n: 'home.denials' }),
      emptyOr(ev, table(['common.time', 'common.person', 'common.action', 'audit.rule'], ev.map((e) => el('tr', {},
        el('td', { text: fmtTime(e.time) }), el('td', { text: e.actor.name || e.actor.id }), actionCell(e.action), ruleCell(e.rule))))),
      el('a', { href: '#/audit', i18n: 'home.open_list' })));
  }
  if (hasRole('admin')) {
    grid.append(el('section', { class: 'card', 'data-card': 'home.admin' }, el('h2', { i18n: 'home.admin' }),
      el('p', {}, el('a', { href: '#/admin/users', i18n: 'home.users' })), el('p', {}, el('a', { href: '#/admin/policy', i18n: 'home.policy' }))));
  }
  // Legal drafts agreements, HR registers departures, litigation asks for
  // evidence bundles; approvers decide on evidence requests too.
  const links = { legal: '#/agreements', hr: '#/employment', litigation: '#/evidence' };
  for (const r of ['legal', 'litigation', 'hr']) {
    if (!hasRole(r)) continue;
    grid.append(el('section', { class: 'card', 'data-home': r }, el('h2', { i18n: 'home.' + r }),
      el('p', { class: 'muted', i18n: 'home.' + r + '.desc' }), el('a', { href: links[r], i18n: 'home.open_list' })));
  }
  if (hasRole('approver')) grid.append(await evidenceQueueCard());
  parts.push(grid);
  return el('div', {}, ...parts);
}

export const routes = { '#/home': viewHomeRoles };
