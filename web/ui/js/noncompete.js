// Non-compete dashboard (issue 6): who is restricted until when, the monthly
// compensation schedule (paid / due / overdue), warnings and urgent alerts,
// the employee's right to release, recording a payment and early release.
// Server text only goes through textContent.

import { localToday, people, personName } from './common.js';
import { dateInput, el, field, hashParams, table, toast } from './dom.js';
import { fmtDate, fmtNumber, t, tOr } from './i18n.js';
import { go, render } from './router.js';
import { api, errorText, hasRole, me } from './session.js';

function money(minor, cur) {
  const n = fmtNumber(Number(minor || 0) / 100, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return (cur || 'CNY') + ' ' + n;
}
function monthState(m, today) {
  if (m.paid_minor >= m.amount_minor && m.amount_minor > 0) return 'paid';
  if (m.overdue) return 'overdue';
  if (m.paid_minor > 0) return 'partial';
  if (m.due <= today) return 'due';
  return 'upcoming';
}

function scheduleTable(row, today) {
  const months = (row.status && row.status.months) || [];
  return table(['nc.m.month', 'nc.m.from', 'nc.m.due', 'nc.m.amount', 'nc.m.paid', 'nc.m.state'],
    months.map((m) => {
      const s = monthState(m, today);
      return el('tr', { class: 'nc-' + s, 'data-month': String(m.month) },
        el('td', { text: String(m.month) }), el('td', { text: fmtDate(m.period_start) }), el('td', { text: fmtDate(m.due) }),
        el('td', { text: money(m.amount_minor, row.currency) }), el('td', { text: money(m.paid_minor, row.currency) }),
        el('td', {}, el('span', { class: 'nc-ms nc-ms-' + s, i18n: 'nc.ms.' + s })));
    }), { class: 'nc-schedule', scroll: true });
}

function paymentForm(row, today) {
  const months = (row.status && row.status.months) || [];
  const firstOpen = months.find((m) => m.paid_minor < m.amount_minor);
  const month = el('select', { id: 'nc-pay-month-' + row.agreement_id },
    ...months.map((m) => el('option', { value: String(m.month), text: m.month + ' · ' + fmtDate(m.due) })));
  if (firstOpen) month.value = String(firstOpen.month);
  const amount = el('input', { id: 'nc-pay-amount-' + row.agreement_id, type: 'number', step: '0.01', min: '0.01',
    value: (Number(row.monthly_minor || 0) / 100).toFixed(2) });
  const on = dateInput({ id: 'nc-pay-on-' + row.agreement_id, value: today });
  const ref = el('input', { id: 'nc-pay-ref-' + row.agreement_id, maxlength: '128' });
  const err = el('div', { class: 'error', role: 'alert' });
  const f = el('form', { class: 'inline nc-pay', 'data-form': 'payment' },
    el('div', {}, ...field('nc.pay.month', month)), el('div', {}, ...field('nc.pay.amount', amount)),
    el('div', {}, ...field('nc.pay.on', on)), el('div', { class: 'grow' }, ...field('nc.pay.ref', ref)),
    el('div', {}, el('button', { class: 'primary', type: 'submit', i18n: 'nc.pay.submit' })), err);
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    const minor = Math.round(Number(amount.value) * 100);
    const r = await api('POST', '/api/v1/noncompetes/' + encodeURIComponent(row.agreement_id) + '/payments',
      { month: Number(month.value), amount_minor: minor, paid_on: on.input.value, reference: ref.value });
    if (!r.ok) { err.textContent = errorText(r.body); return; }
    toast(t('nc.pay.done'));
    sessionStorage.setItem('custos.nc.open', row.agreement_id);
    render();
  });
  return el('div', { class: 'nc-box' }, el('h3', { i18n: 'nc.pay.title' }), f);
}

function releaseForm(row, today) {
  const tr = row.tracking || {};
  if (tr.employer_release) return el('p', { class: 'notice', text: t('nc.rel.already', { date: fmtDate(tr.employer_release) }) });
  const on = dateInput({ id: 'nc-rel-on-' + row.agreement_id, value: today });
  const note = el('input', { id: 'nc-rel-note-' + row.agreement_id, maxlength: '256' });
  const err = el('div', { class: 'error', role: 'alert' });
  const owed = el('p', { class: 'nc-owed', text: t('nc.rel.owed', { amount: money(3 * (row.monthly_minor || 0), row.currency) }) });
  const f = el('form', { class: 'inline nc-rel', 'data-form': 'release' },
    el('div', {}, ...field('nc.rel.on', on)), el('div', { class: 'grow' }, ...field('nc.rel.note', note)),
    el('div', {}, el('button', { class: 'primary danger', type: 'submit', i18n: 'nc.rel.submit' })), err);
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    if (!window.confirm(t('nc.rel.confirm'))) return;
    const r = await api('POST', '/api/v1/noncompetes/' + encodeURIComponent(row.agreement_id) + '/release', { on: on.input.value, note: note.value });
    if (!r.ok) { err.textContent = errorText(r.body); return; }
    toast(r.body.extra_months_owed ? t('nc.rel.done', { n: r.body.extra_months_owed }) : t('nc.rel.done0'));
    sessionStorage.setItem('custos.nc.open', row.agreement_id);
    render();
  });
  return el('div', { class: 'nc-box' }, el('h3', { i18n: 'nc.rel.title' }), owed, f);
}

function detail(row, today) {
  const tr = row.tracking || {};
  const payments = tr.payments || [];
  const started = row.start && row.status && row.status.months && row.status.months.length;
  return el('div', { class: 'nc-detail' },
    !row.start ? el('p', { class: 'muted', i18n: 'nc.no_lwd' }) : null,
    row.status && row.status.employee_may_release ? el('p', { class: 'error nc-mayrel', i18n: 'nc.may_release.yes' }) : null,
    started ? el('h3', { i18n: 'nc.schedule' }) : null,
    started ? scheduleTable(row, today) : null,
    payments.length ? el('h3', { i18n: 'nc.payments' }) : null,
    payments.length ? table(['nc.m.month', 'nc.pay.amount', 'nc.pay.on', 'nc.pay.ref', 'nc.pay.by'], payments.map((p) => el('tr', {},
      el('td', { text: String(p.month) }), el('td', { text: money(p.amount_minor, row.currency) }), el('td', { text: fmtDate(p.paid_on) }),
      el('td', { text: p.reference }), el('td', { text: personName(p.recorded_by, p.recorded_by) }))), { scroll: true }) : null,
    // The legal user it binds records neither (noncompete.by_other).
    hasRole('legal') && row.employee_id === me().id ? el('p', { class: 'muted nc-own', i18n: 'nc.own' }) : null,
    hasRole('legal') && row.employee_id !== me().id && started ? paymentForm(row, today) : null,
    hasRole('legal') && row.employee_id !== me().id && row.start ? releaseForm(row, today) : null);
}

async function viewNonCompetes() {
  const p = hashParams();
  const asOf = p.get('today') || '';
  const r = await api('GET', '/api/v1/noncompetes' + (asOf ? '?today=' + encodeURIComponent(asOf) : ''));
  await people();
  const dateField = dateInput({ id: 'nc-today', value: asOf || (r.ok ? r.body.today : localToday()) });
  const dateIn = dateField.input;
  const f = el('form', { class: 'card inline', id: 'nc-filter' }, el('div', {}, ...field('nc.today', dateField)),
    el('div', {}, el('button', { class: 'primary', type: 'submit', i18n: 'nc.refresh' })));
  f.addEventListener('submit', (ev) => { ev.preventDefault(); go('#/noncompetes' + (dateIn.value ? '?today=' + dateIn.value : '')); });
  const head = [el('h1', { i18n: 'nc.title' }), f];
  if (!r.ok) return el('div', {}, ...head, el('div', { class: 'card error', text: errorText(r.body) }));
  const today = r.body.today;
  const rows = r.body.noncompetes;
  if (!rows.length) return el('div', {}, ...head, el('div', { class: 'card muted', i18n: 'nc.none' }));
  const open = sessionStorage.getItem('custos.nc.open');
  sessionStorage.removeItem('custos.nc.open');
  // Most urgent first, then by the end of the period.
  const rank = { urgent: 0, warning: 1, none: 2 };
  rows.sort((a, b) => (rank[(a.status || {}).alert] ?? 3) - (rank[(b.status || {}).alert] ?? 3) ||
    String((a.status || {}).end || '').localeCompare(String((b.status || {}).end || '')));
  const alerts = rows.filter((x) => x.status && x.status.alert && x.status.alert !== 'none');
  const alertBox = alerts.length ? el('section', { class: 'card nc-alerts', id: 'nc-alerts' }, ...alerts.map((x) => el('p', { class: 'nc-alert nc-alert-' + x.status.alert },
    el('strong', { i18n: 'nc.alert.' + x.status.alert }), ' — ', el('span', { text: x.employee_name }), ' · ',
    el('span', { text: t('nc.overdue_n', { n: x.status.overdue_months, amount: money(x.status.overdue_minor, x.currency) }) }),
    x.status.employee_may_release ? el('span', { class: 'tag danger', i18n: 'nc.may_release' }) : null))) : null;
  const body = [];
  for (const row of rows) {
    const st = row.status || {};
    const det = el('tr', { class: 'nc-detail-row', hidden: open !== row.agreement_id },
      el('td', { colspan: '9' }, detail(row, today)));
    const toggle = el('button', { class: 'small', type: 'button', i18n: 'nc.open', 'aria-expanded': String(!det.hidden) });
    toggle.addEventListener('click', () => { det.hidden = !det.hidden; toggle.setAttribute('aria-expanded', String(!det.hidden)); });
    body.push(el('tr', { class: 'nc-row nc-alert-' + (st.alert || 'none'), 'data-agreement': row.agreement_id },
      el('td', {}, el('strong', { text: row.employee_name || row.employee_id }),
        el('div', {}, el('a', { href: '#/agreement?id=' + encodeURIComponent(row.agreement_id), class: 'muted', text: row.title }))),
      el('td', { text: row.start ? fmtDate(row.start) + ' · ' + t('nc.months', { n: row.months }) : '—' }),
      el('td', { class: 'nc-until', text: st.end && row.start ? fmtDate(st.end) : '—' }),
      el('td', { text: row.monthly_minor ? money(row.monthly_minor, row.currency) : '—' }),
      el('td', {}, el('span', { class: 'nc-phase nc-phase-' + (st.phase || 'not_started'), text: tOr('nc.phase.' + st.phase, st.phase || '') })),
      el('td', {}, el('span', { class: 'nc-badge nc-badge-' + (st.alert || 'none'), i18n: 'nc.alert.' + (st.alert || 'none') }),
        st.overdue_months ? el('div', { class: 'muted', text: t('nc.overdue_n', { n: st.overdue_months, amount: money(st.overdue_minor, row.currency) }) }) : null),
      el('td', { text: st.next_due ? fmtDate(st.next_due) : '—' }),
      el('td', {}, st.employee_may_release ? el('span', { class: 'tag danger', i18n: 'agr.yes' }) : el('span', { class: 'muted', i18n: 'agr.no' })),
      el('td', {}, toggle)));
    body.push(det);
  }
  const list = table(['nc.employee', 'nc.period', 'nc.until', 'nc.monthly', 'nc.phase', 'nc.alert', 'nc.next_due', 'nc.may_release', 'common.more'],
    body, { id: 'nc-table', scroll: true });
  return el('div', { class: 'agr-page' }, ...head, alertBox, el('section', { class: 'card' }, list));
}

export const routes = { '#/noncompetes': viewNonCompetes };
