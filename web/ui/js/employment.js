// Departures (HR): people with their employment state (active / notice given
// / departed), a form to register a resignation — notice date, last
// working day (the non-compete period starts on it) and reason — and, in
// the notice period, one to withdraw it. The vault decides and audits each. Server text only goes through
// textContent.

import { localToday } from './common.js';
import { dateInput, el, field, table, toast } from './dom.js';
import { fmtDate, isEnglish, t, tOr } from './i18n.js';
import { render } from './router.js';
import { api, errorText } from './session.js';

const nameOf = (p) => p.display_name || p.username || p.id;

function form(p) {
  const id = p.id.replace(/[^A-Za-z0-9_-]/g, '');
  const noticeField = dateInput({ id: 'emp-notice-' + id, required: true, value: p.notice_date || localToday() });
  const lastField = dateInput({ id: 'emp-last-' + id, required: true, value: p.last_working_day || '' });
  const notice = noticeField.input;
  const last = lastField.input;
  const reason = el('input', { id: 'emp-reason-' + id, maxlength: '2048' });
  const err = el('div', { class: 'error', role: 'alert' });
  const cancel = el('button', { type: 'button', class: 'secondary', i18n: 'emp.cancel' });
  // A last working day already past closes the account at once: the server
  // asks (409 confirmation_required) and this button says yes, for those
  // very dates only.
  const confirmPast = el('button', { type: 'button', class: 'small danger', id: 'emp-confirm-' + id, i18n: 'emp.confirm_past', hidden: true });
  const f = el('form', { class: 'inline emp-form', 'data-user': p.id },
    el('div', {}, ...field('emp.notice_date', noticeField)), el('div', {}, ...field('emp.last_working_day', lastField)),
    el('div', { class: 'grow' }, ...field('emp.reason', reason)),
    el('div', {}, el('button', { class: 'primary', type: 'submit', i18n: 'emp.submit' }), cancel), err, confirmPast);
  let asked = null;  // the dates the server asked to confirm
  const send = async (confirm) => {
    err.textContent = '';
    confirmPast.hidden = true;
    if (!notice.value || !last.value) { err.textContent = t('emp.missing'); return; }
    if (last.value < notice.value) { err.textContent = t('emp.bad_order'); return; }
    const body = { notice_date: notice.value, last_working_day: last.value, reason: reason.value };
    if (confirm) body.confirm_past_last_day = true;
    const r = await api('POST', '/api/v1/users/' + encodeURIComponent(p.id) + '/resignation', body);
    if (!r.ok) {
      err.textContent = errorText(r.body);
      const e = (r.body && r.body.error) || {};
      if (r.status === 409 && e.code === 'confirmation_required') {
        err.textContent = isEnglish() ? e.message_en : e.message_zh;  // written for people in both
        asked = notice.value + '|' + last.value;
        confirmPast.hidden = false;
      }
      return;
    }
    toast(t('emp.done', { name: nameOf(p) }));
    render();
  };
  f.addEventListener('submit', (ev) => { ev.preventDefault(); send(false); });
  confirmPast.addEventListener('click', () => { if (asked === notice.value + '|' + last.value) send(true); });
  for (const input of [notice, last]) input.addEventListener('input', () => { confirmPast.hidden = true; });
  return { f, cancel };
}

// Withdrawing a resignation in its notice period: a reason, then the
// server's account of what it cancelled and what it kept.
function withdrawForm(p) {
  const id = p.id.replace(/[^A-Za-z0-9_-]/g, '');
  const reason = el('input', { id: 'emp-withdraw-reason-' + id, maxlength: '2048' });
  const err = el('div', { class: 'error', role: 'alert' });
  const cancel = el('button', { type: 'button', class: 'secondary', i18n: 'emp.cancel' });
  const submit = el('button', { class: 'primary danger', type: 'submit', id: 'emp-withdraw-submit-' + id, i18n: 'emp.withdraw.submit' });
  const f = el('form', { class: 'inline emp-withdraw-form', 'data-user': p.id },
    el('div', { class: 'grow' }, ...field('emp.withdraw.reason', reason)),
    el('div', {}, submit, cancel), err);
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    if (!reason.value.trim()) { err.textContent = t('emp.withdraw.missing'); return; }
    submit.disabled = true;  // one withdrawal per click
    const r = await api('POST', '/api/v1/users/' + encodeURIComponent(p.id) + '/resignation/withdraw', { reason: reason.value });
    submit.disabled = false;
    if (!r.ok) { err.textContent = errorText(r.body); return; }
    const kept = r.body.confirmed_handovers || 0;
    const notices = (r.body.open_departure_notices || []).length;
    toast(t('emp.withdraw.done', { name: nameOf(p), n: (r.body.cancelled_handovers || []).length }) +
      (kept ? ' ' + t('emp.withdraw.kept', { n: kept }) : '') +
      (notices ? ' ' + t('emp.withdraw.notices', { n: notices }) : ''));
    render();
  });
  return { f: el('div', {}, el('p', { class: 'muted', i18n: 'emp.withdraw.hint' }), f), cancel };
}

async function viewEmployment() {
  const head = [el('h1', { i18n: 'emp.title' }), el('p', { class: 'muted', i18n: 'emp.hint' })];
  const r = await api('GET', '/api/v1/employment');
  if (!r.ok) return el('div', {}, ...head, el('div', { class: 'card error', text: errorText(r.body) }));
  const people = r.body.people || [];
  if (!people.length) return el('div', {}, ...head, el('div', { class: 'card muted', i18n: 'emp.none' }));
  // Notice period first (by last working day), then active, then departed.
  const rank = { notice_given: 0, active: 1, departed: 2 };
  people.sort((a, b) => (rank[a.employment] ?? 3) - (rank[b.employment] ?? 3) ||
    String(a.last_working_day || '').localeCompare(String(b.last_working_day || '')) ||
    nameOf(a).localeCompare(nameOf(b)));
  const body = [];
  for (const p of people) {
    const formRow = el('tr', { class: 'emp-form-row', hidden: true });
    const withdrawRow = el('tr', { class: 'emp-withdraw-row', hidden: true });
    const actions = [];
    // A button that shows `row` (holding `made`'s form) and hides the other.
    const opener = (i18n, row, other, made, cls) => {
      const button = el('button', { class: cls, type: 'button', i18n, 'aria-expanded': 'false' });
      row.append(el('td', { colspan: '6' }, made.f));
      const toggle = () => {
        row.hidden = !row.hidden;
        other.hidden = true;
        for (const b of actions) b.setAttribute('aria-expanded', 'false');
        button.setAttribute('aria-expanded', String(!row.hidden));
      };
      button.addEventListener('click', toggle);
      made.cancel.addEventListener('click', toggle);
      return button;
    };
    if (p.employment !== 'departed') {
      actions.push(opener(p.employment === 'notice_given' ? 'emp.correct' : 'emp.register',
        formRow, withdrawRow, form(p), 'small'));
    }
    if (p.employment === 'notice_given') {
      actions.push(opener('emp.withdraw', withdrawRow, formRow, withdrawForm(p), 'small danger emp-withdraw'));
    }
    body.push(el('tr', { class: 'emp-row emp-' + p.employment, 'data-user': p.id },
      el('td', {}, el('strong', { text: nameOf(p) }), el('div', { class: 'muted', text: p.username })),
      el('td', { text: p.department || '—' }),
      el('td', {}, el('span', { class: 'tag emp-st-' + p.employment, text: tOr('emp.st.' + p.employment, p.employment) }),
        p.disabled ? el('div', { class: 'muted', i18n: 'emp.disabled' }) : null),
      el('td', { text: p.notice_date ? fmtDate(p.notice_date) : '—' }),
      el('td', { text: p.last_working_day ? fmtDate(p.last_working_day) : '—' }),
      el('td', {}, ...actions)));
    body.push(formRow, withdrawRow);
  }
  const list = table(['emp.name', 'emp.department', 'emp.state', 'emp.notice_date', 'emp.last_working_day', 'common.more'],
    body, { id: 'employment-table', scroll: true });
  return el('div', {}, ...head, el('section', { class: 'card' }, list));
}

export const routes = { '#/employment': viewEmployment };
