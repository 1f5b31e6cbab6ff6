// The policy page (admins): what each classification allows, what each
// role may do, working hours and anomaly thresholds, the history of applied
// policies, and applying a new one.

import { fmtTime, marking, person } from './common.js';
import { el, errorBox, field, table, toast } from './dom.js';
import { policyActionName, t } from './i18n.js';
import { render } from './router.js';
import { api, errorText, hasRole, roleLabel } from './session.js';

// The policy's working hours (the off-hours alert), in one line.
function workHoursText(w) {
  if (!w) return t('policy.workhours.none');
  const days = w.days.map((d) => t('weekday.' + d)).join(t('policy.workhours.sep'));
  let text = t('policy.workhours.line', { days, start: w.start, end: w.end, offset: w.utc_offset });
  if (w.holidays.length) text += ' · ' + t('policy.workhours.holidays', { list: w.holidays.join(', ') });
  if (w.workdays.length) text += ' · ' + t('policy.workhours.workdays', { list: w.workdays.join(', ') });
  return text;
}

// The anomaly rules' thresholds, in one line.
function anomalyRulesText(a) {
  if (!a) return '—';
  return t('policy.anomaly.line', { factor: a.spike_factor, views: a.spike_min_views, days: a.baseline_min_days,
    denials: a.denials, minutes: a.denial_window_minutes });
}

async function viewPolicy() {
  const r = await api('GET', '/api/v1/policy?source=1');
  if (!r.ok) return el('div', { class: 'card error', text: errorText(r.body) });
  const p = r.body;
  const yn = (b) => t(b ? 'yes' : 'no');
  const use = (u) => t('policy.use.' + u.permission) + (u.approvals ? ' (' + u.approvals + ')' : '');
  const rows = p.summary.classifications.map((c) => el('tr', {},
    el('td', {}, marking(c.classification)), el('td', { text: c.view_quota === null ? t('policy.unlimited') : String(c.view_quota) }),
    el('td', { text: String(c.quota_window_days) }), el('td', { text: String(c.loan_approvals) }), el('td', { text: String(c.max_loan_hours) }),
    el('td', { text: yn(c.custodian_release) }), el('td', { text: use(c.copy) }), el('td', { text: use(c.print) }), el('td', { text: use(c.export) })));
  // What each role may do: the policy's action ids, labelled (an action
  // this page does not know yet keeps its id).
  const roleRows = Object.entries(p.summary.roles || {}).map(([role, actions]) => el('tr', { 'data-role': role },
    el('td', { text: roleLabel(role) }),
    el('td', {}, ...actions.map((a) => el('span', { class: 'tag', 'data-action': a, text: policyActionName(a) })))));
  const err = errorBox();
  const xml = el('textarea', { id: 'policy-xml', rows: '14', class: 'mono' });
  xml.value = p.source || '';
  const f = el('form', { class: 'card', id: 'policy-form' }, el('h2', { i18n: 'policy.apply' }),
    ...field('policy.xml', xml), ...field('common.reason', el('input', { id: 'policy-reason', required: true })),
    el('button', { class: 'primary', type: 'submit', i18n: 'policy.apply' }), err);
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault(); err.textContent = '';
    const x = await api('POST', '/api/v1/policy', { xml: xml.value, reason: f.querySelector('#policy-reason').value });
    if (!x.ok) { err.textContent = errorText(x.body); return; }
    toast(t(x.body.pending_second_approval ? 'policy.pending' : 'policy.applied')); render();
  });
  return el('div', {}, el('h1', { i18n: 'policy.title' }),
    el('section', { class: 'card' }, el('dl', { class: 'meta' }, el('dt', { i18n: 'policy.version' }), el('dd', { text: p.version }),
      el('dt', { i18n: 'policy.hash' }), el('dd', { class: 'mono', id: 'policy-hash', text: p.sha256 }),
      el('dt', { i18n: 'policy.calendar' }), el('dd', { id: 'policy-calendar', text: t('policy.calendar.line', { offset: p.summary.calendar_utc_offset }) }),
      el('dt', { i18n: 'policy.workhours' }), el('dd', { id: 'policy-workhours', text: workHoursText(p.summary.work_hours) }),
      el('dt', { i18n: 'policy.anomaly' }), el('dd', { id: 'policy-anomaly', text: anomalyRulesText(p.summary.anomaly_rules) })),
    el('h2', { i18n: 'policy.rules' }), table(['records.classification', 'policy.quota', 'policy.window', 'policy.approvals', 'policy.maxhours', 'policy.release', 'policy.copy', 'policy.print', 'policy.export'], rows, { scroll: true }),
    el('h2', { i18n: 'policy.permits' }), table(['users.roles', 'policy.actions'], roleRows, { id: 'policy-roles', scroll: true })),
    el('section', { class: 'card' }, el('h2', { i18n: 'policy.history' }), table(['common.time', 'policy.version', 'rec.own.by', 'policy.hash'],
      p.history.map((h) => el('tr', {}, el('td', { text: fmtTime(h.applied_at) }), el('td', { text: h.version }), el('td', { text: person(h.applied_by) }), el('td', { class: 'mono', text: h.sha256.slice(0, 16) + '…' }))))),
    hasRole('admin') ? f : null);
}


export const routes = { '#/admin/policy': viewPolicy };
