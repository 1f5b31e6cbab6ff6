// What several pages show the same way: people, markings, loan states,
// alerts, rule and action ids in words. Server text only ever goes through
// textContent.

import { el } from './dom.js';
import { actionName, alertName, fmtTime, knowsAlert, ruleName, t, tOr } from './i18n.js';
import { api, calendarOffset } from './session.js';

export { fmtTime };

export const CLASSES = ['public', 'internal', 'confidential', 'secret', 'top_secret'];

// A person object of the API ({id, username, display_name}); the empty id is
// the system itself (e.g. versions written by declassification).
export function person(p) {
  if (!p) return '';
  if (p.id === '') return t('common.system');
  return p.display_name || p.username || p.id || '';
}

// Everyone the caller may pick (GET /api/v1/people), fetched once per page load.
let peopleCache = null;
export async function people() {
  if (!peopleCache) { const r = await api('GET', '/api/v1/people'); peopleCache = r.ok ? r.body.people : []; }
  return peopleCache;
}
// A person's name by id from that list (people() must have run).
export function personName(id, fallback) {
  const p = (peopleCache || []).find((x) => x.id === id);
  return p ? (p.display_name || p.username) : (fallback || id);
}
export function peopleSelect(id, list, value, withAll) {
  const s = el('select', { id });
  if (withAll) s.append(el('option', { value: '', i18n: 'common.all' }));
  for (const p of list) s.append(el('option', { value: p.id, text: (p.display_name || p.username) + ' (' + p.username + ')' }));
  s.value = value || '';
  return s;
}

// A classification id in words (an id this page does not know stays itself).
// A long list a page at a time (a search may match hundreds of thousands of
// files), the page in the link like the filters: `limit` (1 to 1 000;
// `fallback` when the link gives none) and `offset` from the hash's
// parameters `p`, and `link(offset)`, the address of another page of `path`
// with the list's `query` (the limit kept only when the link gave it).
export function pageParams(p, path, query, fallback = 100) {
  const limit = Math.min(1000, Math.max(1, Math.floor(Number(p.get('limit'))) || fallback));
  const offset = Math.max(0, Math.floor(Number(p.get('offset'))) || 0);
  const link = (off) => {
    const n = new URLSearchParams(query);
    if (p.get('limit')) n.set('limit', String(limit));
    if (off) n.set('offset', String(off));
    return path + '?' + n.toString();
  };
  return { limit, offset, link };
}

// What a page of `total` rows shows, `shown` of them from page.offset on
// ("第 a–b 条，共 N 条", or "共 N 条" on an empty page), and the links to
// the previous and next page; `ids` names the three ({ range, prev, next }).
export function pager(page, shown, total, ids) {
  const { limit, offset, link } = page;
  return {
    range: el('p', { class: 'muted', id: ids.range, text: shown
      ? t('records.range', { from: offset + 1, to: offset + shown, n: total }) : t('records.total', { n: total }) }),
    nav: el('div', { class: 'pager' },
      offset > 0 ? el('a', { href: link(Math.max(0, offset - limit)), id: ids.prev, i18n: 'records.prev' }) : null,
      offset + limit < total ? el('a', { href: link(offset + limit), id: ids.next, i18n: 'records.next' }) : null),
  };
}

export function clsLabel(cls) { return tOr('cls.' + cls, cls); }
export function marking(cls) { return el('span', { class: 'marking cls-' + cls, text: clsLabel(cls) }); }
export function banner(cls) {
  return el('div', { class: 'banner cls-' + cls, role: 'note', 'data-classification': cls },
    el('span', { text: clsLabel(cls) }), el('span', { class: 'banner-en', text: String(cls).replace('_', ' ').toUpperCase() }));
}

// A record's status is a free label; the usual ones are shown translated.
export function statusCell(tag, status) {
  const known = ['active', 'dormant', 'archived'].includes(status);
  return el(tag, known ? { i18n: 'status.' + status } : { text: status });
}

export function isOpenLoan(l) { return ['approved', 'released', 'active'].includes(l.state); }
export function loanState(l) { return el('span', { class: 'state st-' + l.state, text: t('state.' + l.state) }); }
export async function loanList(scope) { const r = await api('GET', '/api/v1/loans?scope=' + scope); return r.ok ? r.body.loans : []; }

// A time as the value of <input type=datetime-local> (local time, minutes).
export function localInput(ms) {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 16);
}

// Today's date (YYYY-MM-DD) for a date field's default: the company's, at
// the offset of its calendar (the policy's <calendar>, which the server
// judges dates by), wherever this computer is; before a session says, this
// computer's. (toISOString() alone gives the UTC date: yesterday's before
// 08:00 in Beijing.)
export function localToday() {
  const off = calendarOffset();
  if (off == null) return localInput(Date.now()).slice(0, 10);
  return new Date(Date.now() + off * 60000).toISOString().slice(0, 10);
}

// An element's attributes naming an alert type: translated when this page
// knows the type, else the type id itself.
export function alertTypeAttrs(type, attrs = {}) {
  return Object.assign(attrs, knowsAlert(type) ? { i18n: 'alert.' + type } : { text: alertName(type) });
}
// An alert's type and, for the anomaly rules, what crossed the line, on a
// second line.
export function alertTypeCell(x) {
  const d = x.details || {};
  let detail = '';
  if (x.type === 'anomaly.view_spike') {
    detail = t('alert.detail.view_spike', { n: d.views_today, median: d.baseline_median, days: d.baseline_active_days });
  } else if (x.type === 'anomaly.repeated_denials') {
    detail = t('alert.detail.repeated_denials', { n: d.denials, minutes: d.window_minutes });
  } else if (x.type === 'anomaly.new_place') {
    detail = t('alert.detail.new_place', { ws: d.workstation || '—', loc: d.location || '—', ip: d.ip || '—', n: d.known_places });
  } else if (x.type === 'anomaly.outside_assignment') {
    detail = t('alert.detail.outside_assignment', { n: d.attempts_today, max: d.threshold, files: (d.records || []).length });
  } else if (x.type === 'anomaly.off_hours') {
    detail = t('alert.detail.off_hours', { time: d.local_time || '—', day: t(d.working_day ? 'alert.detail.workday' : 'alert.detail.dayoff') });
  }
  // A copy, print or export (not a view) is named before the detail.
  const use = /^record\.(copy|print|export)$/.exec(d.action || '');
  if (use) detail = t('kind.' + use[1]) + (detail ? ' · ' + detail : '');
  return el('td', { title: x.type }, el('span', alertTypeAttrs(x.type)),
    detail ? el('div', { class: 'muted alert-detail', text: detail }) : null);
}

// An audit event's action or rule: the words, and the id below them (the
// audit log's filter takes ids).
function idCell(word, id, attrs) {
  if (!id) return el('td', attrs);
  return el('td', attrs, el('span', { text: word }), word !== id ? el('code', { class: 'id muted', text: id }) : null);
}
export function actionCell(id) { return idCell(actionName(id), id, { class: 'act', 'data-action': id || '' }); }
export function ruleCell(id) { return idCell(ruleName(id), id, { class: 'rule', 'data-rule': id || '' }); }
