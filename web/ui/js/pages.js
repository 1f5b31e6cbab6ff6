// Records, borrowing, viewing, audit and policy pages. Loaded after app.js;
// adds its views to ROUTES. Server text only ever goes through textContent.
'use strict';

const CLASSES = ['public', 'internal', 'confidential', 'secret', 'top_secret'];
const CONTENT_FIELDS = ['registration_number', 'address', 'business_status', 'trading_habits', 'order_volumes',
  'order_cycle', 'price_tolerance', 'agreed_prices', 'intentions', 'preferences', 'character_notes', 'notes'];

function qs() { return new URLSearchParams(location.hash.split('?')[1] || ''); }
function me() { return state.session.user; }
// A person object of the API ({id, username, display_name}); the empty id is
// the system itself (e.g. versions written by declassification).
function person(p) {
  if (!p) return '';
  if (p.id === '') return I18n.t('common.system');
  return p.display_name || p.username || p.id || '';
}
function fmtTime(v) {
  if (v === undefined || v === null || v === 0 || v === '') return '';
  const d = new Date(v);
  return isNaN(d) ? String(v) : d.toLocaleString(I18n.lang === 'en' ? 'en-GB' : 'zh-CN', { hour12: false });
}
function marking(cls) { return el('span', { class: 'marking cls-' + cls, text: I18n.t('cls.' + cls) }); }
function banner(cls) {
  return el('div', { class: 'banner cls-' + cls, role: 'note', 'data-classification': cls },
    el('span', { text: I18n.t('cls.' + cls) }), el('span', { class: 'banner-en', text: cls.replace('_', ' ').toUpperCase() }));
}
// A refusal in the user's language. A policy refusal carries its rule and
// the rule's own message in both languages: Chinese shows the Chinese message
// and the rule id, English the English one ("rule: message"). Other errors
// in Chinese keep the English detail after the generic sentence.
function detailText(body) {
  if (!body || !body.error) return errorText(body);
  const e = body.error;
  if (I18n.lang === 'en') return e.message_en;
  return e.rule ? e.message_zh + '（' + I18n.t('error.rule', { rule: e.rule }) + '）' : e.message_zh + '（' + e.message_en + '）';
}
// Shows a failed call's refusal in `box`, with its code and rule as data attributes.
function showError(box, r) {
  const e = (r.body && r.body.error) || {};
  box.textContent = detailText(r.body);
  box.dataset.code = e.code || '';
  box.dataset.rule = e.rule || '';
}
// An element's attributes naming an alert type: translated when this page
// knows the type, else the type id itself.
function alertTypeAttrs(type, attrs = {}) {
  return Object.assign(attrs, CUSTOS_I18N['zh-CN']['alert.' + type] ? { i18n: 'alert.' + type } : { text: type });
}
// An alert's type and, for the anomaly rules, what crossed the line, on a
// second line.
function alertTypeCell(x) {
  const d = x.details || {};
  let detail = '';
  if (x.type === 'anomaly.view_spike') {
    detail = I18n.t('alert.detail.view_spike', { n: d.views_today, median: d.baseline_median, days: d.baseline_active_days });
  } else if (x.type === 'anomaly.repeated_denials') {
    detail = I18n.t('alert.detail.repeated_denials', { n: d.denials, minutes: d.window_minutes });
  } else if (x.type === 'anomaly.new_place') {
    detail = I18n.t('alert.detail.new_place', { ws: d.workstation || '—', loc: d.location || '—', ip: d.ip || '—', n: d.known_places });
  } else if (x.type === 'anomaly.off_hours') {
    detail = I18n.t('alert.detail.off_hours', { time: d.local_time || '—', day: I18n.t(d.working_day ? 'alert.detail.workday' : 'alert.detail.dayoff') });
  }
  // A copy, print or export (not a view) is named before the detail.
  const use = /^record\.(copy|print|export)$/.exec(d.action || '');
  if (use) detail = I18n.t('kind.' + use[1]) + (detail ? ' · ' + detail : '');
  return el('td', { title: x.type }, el('span', alertTypeAttrs(x.type)),
    detail ? el('div', { class: 'muted alert-detail', text: detail }) : null);
}
function errorBox() { return el('div', { class: 'error', role: 'alert' }); }
// A record's status is a free label; the usual ones are shown translated.
function statusCell(tag, status) {
  const known = ['active', 'dormant', 'archived'].includes(status);
  return el(tag, known ? { i18n: 'status.' + status } : { text: status });
}

function isOpenLoan(l) { return ['approved', 'released', 'active'].includes(l.state); }
// A time as the value of <input type=datetime-local> (local time, minutes).
function localInput(ms) {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 16);
}
function table(headKeys, rows, id) {
  return el('table', id ? { id } : {}, el('thead', {}, el('tr', {}, ...headKeys.map((k) => el('th', { i18n: k })))),
    el('tbody', {}, ...rows));
}
function emptyOr(rows, node) { return rows.length ? node : el('p', { class: 'muted', i18n: 'common.none' }); }
function loanState(l) { return el('span', { class: 'state st-' + l.state, text: I18n.t('state.' + l.state) }); }

// ---- home per role -------------------------------------------------------

async function loanList(scope) { const r = await api('GET', '/api/v1/loans?scope=' + scope); return r.ok ? r.body.loans : []; }

function loanRows(loans) {
  return loans.map((l) => el('tr', {},
    el('td', {}, el('a', { href: '#/record?id=' + encodeURIComponent(l.record), text: l.record_name || l.record })),
    el('td', {}, l.marking ? marking(l.marking.id) : null),
    el('td', { text: I18n.t('kind.' + l.kind) }), el('td', { text: person(l.requester_person) }),
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
  const parts = [el('h1', { text: I18n.t('home.hello', { name: u.display_name || u.username }) }),
    el('div', { class: 'card' }, el('h2', { i18n: 'home.roles' }), u.roles.length
      ? el('div', {}, ...u.roles.map((r) => el('span', { class: 'tag', text: roleLabel(r) }))) : el('p', { i18n: 'home.none' }))];
  const grid = el('div', { class: 'grid' });
  if (hasRole('author')) {
    const r = await api('GET', '/api/v1/records?owner=' + encodeURIComponent(u.id) + '&limit=8');
    const rows = r.ok ? r.body.records.map((m) => el('tr', {},
      el('td', {}, el('a', { href: '#/record?id=' + encodeURIComponent(m.id), text: m.name })), el('td', {}, marking(m.classification)))) : [];
    grid.append(el('section', { class: 'card', 'data-card': 'home.mine' }, el('h2', { i18n: 'home.mine' }),
      emptyOr(rows, table(['records.name', 'records.classification'], rows)),
      el('a', { href: '#/records/new', i18n: 'records.new' })));
  }
  if (hasRole('borrower')) grid.append(loanCard('home.loans', await loanList('mine'), '#/loans'));
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
        el('td', { text: fmtTime(e.time) }), el('td', { text: e.actor.name || e.actor.id }), el('td', { text: e.action }), el('td', { text: e.rule }))))),
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
  if (hasRole('approver')) grid.append(await Evidence.queueCard());
  parts.push(grid);
  return el('div', {}, ...parts);
}

// ---- records ---------------------------------------------------------------

let peopleCache = null;
async function people() {
  if (!peopleCache) { const r = await api('GET', '/api/v1/people'); peopleCache = r.ok ? r.body.people : []; }
  return peopleCache;
}
function peopleSelect(id, list, value, withAll) {
  const s = el('select', { id });
  if (withAll) s.append(el('option', { value: '', i18n: 'common.all' }));
  for (const p of list) s.append(el('option', { value: p.id, text: (p.display_name || p.username) + ' (' + p.username + ')' }));
  s.value = value || '';
  return s;
}

async function viewRecordList() {
  const p = qs();
  const list = await people();
  const q = el('input', { id: 'records-q', type: 'search', value: p.get('q') || '' });
  const cls = el('select', { id: 'records-cls' }, el('option', { value: '', i18n: 'common.all' }),
    ...CLASSES.map((c) => el('option', { value: c, text: I18n.t('cls.' + c) })));
  cls.value = p.get('classification') || '';
  const owner = peopleSelect('records-owner', list, p.get('owner'), true);
  const tag = el('input', { id: 'records-tag', value: p.get('tag') || '' });
  const f = el('form', { class: 'card filters', id: 'records-search' },
    el('div', {}, ...field('records.search', q)), el('div', {}, ...field('records.filter.cls', cls)),
    el('div', {}, ...field('records.filter.owner', owner)), el('div', {}, ...field('records.filter.tag', tag)),
    el('div', {}, el('button', { class: 'primary', type: 'submit', i18n: 'records.submit' })));
  f.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const n = new URLSearchParams();
    if (q.value) n.set('q', q.value); if (cls.value) n.set('classification', cls.value);
    if (owner.value) n.set('owner', owner.value); if (tag.value) n.set('tag', tag.value);
    go('#/records?' + n.toString());
  });
  const query = new URLSearchParams();
  for (const k of ['q', 'classification', 'owner', 'tag']) if (p.get(k)) query.set(k, p.get(k));
  const r = await api('GET', '/api/v1/records?' + query.toString());
  const byId = Object.fromEntries(list.map((x) => [x.id, x]));
  let body;
  if (!r.ok) body = el('div', { class: 'card error', text: errorText(r.body) });
  else {
    body = el('div', { class: 'card' }, table(['records.name', 'records.classification', 'records.owner', 'records.tags', 'records.status'],
      r.body.records.map((m) => el('tr', {},
        el('td', {}, el('a', { href: '#/record?id=' + encodeURIComponent(m.id), text: m.name })),
        el('td', {}, marking(m.classification)), el('td', { text: person(byId[m.owner]) }),
        el('td', {}, ...m.tags.map((t) => el('span', { class: 'tag', text: t }))), statusCell('td', m.status))), 'records-table'),
    el('p', { class: 'muted', text: I18n.t('records.total', { n: r.body.total }) }));
  }
  return el('div', {}, el('h1', { i18n: 'records.title' }),
    hasRole('author') ? el('p', {}, el('a', { class: 'button', href: '#/records/new', id: 'new-record', i18n: 'records.new' })) : null, f, body);
}

function textInput(id, multiline) { return multiline ? el('textarea', { id, rows: '3' }) : el('input', { id }); }

function viewNewRecord() {
  const err = errorBox();
  const cls = el('select', { id: 'new-cls' }, ...CLASSES.map((c) => el('option', { value: c, text: I18n.t('cls.' + c) })));
  cls.value = 'confidential';
  const f = el('form', { class: 'card', id: 'new-record-form' }, el('h1', { i18n: 'new.title' }),
    ...field('new.name', el('input', { id: 'new-name', required: true, maxlength: '200' })),
    ...field('new.cls', cls), ...field('new.tags', el('input', { id: 'new-tags' })),
    ...field('new.regno', textInput('new-regno')), ...field('new.address', textInput('new-address')),
    ...field('new.habits', textInput('new-habits', true)), ...field('new.prices', textInput('new-prices', true)),
    ...field('new.notes', textInput('new-notes', true)),
    ...field('new.reason', el('input', { id: 'new-reason', required: true })),
    el('button', { class: 'primary', type: 'submit', id: 'new-submit', i18n: 'new.submit' }), err);
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault(); err.textContent = '';
    const v = (id) => f.querySelector('#' + id).value;
    const r = await api('POST', '/api/v1/records', {
      kind: 'customer', name: v('new-name'), classification: v('new-cls'),
      tags: v('new-tags').split(/[,，]/).map((s) => s.trim()).filter(Boolean),
      content: { registration_number: v('new-regno'), address: v('new-address'), trading_habits: v('new-habits'), agreed_prices: v('new-prices'), notes: v('new-notes') },
      reason: v('new-reason'),
    });
    if (!r.ok) { err.textContent = errorText(r.body); return; }
    toast(I18n.t('new.done'));
    go('#/record?id=' + encodeURIComponent(r.body.record.id));
  });
  return f;
}

async function viewRecord() {
  const id = qs().get('id') || '';
  const enc = encodeURIComponent(id);
  const r = await api('GET', '/api/v1/records/' + enc);
  if (!r.ok) return el('div', { class: 'card error', text: errorText(r.body) });
  const m = r.body.record;
  const [vers, owns, atts] = await Promise.all([api('GET', '/api/v1/records/' + enc + '/versions'),
    api('GET', '/api/v1/records/' + enc + '/ownership'), api('GET', '/api/v1/records/' + enc + '/attachments')]);
  const dl = (k, v) => [el('dt', { i18n: k }), el('dd', { text: v })];
  const meta = el('section', { class: 'card' }, el('h2', { i18n: 'rec.meta' }), el('dl', { class: 'meta' },
    ...dl('rec.owner', person(m.owner_person)), ...dl('rec.author', person(m.author_person)),
    ...dl('rec.custodian', person(m.custodian_person)), el('dt', { i18n: 'rec.status' }), statusCell('dd', m.status),
    ...dl('records.tags', m.tags.join('、')), ...dl('rec.version', String(m.latest_version))),
  el('p', { class: 'actions' }, el('a', { class: 'button', id: 'view-link', href: '#/view?id=' + enc, i18n: 'rec.view' })));

  // Borrow request.
  const berr = errorBox();
  const kind = el('select', { id: 'borrow-kind' }, ...['view', 'copy', 'print', 'export'].map((k) => el('option', { value: k, text: I18n.t('kind.' + k) })));
  const borrow = el('form', { class: 'card', id: 'borrow-form' }, el('h2', { i18n: 'rec.borrow' }),
    ...field('borrow.kind', kind), ...field('common.reason', el('input', { id: 'borrow-reason', required: true, maxlength: '500' })),
    ...field('borrow.due', el('input', { id: 'borrow-due', type: 'datetime-local' })),
    el('button', { class: 'primary', type: 'submit', id: 'borrow-submit', i18n: 'borrow.submit' }), berr);
  borrow.addEventListener('submit', async (ev) => {
    ev.preventDefault(); berr.textContent = '';
    const due = borrow.querySelector('#borrow-due').value;
    const body = { record: id, kind: kind.value, reason: borrow.querySelector('#borrow-reason').value };
    if (due) body.due = new Date(due).getTime();
    const x = await api('POST', '/api/v1/loans', body);
    if (!x.ok) { showError(berr, x); return; }
    berr.textContent = '';
    borrow.append(el('p', { class: 'notice', id: 'borrow-done', text: I18n.t('borrow.done') + ' (' + I18n.t('kind.' + x.body.loan.kind) + ')' }));
  });

  // Versions and diff.
  const versions = vers.ok ? vers.body.versions : [];
  const vsel = (sid, val) => { const s = el('select', { id: sid }, ...versions.map((v) => el('option', { value: String(v.version), text: 'v' + v.version }))); s.value = String(val); return s; };
  const diffOut = el('div', { id: 'diff-out' });
  const derr = errorBox();
  const diffForm = el('form', { class: 'inline', id: 'diff-form' },
    el('div', {}, ...field('rec.diff.a', vsel('diff-a', Math.max(1, m.latest_version - 1)))),
    el('div', {}, ...field('rec.diff.b', vsel('diff-b', m.latest_version))),
    el('div', { class: 'grow' }, ...field('common.reason', el('input', { id: 'diff-reason', required: true }))),
    el('div', {}, el('button', { class: 'primary', type: 'submit', i18n: 'rec.diff.submit' })));
  diffForm.addEventListener('submit', async (ev) => {
    ev.preventDefault(); derr.textContent = '';
    const x = await api('POST', '/api/v1/records/' + enc + '/diff', { a: Number(diffForm.querySelector('#diff-a').value), b: Number(diffForm.querySelector('#diff-b').value), reason: diffForm.querySelector('#diff-reason').value });
    if (!x.ok) { showError(derr, x); return; }
    diffOut.replaceChildren(x.body.changes.length ? table(['rec.diff.field', 'rec.diff.before', 'rec.diff.after'], x.body.changes.map((c) => el('tr', {},
      el('td', { text: c.field }), el('td', { class: 'before', text: c.before }), el('td', { class: 'after', text: c.after }))))
      : el('p', { class: 'muted', i18n: 'rec.diff.same' }));
  });
  const versionCard = el('section', { class: 'card' }, el('h2', { i18n: 'rec.versions' }),
    table(['rec.version', 'common.time', 'rec.author', 'common.reason', 'records.classification'], versions.map((v) => el('tr', {},
      el('td', { text: 'v' + v.version }), el('td', { text: fmtTime(v.time) }), el('td', { text: person(v.author) }),
      el('td', { text: v.reason }), el('td', {}, marking(v.classification))))),
    versions.length > 1 ? el('div', {}, el('h2', { i18n: 'rec.diff' }), diffForm, derr, diffOut) : null);

  // Ownership.
  const ownership = owns.ok ? owns.body.ownership : [];
  const ownCard = el('section', { class: 'card' }, el('h2', { i18n: 'rec.ownership' }),
    table(['common.time', 'rec.own.from', 'rec.own.to', 'rec.own.by', 'common.reason'], ownership.map((o) => el('tr', {},
      el('td', { text: fmtTime(o.at) }), el('td', { text: person(o.from) }), el('td', { text: person(o.to) }),
      el('td', { text: person(o.by) }), el('td', { text: o.reason })))));
  if (hasRole('approver')) {
    const oerr = errorBox();
    const of = el('form', { class: 'inline', id: 'reassign-form' },
      el('div', {}, ...field('rec.own.to', peopleSelect('reassign-to', await people(), m.owner, false))),
      el('div', { class: 'grow' }, ...field('common.reason', el('input', { id: 'reassign-reason', required: true }))),
      el('div', {}, el('button', { class: 'primary', type: 'submit', i18n: 'rec.reassign.submit' })));
    of.addEventListener('submit', async (ev) => {
      ev.preventDefault(); oerr.textContent = '';
      const x = await api('POST', '/api/v1/records/' + enc + '/owner', { owner: of.querySelector('#reassign-to').value, reason: of.querySelector('#reassign-reason').value });
      if (!x.ok) { oerr.textContent = errorText(x.body); return; }
      render();
    });
    ownCard.append(el('h2', { i18n: 'rec.reassign' }), of, oerr);
  }

  // Lowering the marking: an approver's decision (never the owner's edit).
  let lowerCard = null;
  if (hasRole('approver')) {
    const lerr = errorBox();
    const levels = ['public', 'internal', 'confidential', 'secret', 'top_secret'];
    const lower = levels.slice(0, levels.indexOf(m.classification) + 1);
    const lsel = el('select', { id: 'lower-cls' }, ...lower.map((c) => el('option', { value: c, text: I18n.t('cls.' + c) })));
    lsel.value = m.classification;
    const lf = el('form', { class: 'inline', id: 'lower-form' },
      el('div', {}, ...field('rec.lower.to', lsel)),
      el('div', {}, ...field('rec.lower.date', el('input', { id: 'lower-date', type: 'date', value: m.declassify_on || '' }))),
      el('div', { class: 'grow' }, ...field('common.reason', el('input', { id: 'lower-reason', required: true }))),
      el('div', {}, el('button', { class: 'primary', type: 'submit', i18n: 'rec.lower.submit' })));
    lf.addEventListener('submit', async (ev) => {
      ev.preventDefault(); lerr.textContent = '';
      const x = await api('POST', '/api/v1/records/' + enc + '/classification', {
        classification: lsel.value, declassify_on: lf.querySelector('#lower-date').value, reason: lf.querySelector('#lower-reason').value,
      });
      if (!x.ok) { showError(lerr, x); return; }
      toast(I18n.t('rec.lower.done'));
      render();
    });
    lowerCard = el('section', { class: 'card', id: 'lower-card' }, el('h2', { i18n: 'rec.lower' }),
      el('p', { class: 'muted', i18n: 'rec.lower.hint' }), lf, lerr);
  }

  // Attachments.
  const attachments = atts.ok ? atts.body.attachments : [];
  const aerr = errorBox();
  const attCard = el('section', { class: 'card' }, el('h2', { i18n: 'rec.attachments' }),
    emptyOr(attachments, table(['rec.att.name', 'rec.att.size', 'common.time', ''], attachments.map((a) => {
      const b = el('button', { class: 'small', type: 'button', i18n: 'rec.att.download' });
      b.addEventListener('click', async () => {
        aerr.textContent = '';
        const reason = window.prompt(I18n.t('view.reason'));
        if (!reason) return;
        const res = await fetch('/api/v1/attachments/' + encodeURIComponent(a.id) + '/download', { method: 'POST', credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': state.csrf }, body: JSON.stringify({ reason }) });
        if (!res.ok) { let body = null; try { body = await res.json(); } catch (e) { body = null; } aerr.textContent = errorText(body); return; }
        const url = URL.createObjectURL(await res.blob());
        const link = el('a', { href: url, download: a.filename }); document.body.append(link); link.click(); link.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10000);
      });
      return el('tr', {}, el('td', { text: a.filename }), el('td', { text: String(a.size) }), el('td', { text: fmtTime(a.created) }), el('td', {}, b));
    }))), aerr);
  if (m.owner === me().id) {
    const file = el('input', { id: 'att-file', type: 'file' });
    const reason = el('input', { id: 'att-reason', required: true });
    const uf = el('form', { class: 'inline', id: 'upload-form' }, el('div', {}, ...field('rec.att.file', file)),
      el('div', { class: 'grow' }, ...field('common.reason', reason)), el('div', {}, el('button', { class: 'primary', type: 'submit', i18n: 'rec.att.upload' })));
    uf.addEventListener('submit', async (ev) => {
      ev.preventDefault(); aerr.textContent = '';
      const fl = file.files[0]; if (!fl) return;
      const res = await fetch('/api/v1/records/' + enc + '/attachments?filename=' + encodeURIComponent(fl.name) + '&reason=' + encodeURIComponent(reason.value),
        { method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': fl.type || 'application/octet-stream', 'X-CSRF-Token': state.csrf }, body: fl });
      if (!res.ok) { let body = null; try { body = await res.json(); } catch (e) { body = null; } aerr.textContent = errorText(body); return; }
      render();
    });
    attCard.append(uf);
  }
  const useCard = await usesCard(m, enc);
  return el('div', {}, banner(m.classification), el('h1', { id: 'record-name', text: m.name },
    m.legal_hold ? el('span', { class: 'badge hold', id: 'hold-badge', i18n: 'rec.legal_hold' }) : null), meta,
    useCard, useCard ? el('div', { id: 'use-out' }) : null,
    hasRole('borrower') ? borrow : null, versionCard, ownCard, lowerCard, attCard);
}

// ---- copy, print, export under an approved loan ------------------------------

// The rows of a record's content (dt/dd pairs).
function contentRows(c) {
  const rows = [];
  for (const k of CONTENT_FIELDS) if (c[k]) rows.push(el('dt', { i18n: 'f.' + k }), el('dd', { text: c[k] }));
  if (c.contacts && c.contacts.length) rows.push(el('dt', { i18n: 'f.contacts' }), el('dd', {}, ...c.contacts.map((p) => el('div', { text: [p.name, p.title, p.phone, p.email, p.wechat].filter(Boolean).join(' · ') }))));
  if (c.key_dates && c.key_dates.length) rows.push(el('dt', { i18n: 'f.key_dates' }), el('dd', {}, ...c.key_dates.map((d) => el('div', { text: d.date + ' ' + d.label }))));
  return rows;
}

// The marking as one line in both languages: 【秘密 · CONFIDENTIAL】.
function markingLine(mk) { return '【' + mk.zh + ' · ' + String(mk.en).toUpperCase() + '】'; }

// Plain text of a use (copy, text export): marking first and last, then the
// watermark line, so the copy carries both wherever it is pasted.
function useText(u, wm) {
  const c = u.content;
  const lines = [markingLine(u.marking), u.name + ' · v' + u.version, ''];
  for (const k of CONTENT_FIELDS) if (c[k]) lines.push(I18n.t('f.' + k) + ': ' + c[k]);
  for (const p of c.contacts || []) lines.push(I18n.t('f.contacts') + ': ' + [p.name, p.title, p.phone, p.email, p.wechat].filter(Boolean).join(' · '));
  for (const d of c.key_dates || []) lines.push(I18n.t('f.key_dates') + ': ' + d.date + ' ' + d.label);
  lines.push('', wm, markingLine(u.marking));
  return lines.join('\n');
}

async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) { await navigator.clipboard.writeText(text); return true; }
  } catch (e) { /* fall back below */ }
  const t = el('textarea', { class: 'offscreen', 'aria-hidden': 'true' });
  t.value = text;
  document.body.append(t);
  t.select();
  let ok = false;
  try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
  t.remove();
  return ok;
}

function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = el('a', { href: url, download: name, class: 'offscreen' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// What the printer gets: the marking above and below, the watermark tiled
// over the content and written out once in full.
function printView(u, wm) {
  return el('div', { class: 'protected print-view', id: 'print-view', 'data-classification': u.classification },
    banner(u.classification),
    el('h2', { text: u.name + ' · v' + u.version }),
    el('p', { class: 'print-mark', id: 'print-mark', text: I18n.t('use.printed_by', { mark: wm }) }),
    el('dl', { class: 'content' }, ...contentRows(u.content)),
    banner(u.classification),
    watermark(wm));
}

// On the record page: one action per open copy/print/export loan of the
// caller's. Each use is a separate audited call; without such a loan there is
// no card and the content stays unselectable and unprintable.
async function usesCard(m, enc) {
  document.body.classList.remove('print-ok', 'print-use');
  if (!hasRole('borrower')) return null;
  const now = Date.now();
  const loans = (await loanList('mine')).filter((l) => l.record === m.id && l.kind !== 'view' && isOpenLoan(l) && (!l.due || l.due > now));
  if (!loans.length) return null;
  const kinds = [...new Set(loans.map((l) => l.kind))];
  const err = errorBox();
  err.id = 'use-error';
  const reason = el('input', { id: 'use-reason', required: true, maxlength: '500' });
  const act = async (kind) => {
    err.textContent = '';
    // Only the print view of a print just made may reach paper.
    document.body.classList.remove('print-ok', 'print-use');
    const out = document.getElementById('use-out');
    if (!reason.value.trim()) { err.textContent = I18n.t('use.reason_needed'); reason.focus(); return; }
    const x = await api('POST', '/api/v1/records/' + enc + '/use', { action: kind, reason: reason.value });
    if (!x.ok) { showError(err, x); return; }
    const u = x.body;
    const wm = I18n.t('view.mark', { name: u.watermark.viewer_name, time: fmtTime(u.watermark.time), seq: u.watermark.audit_seq });
    const done = (key) => el('p', { class: 'notice', id: 'use-done', 'data-seq': String(u.watermark.audit_seq), text: I18n.t(key, { seq: u.watermark.audit_seq }) });
    if (kind === 'print') {
      out.replaceChildren(done('use.printed'), printView(u, wm));
      document.body.classList.add('print-ok', 'print-use');
      window.print();
    } else if (kind === 'export') {
      const file = {
        format: 'custos-export/1', marking: u.marking, marking_text: markingLine(u.marking),
        record: { id: u.record, name: u.name, version: u.version, classification: u.classification },
        watermark: u.watermark, exported_for: reason.value, content: u.content,
      };
      download(u.record + '-v' + u.version + '.json', 'application/json', JSON.stringify(file, null, 2) + '\n');
      out.replaceChildren(done('use.exported'));
    } else {
      const ok = await copyText(useText(u, wm));
      out.replaceChildren(ok ? done('use.copied') : el('p', { class: 'error', text: I18n.t('use.copy_failed') }));
    }
  };
  return el('section', { class: 'card', id: 'use-card' }, el('h2', { i18n: 'use.title' }),
    el('ul', {}, ...loans.map((l) => el('li', { text: I18n.t('kind.' + l.kind) + ' · ' + I18n.t('use.until', { due: fmtTime(l.due) }) }))),
    ...field('use.reason', reason),
    el('p', { class: 'actions' }, ...kinds.map((k) => {
      const b = el('button', { type: 'button', class: 'primary', id: 'use-' + k, i18n: 'use.' + k });
      b.addEventListener('click', () => act(k));
      return b;
    })), err);
}

// ---- viewing under a watermark -----------------------------------------------

function watermark(text) {
  const w = el('div', { class: 'watermark', 'aria-hidden': 'true' });
  for (let i = 0; i < 48; i += 1) w.append(el('span', { text }));
  return w;
}

async function viewContent() {
  const id = qs().get('id') || '';
  const enc = encodeURIComponent(id);
  const r = await api('GET', '/api/v1/records/' + enc);
  if (!r.ok) return el('div', { class: 'card error', text: errorText(r.body) });
  const m = r.body.record;
  const out = el('div', { id: 'view-out' });
  const err = el('div', { class: 'error big', role: 'alert', id: 'view-error' });
  const reason = el('input', { id: 'view-reason', required: true, maxlength: '500', value: sessionStorage.getItem('custos.reason.' + id) || '' });
  const f = el('form', { class: 'card', id: 'view-form' }, ...field('view.reason', reason),
    el('button', { class: 'primary', type: 'submit', id: 'view-submit', i18n: 'view.submit' }), err);
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault(); err.textContent = ''; out.replaceChildren();
    sessionStorage.setItem('custos.reason.' + id, reason.value);
    const x = await api('POST', '/api/v1/records/' + enc + '/view', { reason: reason.value });
    if (!x.ok) {
      err.textContent = x.body && x.body.error && x.body.error.code === 'resource_exhausted'
        ? I18n.t('view.exhausted') + ' (' + errorText(x.body) + ')' : detailText(x.body);
      err.dataset.code = (x.body && x.body.error && x.body.error.code) || '';
      return;
    }
    const v = x.body;
    const loans = await loanList('mine');
    const printOk = loans.some((l) => l.record === id && l.kind === 'print' && isOpenLoan(l));
    document.body.classList.toggle('print-ok', printOk);
    const wm = I18n.t('view.mark', { name: v.watermark.viewer_name, time: fmtTime(v.watermark.time), seq: v.watermark.audit_seq });
    const rows = contentRows(v.content);
    out.replaceChildren(el('div', { class: 'protected', id: 'protected' },
      banner(v.meta.classification),
      el('div', { class: 'viewinfo' },
        el('span', { id: 'views-left', text: v.views_left === null ? I18n.t('view.unlimited') : I18n.t('view.left', { n: v.views_left }) }),
        el('span', { text: I18n.t('view.used', { n: v.views_used }) }),
        el('span', { class: 'muted', id: 'audit-seq', text: 'seq ' + v.watermark.audit_seq }),
        el('span', { class: printOk ? 'notice' : 'muted', i18n: printOk ? 'view.printok' : 'view.noprint' })),
      el('h2', { text: v.meta.name + ' · v' + v.version }),
      el('dl', { class: 'content' }, ...rows),
      banner(v.meta.classification),
      watermark(wm)));
    f.querySelector('#view-submit').textContent = I18n.t('view.again');
  });
  return el('div', {}, banner(m.classification), el('h1', {}, el('a', { href: '#/record?id=' + enc, text: m.name })), f, out);
}

// ---- loans -------------------------------------------------------------------

function actionButton(labelKey, cls, fn) {
  const b = el('button', { type: 'button', class: 'small ' + (cls || ''), i18n: labelKey });
  b.addEventListener('click', fn);
  return b;
}

async function loanTable(loans, actions, id) {
  const rows = loans.map((l) => {
    const err = el('div', { class: 'error' });
    const comment = el('input', { class: 'comment', placeholder: I18n.t('common.comment'), 'aria-label': I18n.t('common.comment') });
    const acts = actions(l, comment, err);
    return el('tr', { 'data-loan': l.id },
      el('td', {}, el('a', { href: '#/record?id=' + encodeURIComponent(l.record), text: l.record_name || l.record })),
      el('td', {}, l.marking ? marking(l.marking.id) : null),
      el('td', { text: I18n.t('kind.' + l.kind) }),
      el('td', {}, el('span', { text: person(l.requester_person) }), l.requester === me().id && acts.length ? el('span', { class: 'muted', i18n: 'appr.own' }) : null),
      el('td', { class: 'reason', text: l.reason }),
      el('td', {}, loanState(l), l.overdue ? el('span', { class: 'tag danger', i18n: 'loans.overdue' }) : null),
      el('td', { class: 'due' }, el('span', { class: 'due-at', text: fmtTime(l.due) }),
        l.extension_due ? el('div', { class: 'muted ext-pending', text: I18n.t('ext.asked', { due: fmtTime(l.extension_due) }) }) : null),
      el('td', { class: 'acts' }, acts.length ? comment : null, ...acts, err));
  });
  return emptyOr(rows, table(['common.record', 'records.classification', 'loans.kind', 'loans.requester', 'common.reason', 'loans.state', 'loans.due', 'loans.actions'], rows, id));
}

function stepper(path, needComment) {
  return async (l, comment, err) => {
    err.textContent = '';
    if (needComment && !comment.value.trim()) { err.textContent = I18n.t('appr.comment_needed'); return; }
    const x = await api('POST', '/api/v1/loans/' + encodeURIComponent(l.id) + '/' + path, { comment: comment.value });
    if (!x.ok) { showError(err, x); return; }
    toast(I18n.t('appr.done'));
    render();
  };
}

// An extension is a new approval of a later due time (counted like
// approvals); the answer shows the new due time, or the pending one.
async function extendLoan(l, due, comment, err) {
  err.textContent = '';
  if (!due) { err.textContent = I18n.t('ext.due_needed'); return; }
  const x = await api('POST', '/api/v1/loans/' + encodeURIComponent(l.id) + '/extend', { due, comment: comment.value });
  if (!x.ok) { showError(err, x); return; }
  const n = x.body.loan;
  toast(n.extension_due ? I18n.t('ext.pending', { due: fmtTime(n.extension_due) }) : I18n.t('ext.done', { due: fmtTime(n.due) }));
  await render();
}

async function viewMyLoans() {
  const loans = await loanList('mine');
  const ret = stepper('return', false);
  return el('div', {}, el('h1', { i18n: 'loans.title' }), el('div', { class: 'card' }, await loanTable(loans, (l, c, e) =>
    (['released', 'active', 'approved'].includes(l.state) ? [actionButton('loans.return', '', () => ret(l, c, e))] : []), 'my-loans')));
}

async function viewApprovals() {
  const [loans, open] = await Promise.all([loanList('approve'), loanList('open')]);
  const approve = stepper('approve', false);
  const deny = stepper('deny', true);
  const now = Date.now();
  return el('div', {}, el('h1', { i18n: 'appr.title' }), await Evidence.queueCard(), el('div', { class: 'card' }, await loanTable(loans, (l, c, e) => (isOpenLoan(l) && l.extension_due
    ? [actionButton('ext.approve', 'ok', () => extendLoan(l, l.extension_due, c, e))]
    : [actionButton('appr.approve', 'ok', () => approve(l, c, e)), actionButton('appr.deny', 'danger', () => deny(l, c, e))]), 'approval-queue')),
  el('section', { class: 'card' }, el('h2', { i18n: 'ext.title' }), el('p', { class: 'muted', i18n: 'ext.desc' }),
    await loanTable(open.filter((l) => !l.due || l.due > now), (l, c, e) => {
      const until = el('input', { type: 'datetime-local', class: 'extend-due', 'aria-label': I18n.t('ext.until'), value: localInput((l.due || now) + 24 * 3600000) });
      return [el('label', { class: 'small', i18n: 'ext.until' }), until,
        actionButton('ext.submit', 'ok extend', () => extendLoan(l, until.value ? new Date(until.value).getTime() : 0, c, e))];
    }, 'open-loans')));
}

async function viewCustody() {
  const release = stepper('release', false);
  const back = stepper('return', false);
  const revoke = stepper('revoke', true);
  const [rel, out, overdue] = await Promise.all([loanList('release'), loanList('out'), loanList('overdue')]);
  return el('div', {}, el('h1', { i18n: 'cust.title' }),
    el('section', { class: 'card' }, el('h2', { i18n: 'home.release' }), await loanTable(rel, (l, c, e) => [actionButton('cust.release', 'ok', () => release(l, c, e))], 'to-release')),
    el('section', { class: 'card' }, el('h2', { i18n: 'home.out' }), await loanTable(out, (l, c, e) => [actionButton('cust.takeback', '', () => back(l, c, e)), actionButton('cust.revoke', 'danger', () => revoke(l, c, e))], 'to-take-back')),
    el('section', { class: 'card' }, el('h2', { i18n: 'home.overdue' }), await loanTable(overdue, (l, c, e) => [actionButton('cust.takeback', '', () => back(l, c, e))], 'overdue')));
}

// ---- audit -------------------------------------------------------------------

async function viewAudit() {
  const p = qs();
  const keys = ['actor', 'record', 'action', 'decision', 'from', 'to'];
  const inputs = {
    actor: el('input', { id: 'audit-actor', value: p.get('actor') || '' }),
    record: el('input', { id: 'audit-record', value: p.get('record') || '' }),
    action: el('input', { id: 'audit-action', value: p.get('action') || '' }),
    decision: el('select', { id: 'audit-decision' }, el('option', { value: '', i18n: 'common.all' }),
      el('option', { value: 'allow', i18n: 'common.allow' }), el('option', { value: 'deny', i18n: 'common.deny' })),
    from: el('input', { id: 'audit-from', type: 'datetime-local', value: p.get('from') || '' }),
    to: el('input', { id: 'audit-to', type: 'datetime-local', value: p.get('to') || '' }),
  };
  inputs.decision.value = p.get('decision') || '';
  const offset = Number(p.get('offset') || 0);
  const f = el('form', { class: 'card filters', id: 'audit-form' },
    ...keys.map((k) => el('div', {}, ...field('audit.' + k, inputs[k]))),
    el('div', {}, el('button', { class: 'primary', type: 'submit', id: 'audit-submit', i18n: 'audit.search' })));
  const target = (off) => {
    const n = new URLSearchParams();
    for (const k of keys) if (inputs[k].value) n.set(k, inputs[k].value);
    if (off) n.set('offset', String(off));
    return '#/audit?' + n.toString();
  };
  f.addEventListener('submit', (ev) => { ev.preventDefault(); go(target(0)); });
  const q = new URLSearchParams();
  for (const k of keys) {
    const v = p.get(k);
    if (!v) continue;
    q.set(k, (k === 'from' || k === 'to') ? new Date(v).toISOString() : v);
  }
  q.set('limit', '50'); q.set('offset', String(offset));
  const [r, cp] = await Promise.all([api('GET', '/api/v1/audit/events?' + q.toString()), api('GET', '/api/v1/audit/checkpoint')]);
  let body;
  if (!r.ok) body = el('div', { class: 'card error', text: errorText(r.body) });
  else {
    const proofOut = el('pre', { class: 'mono', id: 'proof-out' });
    const rows = r.body.events.map((e) => {
      const b = actionButton('audit.proof', '', async () => {
        const x = await api('GET', '/api/v1/audit/events/' + e.seq + '/proof');
        proofOut.textContent = x.ok ? x.body.proof : errorText(x.body);
      });
      const place = [e.place.ip, e.place.workstation, e.place.location].filter(Boolean).join(' / ');
      return el('tr', { class: e.decision === 'deny' ? 'denied' : '' },
        el('td', { class: 'nw', text: String(e.seq) }), el('td', { text: fmtTime(e.time) }),
        el('td', { class: 'nw', text: e.actor.name || e.actor.id }),
        el('td', { text: e.action }), el('td', { class: 'obj', text: (e.object.type || '') + ' ' + (e.object.id || '') }),
        el('td', { class: 'nw', i18n: e.decision === 'allow' ? 'common.allow' : 'common.deny' }), el('td', { text: e.rule }),
        el('td', { class: 'reason', text: e.reason }), el('td', { text: place }), el('td', { class: 'nw' }, b));
    });
    const nav = el('div', { class: 'pager' },
      offset > 0 ? el('a', { href: target(Math.max(0, offset - 50)), i18n: 'audit.prev' }) : null,
      r.body.more ? el('a', { href: target(offset + 50), i18n: 'audit.next' }) : null);
    // The server counts all matches only when it read to the end of the log.
    const count = r.body.more ? I18n.t('audit.total_more', { n: offset + r.body.events.length })
      : I18n.t('audit.total', { n: r.body.total });
    body = el('div', { class: 'card wide' }, el('p', { class: 'muted', id: 'audit-total', text: count }),
      el('div', { class: 'scroll' }, table(['audit.seq', 'common.time', 'common.person', 'common.action', 'common.record', 'common.decision', 'audit.rule', 'common.reason', 'audit.place', ''], rows, 'audit-table')),
      nav, proofOut);
  }
  const cpCard = el('section', { class: 'card' }, el('h2', { i18n: 'audit.checkpoint' }),
    el('pre', { class: 'mono', id: 'checkpoint', text: cp.ok ? cp.body.checkpoint : errorText(cp.body) }));
  return el('div', {}, el('h1', { i18n: 'audit.title' }), f, body, cpCard);
}

// ---- alerts (auditors) ---------------------------------------------------------

// The latest 1 000 alerts, filtered here by type and person; each links to
// the file's events in the audit log.
async function viewAlerts() {
  const p = qs();
  const r = await api('GET', '/api/v1/alerts?limit=1000');
  if (!r.ok) return el('div', {}, el('h1', { i18n: 'alerts.title' }), el('div', { class: 'card error', text: errorText(r.body) }));
  const all = r.body.alerts;
  const typeSel = el('select', { id: 'alerts-type' }, el('option', { value: '', i18n: 'common.all' }),
    ...[...new Set(all.map((x) => x.type))].sort().map((ty) => el('option', alertTypeAttrs(ty, { value: ty }))));
  typeSel.value = p.get('type') || '';
  const who = el('input', { id: 'alerts-person', value: p.get('person') || '' });
  const f = el('form', { class: 'card filters', id: 'alerts-form' },
    el('div', {}, ...field('alerts.type', typeSel)), el('div', {}, ...field('common.person', who)),
    el('div', {}, el('button', { class: 'primary', type: 'submit', id: 'alerts-submit', i18n: 'audit.search' })));
  f.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const n = new URLSearchParams();
    if (typeSel.value) n.set('type', typeSel.value);
    if (who.value.trim()) n.set('person', who.value.trim());
    go('#/alerts?' + n.toString());
  });
  const needle = (p.get('person') || '').toLowerCase();
  const shown = all.filter((x) => (!p.get('type') || x.type === p.get('type')) &&
    (!needle || [x.user_id, (x.user || {}).username, (x.user || {}).display_name].some((v) => v && String(v).toLowerCase().includes(needle))));
  const rows = shown.map((x) => el('tr', { 'data-type': x.type },
    el('td', { class: 'nw', text: fmtTime(x.at) }), alertTypeCell(x), el('td', { class: 'nw', text: person(x.user) }),
    el('td', {}, x.record_id ? el('a', { href: '#/record?id=' + encodeURIComponent(x.record_id), text: x.record_name || x.record_id }) : null),
    el('td', { class: 'nw' }, x.record_id ? el('a', { href: '#/audit?record=' + encodeURIComponent(x.record_id), text: String(x.audit_seq) }) : el('span', { text: String(x.audit_seq) }))));
  const count = el('p', { class: 'muted', id: 'alerts-total', text: I18n.t('alerts.count', { n: shown.length, all: all.length }) });
  return el('div', {}, el('h1', { i18n: 'alerts.title' }), f,
    el('div', { class: 'card wide' }, count, emptyOr(rows, el('div', { class: 'scroll' },
      table(['common.time', 'alerts.type', 'common.person', 'common.record', 'audit.seq'], rows, 'alerts-table')))));
}

// ---- policy ------------------------------------------------------------------

// The policy's working hours (the off-hours alert), in one line.
function workHoursText(w) {
  if (!w) return I18n.t('policy.workhours.none');
  const days = w.days.map((d) => I18n.t('weekday.' + d)).join(I18n.t('policy.workhours.sep'));
  let text = I18n.t('policy.workhours.line', { days, start: w.start, end: w.end, offset: w.utc_offset });
  if (w.holidays.length) text += ' · ' + I18n.t('policy.workhours.holidays', { list: w.holidays.join(', ') });
  if (w.workdays.length) text += ' · ' + I18n.t('policy.workhours.workdays', { list: w.workdays.join(', ') });
  return text;
}

// The anomaly rules' thresholds, in one line.
function anomalyRulesText(a) {
  if (!a) return '—';
  return I18n.t('policy.anomaly.line', { factor: a.spike_factor, views: a.spike_min_views, days: a.baseline_min_days,
    denials: a.denials, minutes: a.denial_window_minutes });
}

async function viewPolicy() {
  const r = await api('GET', '/api/v1/policy?source=1');
  if (!r.ok) return el('div', { class: 'card error', text: errorText(r.body) });
  const p = r.body;
  const yn = (b) => I18n.t(b ? 'yes' : 'no');
  const use = (u) => I18n.t('policy.use.' + u.permission) + (u.approvals ? ' (' + u.approvals + ')' : '');
  const rows = p.summary.classifications.map((c) => el('tr', {},
    el('td', {}, marking(c.classification)), el('td', { text: c.view_quota === null ? I18n.t('policy.unlimited') : String(c.view_quota) }),
    el('td', { text: String(c.quota_window_days) }), el('td', { text: String(c.loan_approvals) }), el('td', { text: String(c.max_loan_hours) }),
    el('td', { text: yn(c.custodian_release) }), el('td', { text: use(c.copy) }), el('td', { text: use(c.print) }), el('td', { text: use(c.export) })));
  // What each role may do: the policy's action ids, labelled (an action
  // this page does not know yet keeps its id).
  const actionName = (a) => { const k = 'act.' + a; const s = I18n.t(k); return s === k ? a : s; };
  const roleRows = Object.entries(p.summary.roles || {}).map(([role, actions]) => el('tr', { 'data-role': role },
    el('td', { text: roleLabel(role) }),
    el('td', {}, ...actions.map((a) => el('span', { class: 'tag', 'data-action': a, text: actionName(a) })))));
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
    toast(I18n.t('policy.applied')); render();
  });
  return el('div', {}, el('h1', { i18n: 'policy.title' }),
    el('section', { class: 'card' }, el('dl', { class: 'meta' }, el('dt', { i18n: 'policy.version' }), el('dd', { text: p.version }),
      el('dt', { i18n: 'policy.hash' }), el('dd', { class: 'mono', id: 'policy-hash', text: p.sha256 }),
      el('dt', { i18n: 'policy.workhours' }), el('dd', { id: 'policy-workhours', text: workHoursText(p.summary.work_hours) }),
      el('dt', { i18n: 'policy.anomaly' }), el('dd', { id: 'policy-anomaly', text: anomalyRulesText(p.summary.anomaly_rules) })),
    el('h2', { i18n: 'policy.rules' }), el('div', { class: 'scroll' }, table(['records.classification', 'policy.quota', 'policy.window', 'policy.approvals', 'policy.maxhours', 'policy.release', 'policy.copy', 'policy.print', 'policy.export'], rows)),
    el('h2', { i18n: 'policy.permits' }), el('div', { class: 'scroll' }, table(['users.roles', 'policy.actions'], roleRows, 'policy-roles'))),
    el('section', { class: 'card' }, el('h2', { i18n: 'policy.history' }), table(['common.time', 'policy.version', 'rec.own.by', 'policy.hash'],
      p.history.map((h) => el('tr', {}, el('td', { text: fmtTime(h.applied_at) }), el('td', { text: h.version }), el('td', { text: person(h.applied_by) }), el('td', { class: 'mono', text: h.sha256.slice(0, 16) + '…' }))))),
    hasRole('admin') ? f : null);
}

Object.assign(ROUTES, {
  '#/home': viewHomeRoles, '#/records': viewRecordList, '#/records/new': viewNewRecord, '#/record': viewRecord,
  '#/view': viewContent, '#/loans': viewMyLoans, '#/approvals': viewApprovals, '#/custody': viewCustody,
  '#/audit': viewAudit, '#/alerts': viewAlerts, '#/admin/policy': viewPolicy,
});

// Leaving the view page forgets the print permission; any navigation
// forgets a print view made under a print loan.
window.addEventListener('hashchange', () => {
  document.body.classList.remove('print-use');
  if (!location.hash.startsWith('#/view')) document.body.classList.remove('print-ok');
});
