// Customer files: search, a new file, a file's page (metadata, loan
// request, versions and diff, ownership, lowering the marking, attachments,
// copy/print/export under a loan) and viewing its content under a
// watermark. Server text only ever goes through textContent.

import { CLASSES, banner, fmtTime, isOpenLoan, loanList, marking, pageParams, pager, people, peopleSelect, person, statusCell } from './common.js';
import { dateInput, el, emptyOr, errorBox, field, hashParams, saveBlob, table, toast } from './dom.js';
import { fmtSize, t } from './i18n.js';
import { go, render } from './router.js';
import { api, detailText, errorText, hasRole, me, postForFile, showError } from './session.js';

const CONTENT_FIELDS = ['registration_number', 'address', 'business_status', 'trading_habits', 'order_volumes',
  'order_cycle', 'price_tolerance', 'agreed_prices', 'intentions', 'preferences', 'character_notes', 'notes'];

async function viewRecordList() {
  const p = hashParams();
  const list = await people();
  const q = el('input', { id: 'records-q', type: 'search', placeholder: t('records.search_hint'), value: p.get('q') || '' });
  const cls = el('select', { id: 'records-cls' }, el('option', { value: '', i18n: 'common.all' }),
    ...CLASSES.map((c) => el('option', { value: c, text: t('cls.' + c) })));
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
  // A page at a time (common.js, pageParams).
  const query = new URLSearchParams();
  for (const k of ['q', 'classification', 'owner', 'tag']) if (p.get(k)) query.set(k, p.get(k));
  const page = pageParams(p, '#/records', query);
  const r = await api('GET', '/api/v1/records?' + query.toString() + '&limit=' + page.limit + '&offset=' + page.offset);
  const byId = Object.fromEntries(list.map((x) => [x.id, x]));
  let body;
  if (!r.ok) body = el('div', { class: 'card error', text: errorText(r.body) });
  else {
    const { total, records } = r.body;
    const { range, nav } = pager(page, records.length, total, { range: 'records-total', prev: 'records-prev', next: 'records-next' });
    body = el('div', { class: 'card' }, table(['records.name', 'records.classification', 'records.owner', 'records.tags', 'records.status'],
      records.map((m) => el('tr', {},
        el('td', {}, el('a', { href: '#/record?id=' + encodeURIComponent(m.id), text: m.name })),
        el('td', {}, marking(m.classification)), el('td', { text: person(byId[m.owner]) }),
        el('td', {}, ...m.tags.map((label) => el('span', { class: 'tag', text: label }))), statusCell('td', m.status))), { id: 'records-table' }),
    range, nav);
  }
  return el('div', {}, el('h1', { i18n: 'records.title' }),
    hasRole('author') ? el('p', {}, el('a', { class: 'button', href: '#/records/new', id: 'new-record', i18n: 'records.new' })) : null, f, body);
}

function textInput(id, multiline) { return multiline ? el('textarea', { id, rows: '3' }) : el('input', { id }); }

function viewNewRecord() {
  const err = errorBox();
  const cls = el('select', { id: 'new-cls' }, ...CLASSES.map((c) => el('option', { value: c, text: t('cls.' + c) })));
  cls.value = 'confidential';
  const f = el('form', { class: 'card', id: 'new-record-form' }, el('h1', { i18n: 'new.title' }),
    ...field('new.name', el('input', { id: 'new-name', required: true, maxlength: '200' })),
    ...field('new.cls', cls), ...field('new.tags', el('input', { id: 'new-tags' })),
    ...field('new.territory', el('input', { id: 'new-territory', maxlength: '128' })),
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
      tags: v('new-tags').split(/[,，]/).map((s) => s.trim()).filter(Boolean), territory: v('new-territory').trim(),
      content: { registration_number: v('new-regno'), address: v('new-address'), trading_habits: v('new-habits'), agreed_prices: v('new-prices'), notes: v('new-notes') },
      reason: v('new-reason'),
    });
    if (!r.ok) { err.textContent = errorText(r.body); return; }
    toast(t('new.done'));
    go('#/record?id=' + encodeURIComponent(r.body.record.id));
  });
  return f;
}

async function viewRecord() {
  const id = hashParams().get('id') || '';
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
    ...dl('records.tags', m.tags.join('、')), ...dl('rec.territory', m.territory || '—'), ...dl('rec.version', String(m.latest_version))),
  el('p', { class: 'actions' }, el('a', { class: 'button', id: 'view-link', href: '#/view?id=' + enc, i18n: 'rec.view' })));

  // Borrow request.
  const berr = errorBox();
  const kind = el('select', { id: 'borrow-kind' }, ...['view', 'copy', 'print', 'export'].map((k) => el('option', { value: k, text: t('kind.' + k) })));
  const borrow = el('form', { class: 'card', id: 'borrow-form' }, el('h2', { i18n: 'rec.borrow' }),
    ...field('borrow.kind', kind), ...field('common.reason', el('input', { id: 'borrow-reason', required: true, maxlength: '500' })),
    ...field('borrow.due', dateInput({ id: 'borrow-due', type: 'datetime-local' })),
    el('button', { class: 'primary', type: 'submit', id: 'borrow-submit', i18n: 'borrow.submit' }), berr);
  borrow.addEventListener('submit', async (ev) => {
    ev.preventDefault(); berr.textContent = '';
    const due = borrow.querySelector('#borrow-due').value;
    const body = { record: id, kind: kind.value, reason: borrow.querySelector('#borrow-reason').value };
    if (due) body.due = new Date(due).getTime();
    const x = await api('POST', '/api/v1/loans', body);
    if (!x.ok) { showError(berr, x); return; }
    berr.textContent = '';
    borrow.append(el('p', { class: 'notice', id: 'borrow-done', text: t('borrow.done') + ' (' + t('kind.' + x.body.loan.kind) + ')' }));
  });

  // Versions and diff.
  const versions = vers.ok ? vers.body.versions : [];
  // Versions marked above the reader's sight (withheld) cannot be compared:
  // offered disabled, never chosen by default.
  const comparable = versions.filter((v) => !v.withheld).map((v) => v.version);
  const vsel = (sid, val) => { const s = el('select', { id: sid }, ...versions.map((v) => el('option', { value: String(v.version), text: 'v' + v.version, disabled: !!v.withheld }))); s.value = String(val); return s; };
  const older = comparable.filter((n) => n < m.latest_version).pop() || Math.max(1, m.latest_version - 1);
  const diffOut = el('div', { id: 'diff-out' });
  const derr = errorBox();
  const diffForm = el('form', { class: 'inline', id: 'diff-form' },
    el('div', {}, ...field('rec.diff.a', vsel('diff-a', older))),
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
      v.withheld ? el('td', { class: 'muted', i18n: 'rec.version.withheld' }) : el('td', { text: v.reason }),
      el('td', {}, marking(v.classification))))),
    comparable.length > 1 ? el('div', {}, el('h2', { i18n: 'rec.diff' }), diffForm, derr, diffOut) : null);

  // Ownership.
  const ownership = owns.ok ? owns.body.ownership : [];
  const ownCard = el('section', { class: 'card' }, el('h2', { i18n: 'rec.ownership' }),
    table(['common.time', 'rec.own.from', 'rec.own.to', 'rec.own.by', 'common.reason'], ownership.map((o) => el('tr', {},
      el('td', { text: fmtTime(o.at) }), el('td', { text: person(o.from) }), el('td', { text: person(o.to) }),
      el('td', { text: person(o.by) }),
      o.withheld ? el('td', { class: 'muted', i18n: 'rec.own.withheld' }) : el('td', { text: o.reason })))));
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
    const lower = CLASSES.slice(0, CLASSES.indexOf(m.classification) + 1);
    const lsel = el('select', { id: 'lower-cls' }, ...lower.map((c) => el('option', { value: c, text: t('cls.' + c) })));
    lsel.value = m.classification;
    const lf = el('form', { class: 'inline', id: 'lower-form' },
      el('div', {}, ...field('rec.lower.to', lsel)),
      el('div', {}, ...field('rec.lower.date', dateInput({ id: 'lower-date', value: m.declassify_on || '' }))),
      el('div', { class: 'grow' }, ...field('common.reason', el('input', { id: 'lower-reason', required: true }))),
      el('div', {}, el('button', { class: 'primary', type: 'submit', i18n: 'rec.lower.submit' })));
    lf.addEventListener('submit', async (ev) => {
      ev.preventDefault(); lerr.textContent = '';
      const x = await api('POST', '/api/v1/records/' + enc + '/classification', {
        classification: lsel.value, declassify_on: lf.querySelector('#lower-date').value, reason: lf.querySelector('#lower-reason').value,
      });
      if (!x.ok) { showError(lerr, x); return; }
      toast(t(x.body.pending_second_approval ? 'rec.lower.pending' : 'rec.lower.done'));
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
        const reason = window.prompt(t('view.reason'));
        if (!reason) return;
        const x = await postForFile('/api/v1/attachments/' + encodeURIComponent(a.id) + '/download', JSON.stringify({ reason }),
          { 'Content-Type': 'application/json' });
        if (!x.ok) { aerr.textContent = errorText(x.body); return; }
        saveBlob(a.filename, await x.res.blob());
      });
      return el('tr', {}, el('td', { text: a.filename }), el('td', { class: 'att-size', text: fmtSize(a.size), title: String(a.size), 'data-bytes': String(a.size) }), el('td', { text: fmtTime(a.created) }), el('td', {}, b));
    }))), aerr);
  if (m.owner === me().id) {
    const file = el('input', { id: 'att-file', type: 'file' });
    const reason = el('input', { id: 'att-reason', required: true });
    const uf = el('form', { class: 'inline', id: 'upload-form' }, el('div', {}, ...field('rec.att.file', file)),
      el('div', { class: 'grow' }, ...field('common.reason', reason)), el('div', {}, el('button', { class: 'primary', type: 'submit', i18n: 'rec.att.upload' })));
    uf.addEventListener('submit', async (ev) => {
      ev.preventDefault(); aerr.textContent = '';
      const fl = file.files[0]; if (!fl) return;
      const x = await postForFile('/api/v1/records/' + enc + '/attachments?filename=' + encodeURIComponent(fl.name) + '&reason=' + encodeURIComponent(reason.value),
        fl, { 'Content-Type': fl.type || 'application/octet-stream' });
      if (!x.ok) { aerr.textContent = errorText(x.body); return; }
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
  for (const k of CONTENT_FIELDS) if (c[k]) lines.push(t('f.' + k) + ': ' + c[k]);
  for (const p of c.contacts || []) lines.push(t('f.contacts') + ': ' + [p.name, p.title, p.phone, p.email, p.wechat].filter(Boolean).join(' · '));
  for (const d of c.key_dates || []) lines.push(t('f.key_dates') + ': ' + d.date + ' ' + d.label);
  lines.push('', wm, markingLine(u.marking));
  return lines.join('\n');
}

async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) { await navigator.clipboard.writeText(text); return true; }
  } catch (e) { /* fall back below */ }
  const area = el('textarea', { class: 'offscreen', 'aria-hidden': 'true' });
  area.value = text;
  document.body.append(area);
  area.select();
  let ok = false;
  try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
  area.remove();
  return ok;
}

// What the printer gets: the marking above and below, the watermark tiled
// over the content and written out once in full.
function printView(u, wm) {
  return el('div', { class: 'protected print-view', id: 'print-view', 'data-classification': u.classification },
    banner(u.classification),
    el('h2', { text: u.name + ' · v' + u.version }),
    el('p', { class: 'print-mark', id: 'print-mark', text: t('use.printed_by', { mark: wm }) }),
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
    if (!reason.value.trim()) { err.textContent = t('use.reason_needed'); reason.focus(); return; }
    const x = await api('POST', '/api/v1/records/' + enc + '/use', { action: kind, reason: reason.value });
    if (!x.ok) { showError(err, x); return; }
    const u = x.body;
    const wm = t('view.mark', { name: u.watermark.viewer_name, time: fmtTime(u.watermark.time), seq: u.watermark.audit_seq });
    const done = (key) => el('p', { class: 'notice', id: 'use-done', 'data-seq': String(u.watermark.audit_seq), text: t(key, { seq: u.watermark.audit_seq }) });
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
      saveBlob(u.record + '-v' + u.version + '.json', new Blob([JSON.stringify(file, null, 2) + '\n'], { type: 'application/json' }));
      out.replaceChildren(done('use.exported'));
    } else {
      const ok = await copyText(useText(u, wm));
      out.replaceChildren(ok ? done('use.copied') : el('p', { class: 'error', text: t('use.copy_failed') }));
    }
  };
  return el('section', { class: 'card', id: 'use-card' }, el('h2', { i18n: 'use.title' }),
    el('ul', {}, ...loans.map((l) => el('li', { text: t('kind.' + l.kind) + ' · ' + t('use.until', { due: fmtTime(l.due) }) }))),
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
  const id = hashParams().get('id') || '';
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
        ? t('view.exhausted') + ' (' + errorText(x.body) + ')' : detailText(x.body);
      err.dataset.code = (x.body && x.body.error && x.body.error.code) || '';
      return;
    }
    const v = x.body;
    const loans = await loanList('mine');
    const printOk = loans.some((l) => l.record === id && l.kind === 'print' && isOpenLoan(l));
    document.body.classList.toggle('print-ok', printOk);
    const wm = t('view.mark', { name: v.watermark.viewer_name, time: fmtTime(v.watermark.time), seq: v.watermark.audit_seq });
    const rows = contentRows(v.content);
    out.replaceChildren(el('div', { class: 'protected', id: 'protected' },
      banner(v.meta.classification),
      el('div', { class: 'viewinfo' },
        el('span', { id: 'views-left', text: v.views_left === null ? t('view.unlimited') : t('view.left', { n: v.views_left }) }),
        el('span', { text: t('view.used', { n: v.views_used }) }),
        el('span', { class: 'muted', id: 'audit-seq', text: 'seq ' + v.watermark.audit_seq }),
        el('span', { class: printOk ? 'notice' : 'muted', i18n: printOk ? 'view.printok' : 'view.noprint' })),
      el('h2', { text: v.meta.name + ' · v' + v.version }),
      el('dl', { class: 'content' }, ...rows),
      banner(v.meta.classification),
      watermark(wm)));
    f.querySelector('#view-submit').textContent = t('view.again');
  });
  return el('div', {}, banner(m.classification), el('h1', {}, el('a', { href: '#/record?id=' + enc, text: m.name })), f, out);
}

// Leaving the view page forgets the print permission; any navigation
// forgets a print view made under a print loan (app.js calls this on every
// hash change).
export function forgetPrint() {
  document.body.classList.remove('print-use');
  if (!location.hash.startsWith('#/view')) document.body.classList.remove('print-ok');
}

export const routes = {
  '#/records': viewRecordList, '#/records/new': viewNewRecord, '#/record': viewRecord, '#/view': viewContent,
};
