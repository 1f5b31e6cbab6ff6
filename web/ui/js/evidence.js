// Evidence (litigation, approvers, auditors): the evidence requests of each
// case with their state, approvals, legal hold and exports; litigation's
// request form (case, purpose, people, records, window, redaction, outside
// counsel's age key) with a preview of the scope's size; export and later
// downloads of the bundle; approvers' decisions; the legal holds. The vault
// decides and audits every step. Server text only goes through textContent.

import { fmtTime, marking, people, person } from './common.js';
import { actionButton, dateInput, el, errorBox, field, saveBlob, table, toast } from './dom.js';
import { t } from './i18n.js';
import { render } from './router.js';
import { api, errorText, hasRole, me, postForFile, showError } from './session.js';

const when = (ms) => (ms ? fmtTime(ms) : '—');

function stateCell(r) {
  return el('span', { class: 'state ev-' + r.state, 'data-state': r.state, i18n: 'ev.state.' + r.state });
}
function holdCell(r) {
  if (r.hold.active) return el('span', { class: 'badge hold', i18n: 'ev.hold.active' });
  return el('span', { class: 'muted', i18n: r.hold.lifted ? 'ev.hold.lifted' : 'ev.hold.none' });
}
function scopeText(r) {
  const names = r.scope.people.map(person);
  const records = r.scope.records.map((x) => x.name || x.id);
  return [...names, ...records].join('、');
}

// Saves a bundle the server streamed (fetch → blob → a link that downloads).
async function fetchBundle(path) {
  const x = await postForFile(path);
  if (!x.ok) return x;
  const { res } = x;
  const blob = await res.blob();
  const cd = res.headers.get('Content-Disposition') || '';
  const m = /filename="([^"]+)"/.exec(cd);
  const file = m ? m[1] : 'custos-evidence.zip';
  saveBlob(file, blob, 60000);
  return { ok: true, file, sha: res.headers.get('X-Custos-Bundle-Sha256') || '' };
}

function exportsCell(r) {
  if (!r.exports.length) return el('span', { class: 'muted', text: '—' });
  return el('ul', { class: 'plain' }, ...r.exports.map((x) => el('li', {},
    el('span', { text: '#' + x.number + ' · ' + when(x.at) + ' · ' }),
    el('code', { class: 'sha', title: x.bundle_sha256, text: x.bundle_sha256.slice(0, 16) + '…' }),
    x.redacted ? el('span', { class: 'tag', i18n: 'ev.redacted' }) : null,
    x.encrypted ? el('span', { class: 'tag', i18n: 'ev.encrypted' }) : null,
    x.timestamped ? el('span', { class: 'tag', i18n: 'ev.timestamped' }) : null)));
}

// The actions this user may try on a request (the vault decides).
function actions(r, err, done) {
  const out = [];
  const mine = r.requester && r.requester.id === me().id;
  const approved = r.approvals.some((a) => a.by.id === me().id);
  if (hasRole('approver') && r.state === 'requested' && !mine && !approved) {
    out.push(actionButton('ev.approve', 'ok', async () => {
      const note = window.prompt(t('ev.note')) || '';
      const x = await api('POST', '/api/v1/evidence/' + encodeURIComponent(r.id) + '/approve', { note });
      if (!x.ok) { showError(err, x); return; }
      done();
    }));
    out.push(actionButton('ev.deny', 'danger', async () => {
      const note = window.prompt(t('ev.note'));
      if (note === null) return;
      const x = await api('POST', '/api/v1/evidence/' + encodeURIComponent(r.id) + '/deny', { note });
      if (!x.ok) { showError(err, x); return; }
      done();
    }));
  }
  if (hasRole('litigation') && mine && r.state === 'approved') {
    const b = actionButton('ev.export', 'ok export', async () => {
      b.disabled = true; err.textContent = '';
      const note = el('span', { class: 'muted', i18n: 'ev.exporting' });
      b.after(note);
      const x = await fetchBundle('/api/v1/evidence/' + encodeURIComponent(r.id) + '/export');
      note.remove(); b.disabled = false;
      if (!x.ok) { showError(err, x); return; }
      toast(t('ev.exported', { file: x.file, sha: x.sha.slice(0, 16) + '…' }));
      done();
    });
    out.push(b);
    for (const x of r.exports) {
      out.push(actionButton('ev.download', 'download', async () => {
        const y = await fetchBundle('/api/v1/evidence/' + encodeURIComponent(r.id) + '/exports/' + x.number + '/download');
        if (!y.ok) { showError(err, y); return; }
        done();
      }));
    }
  }
  if (hasRole('litigation') && r.hold.active) {
    out.push(actionButton('ev.lift', 'danger lift', async () => {
      const reason = window.prompt(t('ev.lift_reason'));
      if (!reason) return;
      const x = await api('POST', '/api/v1/evidence/' + encodeURIComponent(r.id) + '/hold/lift', { reason });
      if (!x.ok) { showError(err, x); return; }
      done();
    }));
  }
  return out;
}

function requestTable(list, err, done, id) {
  return table(['ev.case', 'ev.people', 'ev.state', 'ev.approvals', 'ev.hold', 'ev.exports', 'ev.actions'],
    list.map((r) => el('tr', { 'data-request': r.id },
      el('td', {}, el('div', { text: r.case }), el('div', { class: 'muted small', text: r.purpose }),
        el('div', { class: 'muted small', text: person(r.requester) + ' · ' + when(r.requested_at) })),
      el('td', { text: scopeText(r) }),
      el('td', {}, stateCell(r)),
      el('td', { class: 'nw', text: r.approvals.length + ' / ' + r.approvals_required }),
      el('td', {}, holdCell(r)),
      el('td', {}, exportsCell(r)),
      el('td', { class: 'actions' }, ...actions(r, err, done)))), { id, scroll: true });
}

async function requestForm(done) {
  const err = errorBox();
  const info = el('p', { class: 'notice', id: 'ev-preview-out', hidden: true });
  const list = await people();
  const picker = el('select', { id: 'ev-people', multiple: true, size: '6' },
    ...list.map((p) => el('option', { value: p.id, text: (p.display_name || p.username) + ' (' + p.username + ')' })));
  const f = el('form', { class: 'card', id: 'evidence-form' }, el('h2', { i18n: 'ev.new' }),
    ...field('ev.case', el('input', { id: 'ev-case', required: true, maxlength: '200', placeholder: '(2026)沪0115民初1234号' })),
    ...field('ev.purpose', el('input', { id: 'ev-purpose', required: true, maxlength: '1000' })),
    ...field('ev.people', picker),
    ...field('ev.records', el('textarea', { id: 'ev-records', rows: '2' })),
    el('div', { class: 'inline' },
      el('div', {}, ...field('ev.from', dateInput({ id: 'ev-from' }))),
      el('div', {}, ...field('ev.to', dateInput({ id: 'ev-to' })))),
    el('label', { class: 'check' }, el('input', { id: 'ev-redact', type: 'checkbox' }), el('span', { i18n: 'ev.redact' })),
    ...field('ev.recipients', el('textarea', { id: 'ev-recipients', rows: '2' })),
    el('p', { class: 'actions' },
      el('button', { class: 'secondary', type: 'button', id: 'ev-preview', i18n: 'ev.preview' }),
      el('button', { class: 'primary', type: 'submit', id: 'ev-submit', i18n: 'ev.submit' })),
    info, err);
  const lines = (id) => f.querySelector('#' + id).value.split(/\s+/).map((s) => s.trim()).filter(Boolean);
  const body = () => {
    const b = {
      case: f.querySelector('#ev-case').value, purpose: f.querySelector('#ev-purpose').value,
      people: [...picker.selectedOptions].map((o) => o.value), records: lines('ev-records'),
      redact: f.querySelector('#ev-redact').checked, recipients: lines('ev-recipients'),
    };
    const from = f.querySelector('#ev-from').value;
    const to = f.querySelector('#ev-to').value;
    if (from) b.from = new Date(from + 'T00:00:00').getTime();
    if (to) b.to = new Date(to + 'T00:00:00').getTime() + 86400000;
    return b;
  };
  f.querySelector('#ev-preview').addEventListener('click', async () => {
    err.textContent = ''; info.hidden = true;
    const x = await api('POST', '/api/v1/evidence/preview', body());
    if (!x.ok) { showError(err, x); return; }
    const p = x.body.preview;
    info.textContent = t('ev.preview.text', { people: p.people, records: p.records, top: p.top_secret_records, agreements: p.agreements, loans: p.loans, events: p.events, approvals: p.approvals_required });
    info.hidden = false;
  });
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault(); err.textContent = '';
    const x = await api('POST', '/api/v1/evidence', body());
    if (!x.ok) { showError(err, x); return; }
    toast(t('ev.created'));
    done();
  });
  return f;
}

// The records a hold covers: the first few, the rest behind a summary.
function heldRecords(records) {
  const line = (r) => el('div', {}, r.marking ? marking(r.marking.id) : null, ' ',
    el('a', { href: '#/record?id=' + encodeURIComponent(r.id), text: r.name || r.id }));
  const head = records.slice(0, 5).map(line);
  if (records.length <= 5) return el('div', {}, ...head);
  return el('div', {}, ...head, el('details', {}, el('summary', { text: t('ev.more', { n: records.length - 5 }) }),
    ...records.slice(5).map(line)));
}

async function holdsCard() {
  const h = await api('GET', '/api/v1/holds');
  const holds = h.ok ? h.body.holds : [];
  return el('section', { class: 'card', id: 'holds' }, el('h2', { i18n: 'ev.holds' }),
    holds.length ? table(['ev.case', 'ev.hold', 'ev.placed', 'ev.held_records'], holds.map((x) => el('tr', {},
      el('td', { text: x.case }), el('td', {}, x.active ? el('span', { class: 'badge hold', i18n: 'ev.hold.active' }) : el('span', { i18n: 'ev.hold.lifted' })),
      el('td', { class: 'nw', text: when(x.placed_at) }),
      el('td', {}, heldRecords(x.records)))), { id: 'holds-table', scroll: true })
      : el('p', { class: 'muted', i18n: 'ev.no_holds' }));
}

async function view() {
  const err = errorBox();
  const refresh = () => render();
  const r = await api('GET', '/api/v1/evidence');
  if (!r.ok) return el('div', { class: 'card error', text: errorText(r.body) });
  const list = r.body.requests;
  const parts = [el('h1', { i18n: 'ev.title' }), el('p', { class: 'muted', i18n: 'ev.hint' })];
  if (hasRole('litigation')) parts.push(await requestForm(refresh));
  parts.push(el('section', { class: 'card' }, el('h2', { i18n: 'ev.requests' }), err,
    list.length ? requestTable(list, err, refresh, 'evidence-table') : el('p', { class: 'muted', i18n: 'ev.none' }),
    el('p', { class: 'muted small', i18n: 'ev.verify_hint' })));
  parts.push(await holdsCard());
  return el('div', {}, ...parts);
}

// The approvers' queue card (home and approvals pages).
export async function queueCard() {
  const r = await api('GET', '/api/v1/evidence');
  // Waiting for a decision this approver may still give (not their own
  // request, not one they already approved).
  const pending = r.ok ? r.body.requests.filter((x) => x.state === 'requested' && x.requester.id !== me().id &&
    !x.approvals.some((a) => a.by.id === me().id)) : [];
  const err = errorBox();
  return el('section', { class: 'card', id: 'evidence-queue', 'data-card': 'ev.queue' }, el('h2', { i18n: 'ev.queue' }), err,
    pending.length ? requestTable(pending, err, () => render(), 'evidence-queue-table') : el('p', { class: 'muted', i18n: 'ev.queue_none' }),
    el('a', { href: '#/evidence', i18n: 'home.open_list' }));
}

export const routes = { '#/evidence': view };
