// The UI's dictionaries (web/ui/js/i18n.js and js/i18n/*.js): zh-CN and en
// hold the same keys; every key the pages name literally exists; every id the
// server sends — the rule ids of policy/rules.h and of the vault's own
// checks, the actions of the audit log, the policy's actions, the alert
// types — has words in both languages; and a missing key shows marked, never
// in the other language.
//
//   node --test tests/ui/        (CTest: UI.I18nDictionaries)
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import * as i18n from '../../web/ui/js/i18n.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { AREAS, DICTIONARIES, LANGS } = i18n;
const zh = DICTIONARIES['zh-CN'];
const en = DICTIONARIES.en;

function read(rel) { return fs.readFileSync(path.join(root, rel), 'utf8'); }

// The C++ sources of the server (tests excluded), as [path, text].
function cppSources() {
  const out = [];
  const walk = (rel) => {
    for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = path.join(rel, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (/\.(cc|h)$/.test(entry.name)) out.push([child, read(child)]);
    }
  };
  for (const dir of ['vault', 'web', 'policy', 'cli']) walk(dir);
  assert.ok(out.length > 50, 'C++ sources not found under ' + root);
  return out;
}
const CPP = cppSources();

// Every first capture of `re` over the C++ sources.
function captures(re) {
  const found = new Set();
  for (const [, text] of CPP) for (const m of text.matchAll(re)) found.add(m[1]);
  return found;
}

function missingIn(prefix, ids) {
  const out = [];
  for (const id of ids) for (const l of LANGS) if (!(prefix + id in DICTIONARIES[l])) out.push(l + ' ' + prefix + id);
  return out.sort();
}

test('zh-CN and en have exactly the same keys, area by area', () => {
  for (const [name, area] of Object.entries(AREAS)) {
    const a = Object.keys(area['zh-CN']).sort();
    const b = Object.keys(area.en).sort();
    assert.deepEqual(a.filter((k) => !b.includes(k)), [], 'only in zh-CN (' + name + ')');
    assert.deepEqual(b.filter((k) => !a.includes(k)), [], 'only in en (' + name + ')');
  }
  assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
});

test('no key is defined by two areas', () => {
  const owner = new Map();
  const twice = [];
  for (const [name, area] of Object.entries(AREAS)) {
    for (const k of Object.keys(area['zh-CN'])) {
      if (owner.has(k)) twice.push(k + ' (' + owner.get(k) + ', ' + name + ')');
      else owner.set(k, name);
    }
  }
  assert.deepEqual(twice, []);
});

test('every text is non-empty and both languages fill the same placeholders', () => {
  const bad = [];
  const holes = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort().join(',');
  for (const k of Object.keys(zh)) {
    if (typeof zh[k] !== 'string' || !zh[k] || typeof en[k] !== 'string' || !en[k]) bad.push(k + ': empty');
    else if (holes(zh[k]) !== holes(en[k])) bad.push(k + ': {' + holes(zh[k]) + '} vs {' + holes(en[k]) + '}');
  }
  assert.deepEqual(bad, []);
});

test('every rule id of policy/rules.h has words in both languages', () => {
  const ids = [...read('policy/rules.h').matchAll(/constexpr std::string_view k\w+ = "([^"]+)"/g)].map((m) => m[1]);
  assert.ok(ids.length > 60, 'rule ids not found in policy/rules.h');
  assert.deepEqual(missingIn('rule.', ids), []);
});

test('every rule id the vault and the server write themselves has words', () => {
  const ids = new Set([
    // e.rule = "auth.refused"; e.rule = a ? "noncompete.x" : "noncompete.y"
    ...[...captures(/\brule\s*=\s*([^;]+);/g)].flatMap((expr) => [...expr.matchAll(/"([a-z_]+\.[a-z0-9_.]+)"/g)].map((m) => m[1])),
    ...captures(/constexpr std::string_view k\w*Rule = "([^"]+)"/g),
    // A refusal's rule is its message's prefix: PermissionDenied("agreements.not_sent: …").
    ...captures(/"([a-z_]+\.[a-z0-9_]+): /g),
    // A refusal made with its rule as data: policy::Refuse("some.rule", "…").
    ...captures(/\bRefuse\(\s*"([a-z_]+\.[a-z0-9_.]+)"/g),
    // Deny(caller, &user, action, id, "signing.password", …)
    ...captures(/\bDeny\(caller, &user, [^;]*?, [^;]*?, "([a-z_]+\.[a-z0-9_.]+)"/g),
  ]);
  // (Agreement steps are decided by the policy engine: their rules are in
  // policy/rules.h, checked above.)
  for (const id of ['auth.refused', 'noncompete.art38_release_right']) assert.ok(ids.has(id), id + ' not found: ' + [...ids].join(' '));
  // Not rules: a file inside an evidence bundle.
  ids.delete('manifest.xml');
  assert.deepEqual(missingIn('rule.', ids), []);
});

test('every action of the audit log has words in both languages', () => {
  // A literal, or a choice of two (cond ? "user.disable" : "user.enable").
  const lit = '("[a-z_]+\\.[a-z0-9_.]+"(?:\\s*:\\s*"[a-z_]+\\.[a-z0-9_.]+")?)';
  const ids = new Set([
    // The first string argument of the functions that make an event.
    ...captures(new RegExp('\\b(?:NewEvent|BaseEvent|SessionEvent|LoanEvent|Deny|DecideRead|AuthorizeLogRead|Change|Step|Attempt::On|RecordAttempt)\\([^;"]*?' + lit, 'g')),
    ...captures(new RegExp('\\b(?:event_action|e\\.action)\\s*=\\s*' + lit, 'g')),
    ...captures(new RegExp('constexpr std::string_view k\\w*Action = ' + lit, 'g')),
  ].flatMap((s) => [...s.matchAll(/"([^"]+)"/g)].map((m) => m[1])));
  // "record." + the loan kind (a use under a loan), "agreement." + the step.
  for (const m of read('policy/types.cc').match(/kLoanKindIds = \{([^}]*)\}/)[1].matchAll(/"(\w+)"/g)) ids.add('record.' + m[1]);
  for (const m of read('vault/agreements/agreements.cc').matchAll(/\b(?:Transition|SignStep)\(\s*caller, id, "(\w+)"/g)) ids.add('agreement.' + m[1]);
  for (const id of ['record.view', 'record.create', 'loan.approve', 'session.login', 'agreement.sign', 'audit.read', 'evidence.export', 'user.enable']) {
    assert.ok(ids.has(id), 'the action ' + id + ' was not found: the patterns above need updating');
  }
  assert.deepEqual(missingIn('action.', ids), []);
});

test('every action of the policy and every alert type has words', () => {
  const actions = [...read('policy/types.cc').match(/kActionIds = \{([^}]*)\}/)[1].matchAll(/"(\w+)"/g)].map((m) => m[1]);
  assert.ok(actions.includes('assign_handover'));
  assert.deepEqual(missingIn('act.', actions), []);
  // Raised through vault/access/alerts (Raise, or an Alert whose type is set).
  const alerts = new Set([...captures(/\bRaise(?:Alert)?\(txn, "([a-z_.]+)"/g),
    ...captures(/\balert\.type = "([a-z_.]+)"/g),
    ...[...read('policy/anomaly.h').matchAll(/= "(anomaly\.[a-z_]+)"/g)].map((m) => m[1])]);
  assert.ok(alerts.has('quota.exhausted') && alerts.has('anomaly.off_hours'), [...alerts].join(' '));
  assert.deepEqual(missingIn('alert.', alerts), []);
});

test('every key the pages name literally exists', () => {
  const dir = path.join(root, 'web/ui/js');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.js')).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]);
  files.push(['index.html', read('web/ui/index.html')]);
  // The dictionary's families (nav, rec, agr, …): a string literal starting
  // with one and a dot is a key.
  const families = new Set(Object.keys(zh).map((k) => k.split('.')[0]));
  const unknown = [];
  for (const [f, text] of files) {
    for (const m of text.matchAll(/(?:'|data-i18n=")([a-z]+(?:\.[A-Za-z0-9_-]+)+)(?:'|")/g)) {
      const key = m[1];
      if (families.has(key.split('.')[0]) && !(key in zh)) unknown.push(f + ': ' + key);
    }
  }
  assert.deepEqual(unknown, []);
});

test('a missing key is shown marked and reported, never in the other language', (t) => {
  const errors = t.mock.method(console, 'error', () => {});
  const key = 'nav.home';
  const saved = en[key];
  delete en[key];
  try {
    i18n.setLang('en');
    assert.equal(i18n.t(key), '[[' + key + ']]');
    assert.equal(errors.mock.callCount(), 1);
    assert.match(errors.mock.calls[0].arguments[0], /no en text for "nav\.home"/);
    // An id the UI knows in one language only is a missing text too.
    assert.equal(i18n.tOr(key, 'fallback'), '[[' + key + ']]');
    i18n.setLang('zh-CN');
    assert.equal(i18n.t(key), '首页');
  } finally {
    en[key] = saved;
    i18n.setLang('zh-CN');
  }
  // An id no language knows (a newer server's) shows as itself.
  assert.equal(i18n.ruleName('future.rule'), 'future.rule');
});

test('ids, dates and placeholders come out in the page language', () => {
  try {
    i18n.setLang('zh-CN');
    assert.equal(i18n.ruleName('sod.self_grant'), '不得为自己授予角色');
    assert.equal(i18n.actionName('loan.approve'), '批准借阅');
    assert.equal(i18n.fmtDate('2026-03-05'), '2026年3月5日');
    assert.match(i18n.fmtInputValue('2026-03-05T14:30'), /^2026年3月5日.*14:30$/);
    assert.equal(i18n.t('records.total', { n: 3 }), '共 3 条');
    i18n.setLang('en');
    assert.equal(i18n.ruleName('sod.self_grant'), 'No granting roles to oneself');
    assert.equal(i18n.actionName('record.view'), 'View file');
    assert.equal(i18n.fmtDate('2026-03-05'), '5 Mar 2026');
    assert.match(i18n.fmtInputValue('2026-03-05'), /Thu.*5 Mar 2026/);
    assert.equal(i18n.fmtDate('not a date'), 'not a date');
  } finally {
    i18n.setLang('zh-CN');
  }
});
