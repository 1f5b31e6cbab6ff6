// Departures (HR, approvers, custodians, auditors): the people in their
// notice period or departed; for one person, the departure checklist, their
// customer files with a successor picker (assign), a confirm form (an
// approver other than the assigner, with a reason) and the customer's side
// (the letter, the customer's answer, an approver's waiver), and the
// departure report — what they authored, owned, borrowed and viewed, with
// per-day views and spikes. The vault decides and audits every step.
// Server text only goes through textContent.

import { alertTypeCell, clsLabel, fmtTime, localToday, pageParams, pager } from './common.js';
import { el, field, hashParams, table, toast } from './dom.js';
import { fmtDate, isEnglish, t } from './i18n.js';
import { render } from './router.js';
import { api, errorText, hasRole } from './session.js';

const nameOf = (p) => (p && (p.display_name || p.username || p.id)) || '—';
const when = (ms) => (ms ? fmtTime(ms) : '—');
const clsName = (id) => (id ? clsLabel(id) : '—');
const userParam = () => hashParams().get('user') || '';

async function viewLeavers() {
  const head = [el('h1', { i18n: 'dep.title' }), el('p', { class: 'muted', i18n: 'dep.hint' })];
  const r = await api('GET', '/api/v1/departures');
  if (!r.ok) return el('div', {}, ...head, el('div', { class: 'card error', text: errorText(r.body) }));
  const people = r.body.people || [];
  if (!people.length) return el('div', {}, ...head, el('div', { class: 'card muted', i18n: 'dep.none' }));
  const rows = people.map((p) => el('tr', { class: 'dep-row', 'data-user': p.id },
    el('td', {}, el('strong', { text: nameOf(p) }), el('div', { class: 'muted', text: p.department || '' })),
    el('td', {}, el('span', { class: 'tag', i18n: 'st.' + p.employment })),
    el('td', { text: p.notice_date ? fmtDate(p.notice_date) : '—' }), el('td', { text: p.last_working_day ? fmtDate(p.last_working_day) : '—' }),
    el('td', { class: 'dep-progress', 'data-complete': String(!!p.complete) }, ...progress(p)),
    el('td', {}, el('a', { href: '#/departures?user=' + encodeURIComponent(p.id), i18n: 'dep.open' }))));
  return el('div', {}, ...head, el('section', { class: 'card' },
    table(['dep.name', 'dep.state', 'dep.notice_date', 'dep.last_working_day', 'dep.progress', 'common.more'], rows, { id: 'departures-table', scroll: true })));
}

// Where a leaver's departure stands: complete, or the checklist's blocking
// items still open, by name.
function progress(p) {
  if (p.complete === null || p.complete === undefined) return [el('span', { class: 'muted', text: '—' })];
  if (p.complete) return [el('span', { class: 'tag', i18n: 'dep.progress.complete' })];
  const open = p.open_items || [];
  return [el('span', { class: 'tag danger', text: t('dep.progress.open', { n: open.length }) }),
    el('div', { class: 'muted', text: t('dep.progress.todo', { items: open.map((id) => t('dep.chk.' + id)).join(isEnglish() ? ', ' : '、') }) })];
}

function assignForm(userId, rec, people, err) {
  const pick = el('select', { 'aria-label': t('dep.successor') },
    el('option', { value: '', i18n: 'dep.pick' }),
    ...people.filter((p) => p.id !== userId).map((p) => el('option', { value: p.id, text: nameOf(p) })));
  const reason = el('input', { maxlength: '2048', placeholder: t('dep.reason'), 'aria-label': t('dep.reason') });
  const f = el('form', { class: 'inline dep-assign' }, pick, reason,
    el('button', { class: 'small', type: 'submit', i18n: 'dep.assign' }));
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    if (!pick.value) { err.textContent = t('dep.pick'); return; }
    const r = await api('POST', '/api/v1/departures/' + encodeURIComponent(userId) + '/handovers',
      { record: rec.id, successor: pick.value, reason: reason.value });
    if (!r.ok) { err.textContent = errorText(r.body); return; }
    toast(t('dep.assigned'));
    render();
  });
  return f;
}

// The approver says why they confirm (it goes into the audit event), as
// the assigner did.
function confirmForm(userId, rec, err) {
  const reason = el('input', { maxlength: '2048', placeholder: t('dep.confirm_reason'), 'aria-label': t('dep.confirm_reason') });
  const f = el('form', { class: 'inline dep-confirm' }, reason,
    el('button', { class: 'small primary', type: 'submit', i18n: 'dep.confirm' }));
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    if (!reason.value.trim()) { err.textContent = t('dep.confirm_reason'); reason.focus(); return; }
    const r = await api('POST', '/api/v1/departures/' + encodeURIComponent(userId) + '/handovers/' +
      encodeURIComponent(rec.id) + '/confirm', { reason: reason.value });
    if (!r.ok) { err.textContent = errorText(r.body); return; }
    toast(t('dep.done'));
    render();
  });
  return f;
}

// 一键交接: every file of the leaver with no handover yet to one successor
// (HR, approvers), and every pending handover confirmed at once
// (approvers). Each file is still decided and audited alone; the answer
// counts what was done, what was left for someone else, and the refusal that
// stopped it, if any.
function bulkCard(userId, people) {
  const err = el('div', { class: 'error', role: 'alert', id: 'bulk-error' });
  const forms = [];
  // Stopped by a refusal after some files: the page shows what was done,
  // and the refusal stays in view (not only in the toast).
  const report = async (r, doneKey) => {
    if (!r.ok) { err.textContent = errorText(r.body); return; }
    const b = r.body;
    const done = t(doneKey, { done: b.done || 0, skipped: b.skipped || 0, held: b.pending_second_approval || 0 });
    toast(done);
    await render();
    if (b.refused) {
      const box = document.getElementById('bulk-error');
      if (box) box.textContent = done + ' ' + t('dep.bulk.stopped', { why: errorText({ error: b.refused }) });
    }
  };
  if (hasRole('hr') || hasRole('approver')) {
    const pick = el('select', { id: 'bulk-successor', 'aria-label': t('dep.successor') },
      el('option', { value: '', i18n: 'dep.pick' }),
      ...people.filter((p) => p.id !== userId).map((p) => el('option', { value: p.id, text: nameOf(p) })));
    const reason = el('input', { id: 'bulk-assign-reason', maxlength: '2048', placeholder: t('dep.bulk.reason'), 'aria-label': t('dep.bulk.reason') });
    const f = el('form', { class: 'inline dep-assign', id: 'bulk-assign' }, pick, reason,
      el('button', { class: 'small primary', type: 'submit', i18n: 'dep.bulk.assign' }));
    f.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      err.textContent = '';
      if (!pick.value) { err.textContent = t('dep.pick'); pick.focus(); return; }
      if (!reason.value.trim()) { err.textContent = t('dep.bulk.reason'); reason.focus(); return; }
      if (!window.confirm(t('dep.bulk.assign_confirm', { name: pick.options[pick.selectedIndex].text }))) return;
      // Many thousand files take seconds: one click, one request.
      f.querySelector('button').disabled = true;
      const r = await api('POST', '/api/v1/departures/' + encodeURIComponent(userId) + '/assign-all',
        { successor: pick.value, reason: reason.value });
      f.querySelector('button').disabled = false;
      await report(r, 'dep.bulk.assigned');
    });
    forms.push(el('p', { class: 'muted', i18n: 'dep.bulk.assign_help' }), f);
  }
  if (hasRole('approver')) {
    const reason = el('input', { id: 'bulk-confirm-reason', maxlength: '2048', placeholder: t('dep.confirm_reason'), 'aria-label': t('dep.confirm_reason') });
    const f = el('form', { class: 'inline dep-confirm', id: 'bulk-confirm' }, reason,
      el('button', { class: 'small primary', type: 'submit', i18n: 'dep.bulk.confirm' }));
    f.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      err.textContent = '';
      if (!reason.value.trim()) { err.textContent = t('dep.confirm_reason'); reason.focus(); return; }
      if (!window.confirm(t('dep.bulk.confirm_confirm'))) return;
      f.querySelector('button').disabled = true;
      const r = await api('POST', '/api/v1/departures/' + encodeURIComponent(userId) + '/confirm-all',
        { reason: reason.value });
      f.querySelector('button').disabled = false;
      await report(r, 'dep.bulk.confirmed');
    });
    forms.push(el('p', { class: 'muted', i18n: 'dep.bulk.confirm_help' }), f);
  }
  if (!forms.length) return null;
  return el('section', { class: 'card', id: 'bulk-handover' }, el('h2', { i18n: 'dep.bulk.title' }), err, ...forms);
}

const handoverPath = (userId, rec, tail) => '/api/v1/departures/' + encodeURIComponent(userId) +
  '/handovers/' + encodeURIComponent(rec.id) + '/' + tail;

// A small form that posts `body()` and re-renders the page on success.
function postForm(cls, children, path, body, err, doneKey, check) {
  const f = el('form', { class: 'inline ' + cls }, ...children);
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    const problem = check ? check() : '';
    if (problem) { err.textContent = problem; return; }
    const r = await api('POST', path, body());
    if (!r.ok) { err.textContent = errorText(r.body); return; }
    toast(t(doneKey));
    render();
  });
  return f;
}

// The letter to the customer: who the company is and how to reach the
// successor; the vault fills in the names and dates and keeps the text.
function letterForm(userId, rec, err) {
  const lang = el('select', { 'aria-label': t('dep.cust.language') },
    el('option', { value: 'zh-CN', text: '中文' }), el('option', { value: 'en', text: 'English' }));
  const company = el('input', { maxlength: '200', placeholder: t('dep.cust.company'), 'aria-label': t('dep.cust.company'), class: 'dep-company' });
  const phone = el('input', { maxlength: '200', placeholder: t('dep.cust.phone'), 'aria-label': t('dep.cust.phone'), class: 'dep-phone' });
  const email = el('input', { maxlength: '200', placeholder: t('dep.cust.email'), 'aria-label': t('dep.cust.email') });
  const replyBy = el('input', { type: 'date', 'aria-label': t('dep.cust.reply_by'), title: t('dep.cust.reply_by') });
  return postForm('dep-letter', [lang, company, phone, email, replyBy,
    el('button', { class: 'small', type: 'submit', i18n: 'dep.cust.issue' })],
  handoverPath(userId, rec, 'customer-letter'),
  () => ({ language: lang.value, company_name: company.value, successor_phone: phone.value,
    successor_email: email.value, reply_by: replyBy.value }), err, 'dep.cust.issued',
  () => (!company.value.trim() || !phone.value.trim() ? t('dep.cust.need_company_phone') : ''));
}

// What the customer answered, how and who at the customer.
function answerForm(userId, rec, err) {
  const answer = el('select', { 'aria-label': t('dep.cust.answer'), class: 'dep-answer' },
    ...['confirmed', 'refused', 'unreachable'].map((a) => el('option', { value: a, i18n: 'dep.cust.' + a })));
  const method = el('select', { 'aria-label': t('dep.cust.method'), class: 'dep-method' },
    ...['phone', 'email', 'letter', 'visit'].map((m) => el('option', { value: m, i18n: 'dep.cust.m.' + m })));
  const contact = el('input', { maxlength: '200', placeholder: t('dep.cust.contact'), 'aria-label': t('dep.cust.contact'), class: 'dep-contact' });
  const position = el('input', { maxlength: '200', placeholder: t('dep.cust.position'), 'aria-label': t('dep.cust.position') });
  const date = el('input', { type: 'date', 'aria-label': t('dep.cust.date'), title: t('dep.cust.date'), class: 'dep-date',
    value: localToday() });
  const note = el('input', { maxlength: '2048', placeholder: t('dep.cust.note'), 'aria-label': t('dep.cust.note') });
  return postForm('dep-answer-form', [answer, method, contact, position, date, note,
    el('button', { class: 'small', type: 'submit', i18n: 'dep.cust.record' })],
  handoverPath(userId, rec, 'customer-confirmation'),
  () => ({ answer: answer.value, method: method.value, contact_name: contact.value,
    contact_position: position.value, date: date.value, note: note.value }), err, 'dep.cust.recorded',
  () => (answer.value !== 'unreachable' && !contact.value.trim() ? t('dep.cust.contact') : ''));
}

function waiveForm(userId, rec, err) {
  const reason = el('input', { maxlength: '2048', placeholder: t('dep.cust.waive_reason'), 'aria-label': t('dep.cust.waive_reason'), class: 'dep-waive-reason' });
  return postForm('dep-waive', [reason, el('button', { class: 'small', type: 'submit', i18n: 'dep.cust.waive' })],
    handoverPath(userId, rec, 'customer-waiver'), () => ({ reason: reason.value }), err, 'dep.cust.waived_done',
    () => (!reason.value.trim() ? t('dep.cust.waive_reason') : ''));
}

// The customer's side of one handover: its state, who recorded what, the
// letter, and the forms the caller's roles may use. `mine`: the caller is
// the successor, who tells the customer and records the answer.
function customerCell(userId, rec, h, mode, err, mine) {
  if (mode === 'off') return el('span', { class: 'muted', i18n: 'dep.cust.off' });
  const c = h.customer || {};
  const st = h.customer_state || 'pending';
  const lines = [el('span', { class: 'tag dep-cust-' + st, 'data-customer-state': st, i18n: 'dep.cust.' + st })];
  if (c.recorded_by) {
    lines.push(el('div', { class: 'muted' }, el('span', { i18n: 'dep.cust.m.' + c.method }),
      el('span', { text: ' · ' + (c.contact_name || '—') + (c.contact_position ? '（' + c.contact_position + '）' : '') +
        ' · ' + (c.date ? fmtDate(c.date) : '—') + ' · ' + nameOf(c.recorded_by_person) })));
    if (c.note) lines.push(el('div', { class: 'muted', text: c.note }));
  }
  if (c.waived_by) {
    lines.push(el('div', { class: 'muted' }, el('span', { i18n: 'dep.cust.waived_by' }),
      el('span', { text: ': ' + nameOf(c.waived_by_person) + ' ' + when(c.waived_at) + ' — ' + (c.waive_reason || '') })));
  }
  if (h.letter) {
    lines.push(el('div', {}, el('a', { href: handoverPath(userId, rec, 'customer-letter'), target: '_blank',
      rel: 'noopener noreferrer', class: 'dep-letter-link', i18n: 'dep.cust.letter' }),
    el('span', { class: 'muted mono', text: ' SHA-256 ' + h.letter.sha256.slice(0, 16) + '…' })));
  }
  // The forms fold away, so a long list of customers stays readable.
  const open = st !== 'confirmed';
  const forms = [];
  if (open && (mine || hasRole('custodian'))) forms.push(letterForm(userId, rec, err), answerForm(userId, rec, err));
  if (open && st !== 'waived' && hasRole('approver')) forms.push(waiveForm(userId, rec, err));
  if (forms.length) lines.push(el('details', { class: 'dep-cust-actions' }, el('summary', { i18n: 'dep.cust.actions' }), ...forms));
  return el('div', {}, ...lines);
}

// One line per checklist item: its state and what is still open.
function checklistDetail(item) {
  const d = item.details || {};
  const n = (a) => (a || []).length;
  // A long list comes cut, with how many there are in all.
  const count = (key) => (typeof d[key + '_count'] === 'number' ? d[key + '_count'] : n(d[key]));
  switch (item.id) {
    case 'resignation': return (d.notice_date ? fmtDate(d.notice_date) : '—') + ' → ' + (d.last_working_day ? fmtDate(d.last_working_day) : '—');
    case 'handovers': return t('dep.chk.handovers_detail', { confirmed: d.confirmed || 0, pending: count('pending'), unassigned: count('unassigned') });
    case 'customers': {
      const c = d.counts || {};
      return ['confirmed', 'waived', 'refused', 'unreachable', 'pending'].filter((k) => c[k])
        .map((k) => t('dep.cust.' + k) + ' ' + c[k]).join(' · ');
    }
    case 'loans': return n(d.open) ? t('dep.chk.loans_open', { n: n(d.open) }) + ': ' + d.open.join(', ') : '';
    case 'account': return (d.disabled ? t('dep.chk.disabled') : t('dep.chk.enabled')) + (d.last_working_day ? ' · ' + fmtDate(d.last_working_day) : '');
    case 'noncompete': return d.restriction_starts ? t('dep.chk.restriction_starts') + ' ' + fmtDate(d.restriction_starts) : '';
    case 'nda': return n(d.agreements) ? d.agreements.join(', ') : t('dep.no_nda');
    case 'notice':
      // Signed, but from dates or a non-compete that have changed since.
      if (item.state === 'open' && n(d.stale)) {
        return t('dep.chk.notice_stale', { ids: d.stale.map((x) => x.agreement).join(', '),
          day: d.now && d.now.last_working_day ? fmtDate(d.now.last_working_day) : '—' });
      }
      if (n(d.signed)) return d.signed.join(', ');
      if (d.refused) return t('dep.chk.notice_refused') + ' — ' + d.refused.reason + ' (' + fmtTime(d.refused.recorded_at) + ')';
      return n(d.unsigned) ? t('dep.chk.notice_unsigned') + ': ' + d.unsigned.join(', ') : t('dep.chk.notice_none');
    default: return '';
  }
}

// HR records that the leaver refused to sign the obligations notice: what
// happened and who witnessed it (it goes into the audit event).
function refusalForm(userId, item, err) {
  const reason = el('input', { maxlength: '2048', placeholder: t('dep.chk.refusal_reason'), 'aria-label': t('dep.chk.refusal_reason'), class: 'dep-refusal-reason' });
  const unsigned = (item.details && item.details.unsigned) || [];
  return postForm('dep-refusal', [reason, el('button', { class: 'small', type: 'submit', i18n: 'dep.chk.record_refusal' })],
    '/api/v1/departures/' + encodeURIComponent(userId) + '/notice-refusal',
    () => ({ agreement: unsigned.length ? unsigned[unsigned.length - 1] : '', reason: reason.value }), err, 'dep.chk.refusal_recorded',
    () => (!reason.value.trim() ? t('dep.chk.refusal_reason') : ''));
}

async function checklistSection(userId) {
  const r = await api('GET', '/api/v1/departures/' + encodeURIComponent(userId) + '/checklist');
  if (!r.ok) return el('section', { class: 'card', id: 'dep-checklist' }, el('h2', { i18n: 'dep.chk.title' }),
    el('div', { class: 'error', text: errorText(r.body) }));
  const c = r.body.checklist;
  const stateKey = (s) => 'dep.chk.state.' + (s === 'n/a' ? 'na' : s);
  const err = el('div', { class: 'error', role: 'alert' });
  const rows = (c.items || []).map((item) => el('tr', { class: 'dep-chk-' + item.id, 'data-item': item.id, 'data-state': item.state },
    el('td', { i18n: 'dep.chk.' + item.id }),
    el('td', {}, el('span', { class: 'tag ' + (item.state === 'open' ? 'danger' : ''), i18n: stateKey(item.state) })),
    el('td', { class: 'muted' }, el('div', { text: checklistDetail(item) }),
      item.id === 'notice' && item.state === 'open' && hasRole('hr') ? refusalForm(userId, item, err) : null)));
  return el('section', { class: 'card', id: 'dep-checklist', 'data-complete': String(!!c.complete) },
    el('h2', { i18n: 'dep.chk.title' }), err,
    el('p', {}, el('span', { class: 'tag ' + (c.complete ? '' : 'danger'), i18n: c.complete ? 'dep.chk.complete' : 'dep.chk.incomplete' }),
      el('span', { class: 'muted', text: ' ' + t('dep.chk.mode', { mode: t('dep.chk.mode.' + c.customer_confirmation) }) })),
    table(['dep.chk.item', 'dep.state', 'dep.chk.detail'], rows, { id: 'dep-checklist-table', scroll: true }));
}

async function handoverSection(userId) {
  // A page of the leaver's files at a time (a salesperson may leave 100 000
  // customers), as on the catalogue (common.js, pageParams).
  const page = pageParams(hashParams(), '#/departures', { user: userId });
  const r = await api('GET', '/api/v1/departures/' + encodeURIComponent(userId) + '/handovers?limit=' + page.limit +
    '&offset=' + page.offset);
  if (!r.ok) return { person: null, node: el('div', { class: 'card error', text: errorText(r.body) }) };
  const records = r.body.records || [];
  const total = r.body.total || 0;
  const canAssign = hasRole('hr') || hasRole('approver');
  let people = [];
  if (canAssign) {
    // A successor must be staying: those in their notice period or gone
    // (the leavers' list, which the same roles see) are not offered.
    const [d, leavers] = await Promise.all([api('GET', '/api/v1/people'), api('GET', '/api/v1/departures')]);
    const leaving = new Set(leavers.ok ? (leavers.body.people || []).map((p) => p.id) : []);
    if (d.ok) people = (d.body.people || []).filter((p) => !leaving.has(p.id));
  }
  const mode = r.body.customer_confirmation || 'optional';
  const err = el('div', { class: 'error', role: 'alert' });
  const rows = records.map((rec) => {
    const h = rec.handover;
    let state = el('span', { class: 'muted', text: '—' });
    let action = null;
    if (h) {
      state = el('div', {}, el('span', { class: 'tag dep-' + h.state, i18n: 'dep.' + h.state }),
        el('div', {}, el('span', { i18n: 'dep.successor' }), el('span', { text: ': ' + nameOf(h.successor_person) })),
        el('div', { class: 'muted' }, el('span', { i18n: 'dep.assigned_by' }), el('span', { text: ': ' + nameOf(h.assigned_by_person) + ' ' + when(h.assigned_at) })),
        h.confirmed_by ? el('div', { class: 'muted' }, el('span', { i18n: 'dep.confirmed_by' }),
          el('span', { text: ': ' + nameOf(h.confirmed_by_person) + ' ' + when(h.confirmed_at) })) : null);
    }
    if (!h || h.state === 'pending') {
      action = el('div', {}, canAssign ? assignForm(userId, rec, people, err) : null,
        h && hasRole('approver') ? confirmForm(userId, rec, err) : null);
    }
    const marking = rec.marking || {};
    return el('tr', { class: 'dep-record', 'data-record': rec.id },
      el('td', {}, el('strong', { text: rec.name }), el('div', { class: 'muted mono', text: rec.id })),
      el('td', {}, el('span', { class: 'tag marking-' + (marking.id || ''), text: isEnglish() ? marking.en : marking.zh })),
      el('td', { text: nameOf(rec.owner) }), el('td', {}, state),
      el('td', { class: 'dep-customer' }, h ? customerCell(userId, rec, h, mode, err) : el('span', { class: 'muted', text: '—' })),
      el('td', {}, action));
  });
  // Only when there is more than one page.
  let pages = [];
  if (total > records.length || page.offset > 0) {
    const { range, nav } = pager(page, records.length, total, { range: 'handover-range', prev: 'handover-prev', next: 'handover-next' });
    pages = [range, nav];
  }
  const body = records.length
    ? el('div', {}, table(['dep.record', 'dep.marking', 'dep.owner', 'dep.handover', 'dep.cust.title', 'common.more'], rows,
      { id: 'handover-table', scroll: true }), ...pages)
    : total ? el('div', {}, ...pages) : el('p', { class: 'muted', i18n: 'dep.no_records' });
  const bulk = total && people.length ? bulkCard(userId, people) : null;
  return { person: r.body.user, node: el('div', {}, bulk,
    el('section', { class: 'card' }, el('h2', { i18n: 'dep.records' }), err, body),
    agreementsCard(r.body.agreements || [])) };
}

// The leaver's NDA and non-compete: signed or not (never their terms). A
// missing signed NDA is what a court would ask about first.
function agreementsCard(list) {
  const signed = (kind) => list.some((a) => a.kind === kind && a.state === 'completed');
  const warnings = [];
  if (!signed('employee-nda')) warnings.push(el('p', { class: 'error dep-warning', 'data-warning': 'nda', i18n: 'dep.no_nda' }));
  if (signed('non-compete')) warnings.push(el('p', { class: 'muted', 'data-warning': 'noncompete', i18n: 'dep.noncompete_clock' }));
  const rows = list.map((a) => el('tr', { 'data-agreement': a.id },
    el('td', { i18n: 'agr.kind.' + a.kind }), el('td', { text: a.title }),
    el('td', {}, el('span', { class: 'tag', i18n: 'agr.state.' + a.state })),
    el('td', { text: a.completed_at ? when(a.completed_at) : '—' })));
  return el('section', { class: 'card', id: 'dep-agreements' }, el('h2', { i18n: 'dep.agreements' }), ...warnings,
    list.length ? table(['dep.kind', 'dep.agreement', 'dep.state', 'dep.completed_at'], rows, { id: 'dep-agreements-table', scroll: true })
      : el('p', { class: 'muted', i18n: 'dep.no_agreements' }));
}

// Records of the report; `withCounts` adds the event counts and times
// (authored, viewed). Owned records are the person's own, so no owner.
function recordRows(id, list, withCounts) {
  if (!list || !list.length) return el('p', { class: 'muted', i18n: 'dep.empty' });
  const keys = withCounts ? ['dep.record', 'dep.marking', 'dep.events', 'dep.denied', 'dep.first', 'dep.last']
    : ['dep.record', 'dep.marking'];
  return table(keys, list.map((x) => el('tr', { 'data-record': x.id },
    el('td', {}, el('span', { text: x.name || x.id }), el('div', { class: 'muted mono', text: x.id })),
    el('td', { text: clsName(x.classification) }),
    ...(withCounts ? [el('td', { class: 'dep-events', text: String(x.events) }), el('td', { text: String(x.denied) }),
      el('td', { text: when(x.first) }), el('td', { text: when(x.last) })] : []))), { id, scroll: true });
}

// What a leaver took away, per file: the allowed copies, prints, exports and
// attachment downloads ("copy 1, attachment download 2").
function takenRows(list) {
  if (!list || !list.length) return el('p', { class: 'muted', i18n: 'dep.empty' });
  const how = (uses) => Object.entries(uses || {}).map(([k, n]) => t('dep.use.' + k) + ' ' + n).join(', ');
  return table(['dep.record', 'dep.marking', 'dep.taken_what', 'dep.first', 'dep.last'], list.map((x) => el('tr', { 'data-record': x.id },
    el('td', {}, el('span', { text: x.name || x.id }), el('div', { class: 'muted mono', text: x.id })),
    el('td', { text: clsName(x.classification) }),
    el('td', { class: 'dep-uses', text: how(x.uses) }),
    el('td', { text: when(x.first) }), el('td', { text: when(x.last) }))), { id: 'dep-taken', scroll: true });
}

async function reportSection(userId) {
  const days = el('input', { id: 'dep-lookback', type: 'number', min: '1', max: '3660', value: '90' });
  const out = el('div', { id: 'dep-report' });
  const load = async () => {
    const r = await api('GET', '/api/v1/departures/' + encodeURIComponent(userId) + '/report?lookback_days=' +
      encodeURIComponent(days.value || '90'));
    if (!r.ok) { out.replaceChildren(el('div', { class: 'error', text: errorText(r.body) })); return; }
    const rep = r.body.report;
    const dayRows = (rep.days || []).map((d) => el('tr', { class: d.spike ? 'dep-spike' : '' },
      el('td', { text: fmtDate(d.date) }), el('td', { text: String(d.views) }),
      el('td', {}, d.spike ? el('span', { class: 'tag danger', i18n: 'dep.spike' }) : null)));
    const loanRows = (rep.loans || []).map((l) => el('tr', {},
      el('td', { text: l.record_name || l.record }), el('td', { text: t('kind.' + l.kind) }),
      el('td', { text: t('state.' + l.state) }),
      el('td', { text: when(l.requested_at) })));
    const alertRows = (rep.alerts || []).map((a) => el('tr', { 'data-type': a.type },
      el('td', { class: 'nw', text: when(a.at) }), alertTypeCell(a),
      el('td', { text: a.record_name || a.record || '—' }), el('td', { class: 'nw', text: String(a.audit_seq) })));
    // For someone who gave notice the window starts before their notice.
    const period = t(rep.from_notice ? 'dep.window_notice' : 'dep.window', {
      from: fmtDate(rep.from_date), to: fmtDate(rep.to_date), n: rep.lookback_days,
    });
    out.replaceChildren(
      el('p', { id: 'dep-window', class: 'muted', text: period }),
      el('p', {}, el('span', { i18n: 'dep.total_views' }), el('strong', { text: ': ' + rep.total_views + '  ' }),
        el('span', { i18n: 'dep.denied_views' }), el('strong', { text: ': ' + rep.denied_views + '  ' }),
        el('span', { i18n: 'dep.median' }), el('strong', { text: ': ' + rep.median_daily_views })),
      el('p', {}, el('span', { i18n: 'dep.spikes' }),
        el('span', { text: ': ' + ((rep.spike_days || []).map(fmtDate).join(', ') || t('dep.no_spikes')) })),
      // Counted, not listed: the handover card above lists them a page at a time.
      el('p', { id: 'dep-report-handovers', text: t('dep.report_handovers', {
        n: rep.handovers_total || 0, confirmed: rep.handovers_confirmed || 0, pending: rep.handovers_pending || 0,
      }) }),
      el('h3', { i18n: 'dep.alerts' }),
      alertRows.length ? table(['dep.alert_time', 'dep.alert_type', 'dep.record', 'dep.alert_seq'], alertRows, { id: 'dep-alerts', scroll: true })
        : el('p', { class: 'muted', i18n: 'dep.empty' }),
      // replaceChildren would print a null as the text "null".
      rep.alerts_truncated ? el('p', { class: 'muted', text: t('dep.alerts_truncated', { n: (rep.alerts || []).length }) }) : '',
      el('h3', { i18n: 'dep.days' }),
      dayRows.length ? table(['dep.date', 'dep.views', 'dep.spike'], dayRows, { id: 'dep-days', scroll: true }) : el('p', { class: 'muted', i18n: 'dep.empty' }),
      el('h3', { i18n: 'dep.outside' }), el('p', { class: 'muted', i18n: 'dep.outside_hint' }),
      recordRows('dep-outside', rep.outside_assignment, true),
      el('h3', { i18n: 'dep.taken' }), el('p', { class: 'muted', i18n: 'dep.taken_hint' }), takenRows(rep.taken),
      el('h3', { i18n: 'dep.viewed' }), recordRows('dep-viewed', rep.viewed, true),
      el('h3', { i18n: 'dep.authored' }), recordRows('dep-authored', rep.authored, true),
      el('h3', { i18n: 'dep.owned' }), recordRows('dep-owned', rep.owned, false),
      el('h3', { i18n: 'dep.loans' }),
      loanRows.length ? table(['dep.record', 'dep.kind', 'dep.loan_state', 'dep.requested_at'], loanRows, { id: 'dep-loans', scroll: true })
        : el('p', { class: 'muted', i18n: 'dep.empty' }));
  };
  const f = el('form', { class: 'inline' }, ...field('dep.lookback', days),
    el('button', { class: 'small', type: 'submit', i18n: 'dep.refresh' }));
  f.addEventListener('submit', (ev) => { ev.preventDefault(); load(); });
  if (hasRole('hr') || hasRole('auditor')) await load();
  return el('section', { class: 'card' }, el('h2', { i18n: 'dep.report' }), f, out);
}

async function viewDepartures() {
  const userId = userParam();
  if (!userId) return viewLeavers();
  const { person, node } = await handoverSection(userId);
  const back = el('a', { href: '#/departures', i18n: 'dep.back' });
  return el('div', {}, el('h1', { text: nameOf(person) || userId }), el('p', {}, back),
    await checklistSection(userId), node, await reportSection(userId));
}

// The successor's own page: every customer handed to the caller, from any
// leaver, with the letter to send and the form for the customer's answer.
async function viewHandedToMe() {
  // A page at a time (a successor may take over 100 000 customers); the
  // leavers' lines count all of their files, not only this page's.
  const page = pageParams(hashParams(), '#/handed-to-me', {});
  const r = await api('GET', '/api/v1/handovers/mine?limit=' + page.limit + '&offset=' + page.offset);
  if (!r.ok) return el('div', { class: 'card error', text: errorText(r.body) });
  const mode = r.body.customer_confirmation || 'optional';
  const err = el('div', { class: 'error', role: 'alert' });
  const records = r.body.records || [];
  const total = r.body.total || 0;
  const counts = new Map((r.body.leavers || []).map((x) => [x.id, x]));
  // One card per leaver (the list comes sorted by leaver).
  const groups = [];
  for (const rec of records) {
    if (!groups.length || groups[groups.length - 1].leaver.id !== rec.leaver.id) groups.push({ leaver: rec.leaver, records: [] });
    groups[groups.length - 1].records.push(rec);
  }
  const cards = groups.map(({ leaver, records: list }) => {
    const rows = list.map((rec) => {
      const h = rec.handover;
      const marking = rec.marking || {};
      return el('tr', { class: 'dep-record', 'data-record': rec.id },
        el('td', {}, el('a', { href: '#/record?id=' + encodeURIComponent(rec.id), text: rec.name }),
          el('div', { class: 'muted mono', text: rec.id })),
        el('td', {}, el('span', { class: 'tag marking-' + (marking.id || ''), text: isEnglish() ? marking.en : marking.zh })),
        el('td', {}, el('span', { class: 'tag dep-' + h.state, i18n: 'dep.' + h.state }),
          el('div', { class: 'muted' }, el('span', { i18n: 'dep.assigned_by' }), el('span', { text: ': ' + nameOf(h.assigned_by_person) + ' ' + when(h.assigned_at) }))),
        el('td', { class: 'dep-customer' }, customerCell(leaver.id, rec, h, mode, err, true)));
    });
    const count = counts.get(leaver.id);  // every leaver on the page is in r.body.leavers
    return el('section', { class: 'card', 'data-leaver': leaver.id },
      el('h2', { text: nameOf(leaver) + (leaver.department ? '（' + leaver.department + '）' : '') }),
      el('p', { class: 'muted', text: t('mine.leaver_line', {
        day: leaver.last_working_day ? fmtDate(leaver.last_working_day) : '—', n: count.total, open: count.open }) }),
      table(['dep.record', 'dep.marking', 'dep.handover', 'dep.cust.title'], rows, { class: 'handed-table', scroll: true }));
  });
  // Only when there is more than one page.
  let pages = [];
  if (total > records.length || page.offset > 0) {
    const { range, nav } = pager(page, records.length, total, { range: 'mine-range', prev: 'mine-prev', next: 'mine-next' });
    pages = [el('div', { class: 'card' }, range, nav)];
  }
  return el('div', {}, el('h1', { i18n: 'mine.title' }),
    el('p', { class: 'muted', i18n: 'mine.intro' }), err,
    ...(cards.length || total ? [...cards, ...pages] : [el('div', { class: 'card' }, el('p', { class: 'muted', i18n: 'mine.none' }))]));
}

// The home page's card for a successor (nothing when no file was handed to
// the caller).
export async function handedToMeCard() {
  // Only the counts are needed: a page of no files.
  const r = await api('GET', '/api/v1/handovers/mine?limit=0');
  if (!r.ok || !r.body.total) return null;
  return el('section', { class: 'card', 'data-card': 'mine.title' },
    el('h2', {}, el('span', { i18n: 'mine.title' }), ' ', el('span', { class: 'count', text: String(r.body.total) })),
    el('p', { class: 'muted', text: t('mine.open', { n: r.body.open }) }),
    el('a', { href: '#/handed-to-me', i18n: 'home.open_list' }));
}

export const routes = { '#/departures': viewDepartures, '#/handed-to-me': viewHandedToMe };
