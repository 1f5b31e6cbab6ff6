// The audit log (auditors): events filtered by person, file, action,
// decision and time, each with its inclusion proof, and the latest signed
// checkpoint; and the alerts page.

import { actionCell, alertTypeAttrs, alertTypeCell, fmtTime, person, ruleCell } from './common.js';
import { actionButton, dateInput, el, emptyOr, field, hashParams, table } from './dom.js';
import { actionName, knownIds, t, tOr } from './i18n.js';
import { go } from './router.js';
import { api, errorText } from './session.js';

// What an event was about: its kind in words (the id when unknown), then its
// id and version, which break anywhere rather than widen the table.
function objectCell(o) {
  const type = o.type || '';
  const id = (o.id || '') + (o.version ? ' v' + o.version : '');
  return el('td', { class: 'obj', 'data-type': type }, el('div', { text: tOr('objtype.' + type, type) }),
    id ? el('div', { class: 'mono muted obj-id', text: id }) : null);
}

async function viewAudit() {
  const p = hashParams();
  const keys = ['actor', 'record', 'action', 'decision', 'from', 'to'];
  const inputs = {
    actor: el('input', { id: 'audit-actor', value: p.get('actor') || '' }),
    record: el('input', { id: 'audit-record', value: p.get('record') || '' }),
    action: el('input', { id: 'audit-action', list: 'audit-actions', value: p.get('action') || '' }),
    decision: el('select', { id: 'audit-decision' }, el('option', { value: '', i18n: 'common.all' }),
      el('option', { value: 'allow', i18n: 'common.allow' }), el('option', { value: 'deny', i18n: 'common.deny' })),
  };
  // The time fields show the chosen moment in words; the filter reads their inputs.
  const fields = { ...inputs };
  for (const k of ['from', 'to']) {
    fields[k] = dateInput({ id: 'audit-' + k, type: 'datetime-local', value: p.get(k) || '' });
    inputs[k] = fields[k].input;
  }
  // The known actions, in words, as suggestions (the filter also takes a
  // family such as "loan").
  const actions = el('datalist', { id: 'audit-actions' },
    ...knownIds('action.').map((id) => el('option', { value: id, label: actionName(id) })));
  inputs.decision.value = p.get('decision') || '';
  const offset = Number(p.get('offset') || 0);
  const f = el('form', { class: 'card filters', id: 'audit-form' },
    ...keys.map((k) => el('div', {}, ...field('audit.' + k, fields[k]))), actions,
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
        el('td', { class: 'nw', text: String(e.seq) }), el('td', { class: 'when', text: fmtTime(e.time) }),
        el('td', { class: 'nw', text: e.actor.name || e.actor.id }),
        actionCell(e.action), objectCell(e.object),
        el('td', { class: 'nw', i18n: e.decision === 'allow' ? 'common.allow' : 'common.deny' }), ruleCell(e.rule),
        el('td', { class: 'reason', text: e.reason }), el('td', { class: 'place', text: place }), el('td', { class: 'nw' }, b));
    });
    const nav = el('div', { class: 'pager' },
      offset > 0 ? el('a', { href: target(Math.max(0, offset - 50)), i18n: 'audit.prev' }) : null,
      r.body.more ? el('a', { href: target(offset + 50), i18n: 'audit.next' }) : null);
    // The server counts all matches only when it read to the end of the log.
    const count = r.body.more ? t('audit.total_more', { n: offset + r.body.events.length })
      : t('audit.total', { n: r.body.total });
    body = el('div', { class: 'card wide' }, el('p', { class: 'muted', id: 'audit-total', text: count }),
      el('div', { class: 'scroll' }, table(['audit.seq', 'common.time', 'common.person', 'common.action', 'audit.object', 'common.decision', 'audit.rule', 'common.reason', 'audit.place', ''], rows, { id: 'audit-table' })),
      nav, proofOut);
  }
  // The same log as a tiled transparency log (c2sp.org/tlog-tiles), for
  // checking it with any client and the verifier key (docs/audit-log.md).
  const tlog = cp.ok ? [
    el('p', { class: 'muted', id: 'tlog-intro', text: t('audit.tlog', { url: location.origin + '/tlog/' }) }),
    el('pre', { class: 'mono', id: 'verifier-key', text: cp.body.verifier_key })] : [];
  const cpCard = el('section', { class: 'card' }, el('h2', { i18n: 'audit.checkpoint' }),
    el('pre', { class: 'mono', id: 'checkpoint', text: cp.ok ? cp.body.checkpoint : errorText(cp.body) }),
    ...tlog);
  return el('div', {}, el('h1', { i18n: 'audit.title' }), f, body, cpCard);
}

// The latest 1 000 alerts, filtered here by type and person; each links to
// the file's events in the audit log.
async function viewAlerts() {
  const p = hashParams();
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
  const count = el('p', { class: 'muted', id: 'alerts-total', text: t('alerts.count', { n: shown.length, all: all.length }) });
  return el('div', {}, el('h1', { i18n: 'alerts.title' }), f,
    el('div', { class: 'card wide' }, count, emptyOr(rows,
      table(['common.time', 'alerts.type', 'common.person', 'common.record', 'audit.seq'], rows, { id: 'alerts-table', scroll: true }))));
}

export const routes = { '#/audit': viewAudit, '#/alerts': viewAlerts };
