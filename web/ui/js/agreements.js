// Agreement pages (issue 6): template gallery, drafting form with live legal
// checks, the agreement page (preview, review/send, sign, countersign) and the
// signature certificate. Server text only ever goes through textContent.

import { CLASSES, banner, clsLabel, fmtTime, localToday, marking, people, personName } from './common.js';
import { dateInput, el, errorBox, field, hashParams, table, toast } from './dom.js';
import { isEnglish, t, tOr } from './i18n.js';
import { go, render, renderCount, replacePage } from './router.js';
import { api, errorText, hasRole, me } from './session.js';

function stateTag(s) { return el('span', { class: 'agr-state agr-st-' + s, text: tOr('agr.state.' + s, s) }); }
function kindLabel(k) { return tOr('agr.kind.' + k, k); }
function dl(pairs) {
  const d = el('dl', { class: 'meta' });
  for (const [k, v] of pairs) { if (v === null || v === undefined) continue; d.append(el('dt', { i18n: k }), el('dd', {}, v)); }
  return d;
}
function mono(s) { return el('span', { class: 'mono', text: s || '' }); }
function newTab(href, key) { return el('a', { href, target: '_blank', rel: 'noopener noreferrer', class: 'button agr-ext', i18n: key }); }

// ---- list + gallery --------------------------------------------------------

async function viewList() {
  const r = await api('GET', '/api/v1/agreements');
  const head = el('div', { class: 'agr-head' }, el('h1', { i18n: hasRole('legal') ? 'agr.title' : 'agr.mine' }),
    hasRole('legal') ? el('a', { class: 'button', href: '#/agreements/templates', i18n: 'agr.new' }) : null);
  if (!r.ok) return el('div', {}, head, el('div', { class: 'card error', text: errorText(r.body) }));
  const list = r.body.agreements.slice().sort((a, b) => b.created - a.created);
  const rows = list.map((a) => el('tr', { 'data-agreement': a.id, 'data-state': a.state },
    el('td', {}, el('a', { href: '#/agreement?id=' + encodeURIComponent(a.id), text: a.title })),
    el('td', { text: kindLabel(a.kind) }),
    el('td', { text: a.employee_name || a.employee_id }),
    el('td', {}, marking(a.classification)),
    el('td', {}, stateTag(a.state)),
    el('td', { text: fmtTime(a.created) })));
  if (!rows.length) return el('div', {}, head, el('section', { class: 'card' }, el('p', { class: 'muted', i18n: 'agr.none' })));
  // A custodian's list also holds the paper scans waiting for them to attest.
  const toAttest = hasRole('custodian') ? list.filter((a) => a.state === 'paper_uploaded' && a.employee_id !== me().id).length : 0;
  if (toAttest) head.append(el('p', { class: 'notice', id: 'agr-to-attest', text: t('agr.attest.waiting', { n: toAttest }) }));
  // Legal's list holds every employee's agreements: narrowed here, on the
  // page, by state (or all still open: unsigned or awaiting the company) and
  // by words of the title, kind or employee.
  const open = ['draft', 'in_review', 'sent', 'employee_signed', 'paper_uploaded'];
  const stateSel = el('select', { id: 'agr-filter-state' },
    el('option', { value: '', i18n: 'common.all' }), el('option', { value: 'open', i18n: 'agr.filter.open' }),
    ...[...open, 'completed', 'voided'].map((s) => el('option', { value: s, text: tOr('agr.state.' + s, s) })));
  const words = el('input', { id: 'agr-filter-text', type: 'search', placeholder: t('agr.filter.text_hint') });
  const shown = el('p', { class: 'muted', id: 'agr-filter-count' });
  const apply = () => {
    const want = stateSel.value;
    const needle = words.value.trim().toLowerCase();
    let n = 0;
    for (const tr of rows) {
      const st = tr.getAttribute('data-state');
      const okState = !want || (want === 'open' ? open.includes(st) : st === want);
      const ok = okState && (!needle || tr.textContent.toLowerCase().includes(needle));
      tr.hidden = !ok;
      if (ok) n++;
    }
    shown.textContent = t('agr.filter.count', { n, total: rows.length });
  };
  stateSel.addEventListener('change', apply);
  words.addEventListener('input', apply);
  const filters = el('div', { class: 'card filters', id: 'agr-filters' },
    el('div', {}, ...field('agr.filter.text', words)), el('div', {}, ...field('agr.col.state', stateSel)));
  const page = el('div', {}, head, filters, el('section', { class: 'card' }, shown,
    table(['agr.t.title', 'agr.t.kind', 'agr.col.employee', 'agr.col.cls', 'agr.col.state', 'agr.col.created'], rows, { id: 'agreements-table', scroll: true })));
  apply();
  return page;
}

async function viewTemplates() {
  const r = await api('GET', '/api/v1/agreement-templates');
  if (!r.ok) return el('div', { class: 'card error', text: errorText(r.body) });
  const cards = r.body.templates.map((x) => el('section', { class: 'card agr-tpl', 'data-template': x.id },
    el('h2', { text: x.title }),
    el('div', { class: 'agr-tpl-tags' },
      el('span', { class: 'tag', text: kindLabel(x.kind) }),
      el('span', { class: 'tag', text: tOr('agr.lang.' + x.language, x.language) }),
      el('span', { class: 'tag', text: tOr('agr.jur.' + x.jurisdiction, x.jurisdiction) }),
      el('span', { class: 'tag', text: 'v' + x.version })),
    el('p', { class: 'muted mono', text: x.id }),
    el('a', { class: 'button', href: '#/agreements/draft?template=' + encodeURIComponent(x.id), i18n: 'agr.t.use' })));
  return el('div', {}, el('h1', { i18n: 'agr.templates' }), el('div', { class: 'grid agr-gallery' }, ...cards));
}

// ---- drafting --------------------------------------------------------------

function truthy(v) {
  if (v === undefined || v === null || v === false || v === '' || v === 0) return false;
  if (typeof v === 'string' && (v === 'false' || Number(v) === 0 && v.trim() !== '' && !isNaN(Number(v)))) return false;
  if (typeof v === 'object' && v.amount !== undefined) return truthy(v.amount);
  return true;
}
// Conditions of the template format: field, !field, field == lit, field != lit.
function condHolds(src, values) {
  if (!src) return true;
  let m = /^\s*!\s*([A-Za-z0-9_]+)\s*$/.exec(src);
  if (m) return !truthy(values[m[1]]);
  m = /^\s*([A-Za-z0-9_]+)\s*(==|!=)\s*'?([^']*?)'?\s*$/.exec(src);
  if (m) {
    const v = values[m[1]];
    const s = v === undefined || v === null ? '' : (typeof v === 'object' ? (v.code || v.amount || '') : String(v));
    return m[2] === '==' ? s === m[3] : s !== m[3];
  }
  m = /^\s*([A-Za-z0-9_]+)\s*$/.exec(src);
  if (m) return truthy(values[m[1]]);
  return true;
}
// PRC resident ID: 17 digits + ISO 7064 MOD 11-2 check character.
function residentIdOk(s) {
  if (!/^\d{17}[\dXx]$/.test(s)) return false;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i += 1) sum += Number(s[i]) * w[i];
  return '10X98765432'[sum % 11] === s[17].toUpperCase();
}

function fieldInput(f, value) {
  const id = 'f-' + f.id;
  const wrap = el('div', { class: 'agr-field', 'data-field': f.id, 'data-type': f.type });
  const label = el('label', { for: id }, el('span', { text: isEnglish() ? f.label_en : f.label_zh }),
    f.required ? el('span', { class: 'agr-req', text: ' *' }) : null);
  let input; let get;
  const v = value === undefined ? f.default : value;
  switch (f.type) {
    case 'bool': {
      input = el('input', { id, type: 'checkbox' });
      input.checked = v === true || v === 'true';
      get = () => input.checked;
      wrap.append(el('label', { class: 'agr-check' }, input, el('span', { text: isEnglish() ? f.label_en : f.label_zh })));
      return { wrap, get, input };
    }
    case 'date': {
      const d = dateInput({ id, value: v || '' });
      input = d.input;
      get = () => input.value || undefined;
      wrap.append(label, d);
      return { wrap, get, input };
    }
    case 'money': {
      const amount = v && typeof v === 'object' ? v.amount : v;
      input = el('input', { id, type: 'number', step: '0.01', min: '0', inputmode: 'decimal', value: amount == null ? '' : String(amount) });
      get = () => (input.value === '' ? undefined : input.value);
      wrap.append(label, el('div', { class: 'agr-money' }, input, el('span', { class: 'agr-cur', text: f.currency || 'CNY' })));
      return { wrap, get, input };
    }
    case 'months': case 'integer':
      input = el('input', { id, type: 'number', step: '1', min: f.min != null ? String(f.min) : (f.type === 'months' ? '0' : null),
        max: f.max != null ? String(f.max) : null, value: v == null ? '' : String(v) });
      get = () => (input.value === '' ? undefined : Number.parseInt(input.value, 10));
      if (f.type === 'months') {
        wrap.append(label, el('div', { class: 'agr-money' }, input, el('span', { class: 'agr-cur', text: isEnglish() ? 'months' : '个月' })));
        return { wrap, get, input };
      }
      break;
    case 'choice':
      input = el('select', { id }, el('option', { value: '', text: '—' }),
        ...(f.options || []).map((o) => el('option', { value: o.value, text: o.label })));
      input.value = v || '';
      get = () => input.value || undefined;
      break;
    case 'resident_id': {
      input = el('input', { id, maxlength: '18', autocomplete: 'off', spellcheck: 'false', value: v || '' });
      const hint = el('div', { class: 'agr-hint error' });
      const check = () => { hint.textContent = input.value && !residentIdOk(input.value) ? t('agr.draft.id_bad') : ''; };
      input.addEventListener('input', check); check();
      get = () => input.value.trim() || undefined;
      wrap.append(label, input, hint);
      return { wrap, get, input };
    }
    case 'region': {
      const code = v && typeof v === 'object' ? v.code : (v || '');
      const name = v && typeof v === 'object' ? (v.name || '') : '';
      input = el('input', { id, inputmode: 'numeric', maxlength: '6', pattern: '[0-9]{6}', placeholder: t('agr.draft.region_code'), value: code });
      const nameIn = el('input', { id: id + '-name', placeholder: t('agr.draft.region_name'), value: name });
      get = () => {
        if (!input.value) return undefined;
        return nameIn.value ? { code: input.value, name: nameIn.value } : input.value;
      };
      wrap.append(label, el('div', { class: 'agr-region' }, input, nameIn));
      return { wrap, get, input, extra: nameIn };
    }
    default: {
      const long = /terms|secrets|business|info|scope|purpose|description|known|competitors|region/.test(f.id);
      input = long ? el('textarea', { id, rows: '2' }) : el('input', { id });
      input.value = v || '';
      get = () => input.value.trim() || undefined;
    }
  }
  wrap.append(label, input);
  return { wrap, get, input };
}

function checksPanel(checks, opts) {
  const box = el('div', { class: 'agr-checks', id: 'agr-checks' });
  if (!checks) { box.append(el('p', { class: 'muted', i18n: 'agr.draft.unsaved' })); return box; }
  const fe = checks.field_errors || [];
  const fs = (checks.findings || []).slice().sort((a, b) => (a.severity === 'error' ? 0 : 1) - (b.severity === 'error' ? 0 : 1));
  const nErr = fe.length + fs.filter((x) => x.severity === 'error').length;
  const nWarn = fs.filter((x) => x.severity !== 'error').length;
  const canSend = checks.can_send_for_signature;
  box.append(el('div', { class: 'agr-summary ' + (canSend ? 'ok' : 'bad'), 'data-can-send': String(!!canSend) },
    el('strong', { i18n: canSend ? 'agr.checks.can_send' : 'agr.checks.blocked' }), ' ',
    el('span', { class: 'agr-count err', text: t('agr.checks.errors', { n: nErr }) }), ' ',
    el('span', { class: 'agr-count warn', text: t('agr.checks.warnings', { n: nWarn }) })));
  const focus = (fid) => {
    if (!fid || !opts || !opts.focus) return null;
    return (ev) => { ev.preventDefault(); opts.focus(fid); };
  };
  const list = el('ul', { class: 'agr-findings' });
  for (const e of fe) {
    list.append(el('li', { class: 'sev-error', 'data-rule': 'field' },
      el('span', { class: 'sev', i18n: 'agr.sev.error' }), ' ',
      el('a', { href: '#', class: 'agr-fid', text: e.field, onclick: focus(e.field) }), ' ',
      el('span', { text: isEnglish() ? e.message_en : e.message_zh })));
  }
  for (const f of fs) {
    list.append(el('li', { class: 'sev-' + f.severity, 'data-rule': f.rule },
      el('span', { class: 'sev', i18n: 'agr.sev.' + (f.severity === 'error' ? 'error' : 'warning') }), ' ',
      el('strong', { class: 'rule', text: f.rule }), ' ',
      f.field ? el('a', { href: '#', class: 'agr-fid', text: f.field, onclick: focus(f.field) }) : null,
      el('div', { text: isEnglish() ? f.message_en : f.message_zh }),
      f.source ? el('div', { class: 'muted src' }, el('span', { i18n: 'agr.checks.source' }), '：', el('span', { text: f.source })) : null));
  }
  if (!fe.length && !fs.length) box.append(el('p', { class: 'notice', i18n: 'agr.checks.none' }));
  else box.append(list);
  return box;
}

async function viewDraft() {
  const p = hashParams();
  let agreement = null;
  let templateId = p.get('template');
  if (p.get('id')) {
    const r = await api('GET', '/api/v1/agreements/' + encodeURIComponent(p.get('id')));
    if (!r.ok) return el('div', { class: 'card error', text: errorText(r.body) });
    agreement = r.body; templateId = agreement.template_id;
  }
  const tr = await api('GET', '/api/v1/agreement-templates/' + encodeURIComponent(templateId || ''));
  if (!tr.ok) return el('div', { class: 'card error', text: errorText(tr.body) });
  const tpl = tr.body;
  const ppl = await people();
  const cls = agreement ? agreement.classification : 'confidential';
  const bannerBox = el('div', {}, banner(cls));

  let employee;
  if (ppl.length) {
    employee = el('select', { id: 'agr-employee' }, el('option', { value: '', i18n: 'agr.draft.pick' }),
      ...ppl.map((x) => el('option', { value: x.id, text: (x.display_name || x.username) + ' (' + x.username + (x.department ? ' · ' + x.department : '') + ')' })));
  } else {
    employee = el('input', { id: 'agr-employee', placeholder: t('agr.draft.employee_id') });
  }
  employee.value = agreement ? agreement.employee_id : '';
  const clsSel = el('select', { id: 'agr-cls' }, ...CLASSES.map((c) => el('option', { value: c, text: clsLabel(c) })));
  clsSel.value = cls;
  if (agreement) { employee.disabled = true; clsSel.disabled = true; }

  const values = agreement ? (agreement.fields || {}) : {};
  const inputs = tpl.fields.map((f) => ({ f, ...fieldInput(f, values[f.id]) }));
  const collect = () => {
    const out = {};
    for (const x of inputs) { const v = x.get(); if (v !== undefined) out[x.f.id] = v; }
    // Fields whose condition is false are not part of the agreement.
    for (const x of inputs) if (!condHolds(x.f.if, out)) delete out[x.f.id];
    return out;
  };
  const applyConditions = () => {
    const cur = {};
    for (const x of inputs) { const v = x.get(); if (v !== undefined) cur[x.f.id] = v; }
    for (const x of inputs) x.wrap.hidden = !condHolds(x.f.if, cur);
  };
  applyConditions();

  const status = el('div', { class: 'muted agr-status', id: 'agr-save-status', 'aria-live': 'polite',
    text: agreement ? t('agr.draft.saved', { v: agreement.version }) : t('agr.draft.unsaved') });
  const err = errorBox();
  const focusField = (fid) => {
    const x = inputs.find((i) => i.f.id === fid);
    if (x) { x.wrap.hidden = false; x.input.focus(); x.wrap.classList.add('agr-flash'); setTimeout(() => x.wrap.classList.remove('agr-flash'), 1500); }
  };
  const side = el('aside', { class: 'card agr-side' },
    el('h2', {}, el('span', { i18n: 'agr.checks' }), ' ', el('span', { class: 'muted agr-live', i18n: 'agr.checks.live' })),
    checksPanel(agreement ? agreement.checks : null, { focus: focusField }));
  const previewLink = el('span', { id: 'agr-preview-slot' });
  const setPreview = () => {
    previewLink.replaceChildren(agreement ? newTab('/api/v1/agreements/' + encodeURIComponent(agreement.id) + '/preview', 'agr.draft.preview') : '');
  };
  setPreview();
  // Field errors next to their fields.
  const markFields = () => {
    for (const x of inputs) x.wrap.classList.remove('agr-bad', 'agr-warn');
    if (!agreement || !agreement.checks) return;
    for (const e of agreement.checks.field_errors || []) { const x = inputs.find((i) => i.f.id === e.field); if (x) x.wrap.classList.add('agr-bad'); }
    for (const f of agreement.checks.findings || []) {
      const x = inputs.find((i) => i.f.id === f.field);
      if (x) x.wrap.classList.add(f.severity === 'error' ? 'agr-bad' : 'agr-warn');
    }
  };
  markFields();

  let timer = null; let inflight = null; let again = false;
  const save = async () => {
    if (inflight) { again = true; return inflight; }
    if (!employee.value) { status.textContent = t('agr.draft.unsaved'); return null; }
    status.textContent = t('agr.draft.saving');
    err.textContent = '';
    inflight = (async () => {
      let r;
      if (!agreement) {
        r = await api('POST', '/api/v1/agreements', { template_id: tpl.id, employee_id: employee.value, classification: clsSel.value, fields: collect() });
        if (r.ok) {
          employee.disabled = true; clsSel.disabled = true;
          history.replaceState(null, '', '#/agreements/draft?id=' + encodeURIComponent(r.body.id));
        }
      } else {
        r = await api('PUT', '/api/v1/agreements/' + encodeURIComponent(agreement.id), { version: agreement.version, fields: collect() });
        if (r.status === 409) {
          const g = await api('GET', '/api/v1/agreements/' + encodeURIComponent(agreement.id));
          if (g.ok && g.body.state === 'draft') {
            agreement = g.body;
            r = await api('PUT', '/api/v1/agreements/' + encodeURIComponent(agreement.id), { version: agreement.version, fields: collect() });
          }
        }
      }
      if (!r.ok) { err.textContent = errorText(r.body); status.textContent = ''; return null; }
      agreement = r.body;
      status.textContent = t('agr.draft.saved', { v: agreement.version });
      side.replaceChild(checksPanel(agreement.checks, { focus: focusField }), side.querySelector('#agr-checks'));
      markFields(); setPreview();
      submit.disabled = false;
      return agreement;
    })();
    try { return await inflight; } finally {
      inflight = null;
      if (again) { again = false; save(); }
    }
  };
  const schedule = () => { applyConditions(); clearTimeout(timer); timer = setTimeout(save, 600); };
  for (const x of inputs) {
    x.input.addEventListener('input', schedule); x.input.addEventListener('change', schedule);
    if (x.extra) x.extra.addEventListener('input', schedule);
  }
  employee.addEventListener('change', schedule);
  clsSel.addEventListener('change', () => { bannerBox.replaceChildren(banner(clsSel.value)); });

  const saveBtn = el('button', { class: 'primary', type: 'button', id: 'agr-save', i18n: 'agr.draft.save' });
  saveBtn.addEventListener('click', async () => { clearTimeout(timer); await save(); });
  const submit = el('button', { class: 'primary', type: 'button', id: 'agr-submit', i18n: 'agr.draft.submit' });
  submit.disabled = !agreement;
  submit.addEventListener('click', async () => {
    clearTimeout(timer);
    const a = await save();
    if (!a) return;
    const r = await api('POST', '/api/v1/agreements/' + encodeURIComponent(a.id) + '/submit');
    if (!r.ok) { err.textContent = errorText(r.body); return; }
    toast(t('agr.draft.submitted'));
    go('#/agreement?id=' + encodeURIComponent(a.id));
  });

  const form = el('form', { class: 'card agr-form', id: 'agr-draft-form', novalidate: true },
    el('div', { class: 'agr-two' },
      el('div', {}, ...field('agr.draft.employee', employee)),
      el('div', {}, ...field('agr.draft.cls', clsSel))),
    el('h2', { class: 'agr-sub', i18n: 'agr.draft.fields' }),
    el('div', { class: 'agr-fields' }, ...inputs.map((x) => x.wrap)),
    el('div', { class: 'agr-buttons' }, saveBtn, submit, previewLink), status, err);
  form.addEventListener('submit', (ev) => { ev.preventDefault(); });
  return el('div', { class: 'agr-page' }, bannerBox,
    el('h1', {}, el('span', { text: tpl.title }), ' ', el('span', { class: 'muted agr-small', text: tpl.id + ' v' + tpl.version })),
    (tpl.legal_basis || []).length ? el('p', { class: 'muted' }, el('span', { i18n: 'agr.t.basis' }), '：', el('span', { text: tpl.legal_basis.join('；') })) : null,
    el('div', { class: 'agr-layout' }, form, side));
}

// ---- one agreement ---------------------------------------------------------

function place(p) {
  if (!p) return '';
  return [p.ip, p.workstation, p.location].filter(Boolean).join(' · ');
}
// Who wrote the text as it stands, as the server judges a send
// (vault/agreements StepFacts): a send closes a round of edits, and the
// first edit after it starts the next.
function authorsOf(steps) {
  let out = [];
  let closed = false;
  for (const s of steps || []) {
    if (s.action === 'send') closed = true;
    if (s.action === 'draft' || s.action === 'update') {
      if (closed) { out = []; closed = false; }
      if (!out.includes(s.actor_id)) out.push(s.actor_id);
    }
  }
  return out;
}
function stepsTable(steps) {
  return table(['agr.step.action', 'agr.step.who', 'agr.step.when', 'agr.step.where', 'agr.detail.hash', 'agr.step.seq'],
    steps.map((s) => el('tr', { 'data-step': s.action },
      el('td', {}, el('span', { text: tOr('agr.act.' + s.action, s.action) }), s.note ? el('div', { class: 'muted', text: s.note }) : null),
      el('td', { text: s.actor_name + (s.role ? ' · ' + s.role : '') }),
      el('td', { text: fmtTime(s.at) }),
      el('td', { text: place(s.place) }),
      el('td', {}, mono(s.document_sha256 ? s.document_sha256.slice(0, 16) + '…' : '')),
      el('td', { text: String(s.audit_seq) }))), { id: 'agr-steps', scroll: true });
}

// The largest scan the paper route takes (its body is the scan in base64).
const kMaxScanBytes = 12 * 1024 * 1024;

// Bytes as base64, a slice at a time (a whole scan at once would overflow
// the argument list of String.fromCharCode).
function base64Of(buf) {
  const bytes = new Uint8Array(buf);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

// Legal files the scan of an agreement signed on paper: the file, the date
// written on the paper, and where the original is kept. A custodian then
// attests it.
function paperForm(base, reload) {
  const err = errorBox();
  const file = el('input', { id: 'agr-paper-file', type: 'file', accept: 'application/pdf,image/png,image/jpeg', required: true });
  const on = dateInput({ id: 'agr-paper-on', required: true, value: localToday() });
  const room = el('input', { id: 'agr-paper-room', required: true, maxlength: '200' });
  const cabinet = el('input', { id: 'agr-paper-cabinet', maxlength: '200' });
  const box = el('input', { id: 'agr-paper-box', maxlength: '200' });
  const f = el('form', { class: 'card', id: 'agr-paper-form' },
    el('h2', { i18n: 'agr.paper.title' }), el('p', { class: 'muted', i18n: 'agr.paper.hint' }),
    el('div', {}, ...field('agr.paper.file', file)), el('div', {}, ...field('agr.paper.signed_on', on)),
    el('div', { class: 'inline' }, el('div', {}, ...field('agr.paper.room', room)),
      el('div', {}, ...field('agr.paper.cabinet', cabinet)), el('div', {}, ...field('agr.paper.box', box))),
    el('button', { class: 'primary', type: 'submit', id: 'agr-paper-submit', i18n: 'agr.paper.submit' }), err);
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault(); err.textContent = '';
    const scan = file.files[0];
    if (!scan) { err.textContent = t('agr.paper.no_file'); return; }
    if (!['application/pdf', 'image/png', 'image/jpeg'].includes(scan.type)) { err.textContent = t('agr.paper.bad_type'); return; }
    if (scan.size > kMaxScanBytes) { err.textContent = t('agr.paper.too_large'); return; }
    const btn = f.querySelector('button[type=submit]'); btn.disabled = true;
    const r = await api('POST', base + '/paper', { scan_base64: base64Of(await scan.arrayBuffer()), content_type: scan.type,
      signed_on: on.input.value, room: room.value, cabinet: cabinet.value, box: box.value });
    btn.disabled = false;
    if (!r.ok) { err.textContent = errorText(r.body); return; }
    toast(t('agr.paper.done')); reload();
  });
  return f;
}

function passwordForm(id, titleKey, submitKey, needRead, onDone, path) {
  const pw = el('input', { id: id + '-password', type: 'password', autocomplete: 'current-password', required: true });
  const read = needRead ? el('input', { id: id + '-read', type: 'checkbox' }) : null;
  const err = errorBox();
  const f = el('form', { class: 'card agr-sign', id },
    el('h2', { i18n: titleKey }),
    el('p', { class: 'muted', i18n: 'agr.sign.hint' }),
    read ? el('label', { class: 'agr-check' }, read, el('span', { i18n: 'agr.sign.read' })) : null,
    ...field('agr.sign.password', pw),
    el('button', { class: 'primary', type: 'submit', id: id + '-submit', i18n: submitKey }), err);
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    if (read && !read.checked) { err.textContent = t('agr.sign.need_read'); return; }
    const btn = f.querySelector('button'); btn.disabled = true;
    const r = await api('POST', path, { password: pw.value });
    pw.value = '';
    btn.disabled = false;
    if (!r.ok) { err.textContent = errorText(r.body); return; }
    onDone(r.body);
  });
  return f;
}

async function signatureProof(id, action) {
  const c = await api('GET', '/api/v1/agreements/' + encodeURIComponent(id) + '/certificate');
  if (!c.ok) return null;
  const steps = c.body.steps.filter((s) => s.action === action && s.signature);
  const s = steps[steps.length - 1];
  if (!s) return null;
  return el('section', { class: 'card agr-proof', id: 'agr-proof' },
    el('h2', { i18n: action === 'sign' ? 'agr.sign.done' : 'agr.counter.done' }),
    dl([['agr.sign.hash', mono(s.document_sha256)], ['agr.sign.signature', mono(s.signature.signature)],
      ['agr.sign.pubkey', mono(s.signature.public_key)], ['agr.step.seq', String(s.audit_seq)],
      ['agr.cert.verified', el('span', { class: s.verification === 'ok' ? 'notice' : 'error', text: s.verification === 'ok' ? t('agr.cert.ok') : s.verification })]]),
    el('a', { href: '#/agreement/certificate?id=' + encodeURIComponent(id), i18n: 'agr.detail.cert' }));
}

async function viewAgreement() {
  const shown = renderCount();
  const id = hashParams().get('id') || '';
  const r = await api('GET', '/api/v1/agreements/' + encodeURIComponent(id));
  if (!r.ok) return el('div', { class: 'card error', text: errorText(r.body) });
  const a = r.body;
  await people();
  const base = '/api/v1/agreements/' + encodeURIComponent(a.id);
  const meta = el('section', { class: 'card' }, dl([
    ['agr.detail.employee', a.employee_name + ' (' + a.employee_id + ')'],
    ['agr.detail.template', a.template_id + ' v' + a.template_version + ' · ' + kindLabel(a.kind)],
    ['agr.col.cls', marking(a.classification)],
    ['agr.detail.state', stateTag(a.state)],
    ['agr.detail.drafted_by', personName(a.drafted_by, a.drafted_by)],
    ['agr.col.created', fmtTime(a.created)],
    a.document_sha256 ? ['agr.detail.hash', mono(a.document_sha256)] : ['agr.detail.hash', null],
    a.completed_at ? ['agr.detail.completed', fmtTime(a.completed_at)] : ['x', null],
    a.delivered_at ? ['agr.detail.delivered', fmtTime(a.delivered_at)] : ['x', null],
    // Signed on paper: the date on it, where the original is, the scan.
    a.scan_sha256 ? ['agr.paper.signed_on', a.paper_signed_on || '—'] : ['x', null],
    a.scan_sha256 ? ['agr.paper.location', [a.paper.room, a.paper.cabinet, a.paper.box].filter(Boolean).join(' / ')] : ['x', null],
    a.scan_sha256 ? ['agr.paper.scan', el('span', {}, newTab(base + '/scan', 'agr.paper.open'), ' ', mono(a.scan_sha256))] : ['x', null],
    // LCL Art. 16 (check N10): each party holds a signed copy. The stored
    // check report dates from before the signatures, so it is said here.
    a.state === 'completed' && !a.delivered_at
      ? ['agr.detail.copy', el('span', { class: 'error', id: 'agr-not-delivered', i18n: 'agr.detail.not_delivered' })]
      : ['x', null],
  ]), el('div', { class: 'agr-buttons' },
    newTab(base + '/preview', 'agr.detail.preview'),
    a.state === 'completed' ? el('a', { class: 'button agr-ext', href: base + '/document', download: '', i18n: 'agr.detail.download' }) : null,
    !['draft', 'in_review', 'voided'].includes(a.state) ? el('a', { class: 'button', href: '#/agreement/certificate?id=' + encodeURIComponent(a.id), i18n: 'agr.detail.cert' }) : null,
    a.state === 'draft' && hasRole('legal') ? el('a', { class: 'button', href: '#/agreements/draft?id=' + encodeURIComponent(a.id), i18n: 'agr.detail.edit' }) : null));

  const actions = el('div', { id: 'agr-actions' });
  const reload = () => render();
  if (a.state === 'in_review' && hasRole('legal')) {
    const err = errorBox();
    const own = authorsOf(a.steps).includes(me().id);
    const send = el('button', { class: 'primary', type: 'button', id: 'agr-send', i18n: 'agr.review.send' });
    send.disabled = own || !a.can_send;
    send.addEventListener('click', async () => {
      err.textContent = '';
      const s = await api('POST', base + '/send');
      if (!s.ok) { err.textContent = errorText(s.body); return; }
      toast(t('agr.review.sent')); reload();
    });
    const note = el('input', { id: 'agr-return-note' });
    const ret = el('button', { class: 'small', type: 'button', id: 'agr-return', i18n: 'agr.review.return' });
    ret.addEventListener('click', async () => {
      const s = await api('POST', base + '/return', { note: note.value });
      if (!s.ok) { err.textContent = errorText(s.body); return; }
      toast(t('agr.review.returned')); reload();
    });
    actions.append(el('section', { class: 'card' }, el('h2', { i18n: 'agr.review.title' }),
      own ? el('p', { class: 'error', i18n: 'agr.review.own' }) : null,
      el('div', {}, send), el('div', { class: 'agr-return' }, ...field('agr.review.note', note), ret), err));
  }
  // A step legal takes with a required note (recall, void): a card with
  // the note and a red button; `confirmKey` asks once more before it.
  const noteStep = (step, confirmKey) => {
    const err = errorBox();
    const note = el('input', { id: 'agr-' + step + '-note', maxlength: '2048' });
    const go = el('button', { class: 'small danger', type: 'button', id: 'agr-' + step, i18n: 'agr.' + step + '.submit' });
    go.addEventListener('click', async () => {
      err.textContent = '';
      if (!note.value.trim()) { err.textContent = t('agr.' + step + '.missing'); return; }
      if (confirmKey && !window.confirm(t(confirmKey))) return;
      go.disabled = true;
      const s = await api('POST', base + '/' + step, { note: note.value });
      go.disabled = false;
      if (!s.ok) { err.textContent = errorText(s.body); return; }
      toast(t('agr.' + step + '.done')); reload();
    });
    actions.append(el('section', { class: 'card' }, el('h2', { i18n: 'agr.' + step + '.title' }),
      el('p', { class: 'muted', i18n: 'agr.' + step + '.hint' }),
      el('div', { class: 'agr-return' }, ...field('agr.' + step + '.note', note), go), err));
  };
  const legalNotEmployee = hasRole('legal') && a.employee_id !== me().id;
  if (a.state === 'sent' && legalNotEmployee) noteStep('recall');
  if (['draft', 'in_review', 'sent'].includes(a.state) && legalNotEmployee) noteStep('void', 'agr.void.confirm');
  if (a.state === 'sent' && legalNotEmployee) actions.append(paperForm(base, reload));
  const uploader = ((a.steps || []).find((s) => s.action === 'paper_upload') || {}).actor_id;
  if (a.state === 'paper_uploaded' && hasRole('custodian') && a.employee_id !== me().id && uploader !== me().id) {
    const form = passwordForm('agr-attest-form', 'agr.attest.title', 'agr.attest.submit', false, () => {
      // Attested, the agreement is no longer theirs to read: back to the list.
      toast(t('agr.attest.done')); go('#/agreements');
    }, base + '/attest');
    form.querySelector('h2').after(el('p', { id: 'agr-attest-hint', text: t('agr.attest.hint', {
      place: [a.paper.room, a.paper.cabinet, a.paper.box].filter(Boolean).join(' / '), date: a.paper_signed_on || '—' }) }));
    actions.append(form);
  }
  if (a.state === 'sent' && a.employee_id === me().id) {
    actions.append(passwordForm('agr-sign-form', 'agr.sign.title', 'agr.sign.submit', true, async () => {
      toast(t('agr.sign.done'));
      const page = await viewAgreement();
      replacePage(page, shown);
      const proof = await signatureProof(a.id, 'sign');
      if (proof) page.querySelector('#agr-actions')?.prepend(proof);
    }, base + '/sign'));
  }
  if (a.state === 'employee_signed' && hasRole('legal')) {
    if (a.employee_id === me().id) actions.append(el('p', { class: 'card error', i18n: 'agr.counter.own' }));
    else {
      actions.append(passwordForm('agr-countersign-form', 'agr.counter.title', 'agr.counter.submit', false, async () => {
        toast(t('agr.counter.done'));
        const page = await viewAgreement();
        replacePage(page, shown);
        const proof = await signatureProof(a.id, 'countersign');
        if (proof) page.querySelector('#agr-actions')?.prepend(proof);
      }, base + '/countersign'));
    }
  }
  const checks = (a.state === 'draft' || a.state === 'in_review') && a.checks
    ? el('section', { class: 'card' }, el('h2', { i18n: 'agr.checks' }), checksPanel(a.checks)) : null;
  return el('div', { class: 'agr-page' }, banner(a.classification),
    el('h1', { text: a.title }),
    el('p', {}, el('a', { href: '#/agreements', i18n: 'agr.detail.back' })),
    meta, actions, checks,
    el('section', { class: 'card' }, el('h2', { i18n: 'agr.detail.steps' }), stepsTable(a.steps || [])));
}

// ---- certificate -----------------------------------------------------------

async function viewCertificate() {
  const id = hashParams().get('id') || '';
  const base = '/api/v1/agreements/' + encodeURIComponent(id);
  const r = await api('GET', base + '/certificate');
  if (!r.ok) return el('div', { class: 'card error', text: errorText(r.body) });
  const c = r.body; const a = c.agreement;
  const yn = (b) => el('span', { class: b ? 'notice agr-yes' : 'error agr-no', text: t(b ? 'agr.yes' : 'agr.no') });
  const steps = c.steps.map((s) => el('section', { class: 'agr-cstep' + (s.signature ? ' signed' : ''), 'data-step': s.action },
    el('h3', {}, el('span', { text: tOr('agr.act.' + s.action, s.action) }), ' · ',
      el('span', { text: s.actor_name + ' (' + s.actor_id + ')' })),
    dl([
      ['agr.cert.role', s.role],
      ['agr.step.when', s.time + ' (UTC) · ' + fmtTime(s.at)],
      ['agr.step.where', place(s.place)],
      s.place && s.place.user_agent ? ['agr.cert.ua', el('span', { class: 'muted agr-ua', text: s.place.user_agent })] : ['x', null],
      ['agr.cert.hash', mono(s.document_sha256)],
      s.signature ? ['agr.cert.sig', mono(s.signature.signature)] : ['x', null],
      s.signature ? ['agr.cert.pk', mono(s.signature.public_key)] : ['x', null],
      s.signature ? ['agr.cert.keyver', String(s.signature.key_version)] : ['x', null],
      s.signature && s.signature.statement ? ['agr.cert.statement', mono(typeof s.signature.statement === 'string' ? s.signature.statement : JSON.stringify(s.signature.statement))] : ['x', null],
      ['agr.step.seq', String(s.audit_seq)],
      ['agr.cert.verified', s.signature
        ? el('span', { class: s.verification === 'ok' ? 'notice' : 'error', text: s.verification === 'ok' ? t('agr.cert.ok') : s.verification })
        : el('span', { class: 'muted', i18n: 'agr.cert.unsigned' })],
    ])));
  const raw = el('details', { class: 'agr-raw' }, el('summary', { i18n: 'agr.cert.json' }), el('pre', { class: 'mono', text: JSON.stringify(c, null, 2) }));
  return el('div', { class: 'agr-page agr-cert' }, banner(a.classification),
    el('h1', { i18n: 'agr.cert.title' }),
    el('p', {}, el('a', { href: '#/agreement?id=' + encodeURIComponent(a.id), text: a.title })),
    el('section', { class: 'card' }, dl([
      ['agr.cert.agreement', a.id + ' — ' + a.title],
      ['agr.col.cls', marking(a.classification)],
      ['agr.detail.employee', a.employee_name + ' (' + a.employee_id + ')'],
      ['agr.detail.state', stateTag(a.state)],
      ['agr.detail.hash', mono(a.document_sha256)],
      ['agr.cert.intact', yn(c.document_hash_ok)],
      ['agr.cert.valid', yn(c.all_signatures_ok)],
      ['agr.cert.reliable', c.employee_signature_reliable === null || c.employee_signature_reliable === undefined
        ? el('span', { i18n: 'agr.cert.reliable_unknown' }) : yn(c.employee_signature_reliable)],
      ...c.steps.filter((s) => s.signature && s.signature.conditions && s.signature.conditions.note)
        .map((s) => ['agr.cert.condition_failed', el('span', { class: 'error', text: s.action + ': ' + s.signature.conditions.note })]),
    ]), el('div', { class: 'agr-buttons' }, newTab(base + '/certificate?format=html', 'agr.cert.html'))),
    el('section', { class: 'card', id: 'agr-cert-steps' }, el('h2', { i18n: 'agr.detail.steps' }), ...steps),
    el('section', { class: 'card' }, raw));
}

export const routes = {
  '#/agreements': viewList, '#/agreements/templates': viewTemplates, '#/agreements/draft': viewDraft,
  '#/agreement': viewAgreement, '#/agreement/certificate': viewCertificate,
};

// What the non-compete dashboard shares with these pages.
export { dl, mono, stateTag };
