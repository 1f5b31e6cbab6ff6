// The UI's words in zh-CN (the default) and en, and the language the page
// speaks. Every translation lives in js/i18n/: one file per area, each with
// the same keys in both languages, aggregated here. A key missing in the
// current language is shown marked ([[key]]) and logged with console.error,
// never silently replaced by the other language.
//
// This module touches no DOM and no storage when it is imported (Node's test
// runner imports it: tests/ui/i18n_test.mjs); initLang() reads the saved
// choice when the app starts.

import shell from './i18n/shell.js';
import records from './i18n/records.js';
import agreements from './i18n/agreements.js';
import departures from './i18n/departures.js';
import employment from './i18n/employment.js';
import evidence from './i18n/evidence.js';
import users from './i18n/users.js';
import ids from './i18n/ids.js';

export const LANGS = ['zh-CN', 'en'];
export const DEFAULT_LANG = 'zh-CN';
const STORAGE_KEY = 'custos.lang';

// The areas, by name (the test reports a duplicate key by area).
export const AREAS = { shell, records, agreements, departures, employment, evidence, users, ids };

// One dictionary per language. A key defined by two areas is a mistake the
// test reports; here the first area keeps it.
export const DICTIONARIES = Object.fromEntries(LANGS.map((l) => {
  const d = {};
  for (const area of Object.values(AREAS)) {
    for (const [k, v] of Object.entries(area[l] || {})) if (!(k in d)) d[k] = v;
  }
  return [l, d];
}));

let current = DEFAULT_LANG;

export function lang() { return current; }
export function isEnglish() { return current === 'en'; }

export function setLang(l) {
  current = LANGS.includes(l) ? l : DEFAULT_LANG;
  if (typeof localStorage !== 'undefined') localStorage.setItem(STORAGE_KEY, current);
}

// The saved choice (localStorage), zh-CN without one.
export function initLang() {
  const saved = typeof localStorage !== 'undefined' ? localStorage.getItem(STORAGE_KEY) : null;
  current = LANGS.includes(saved) ? saved : DEFAULT_LANG;
}

export function toggleLang() { setLang(current === 'en' ? 'zh-CN' : 'en'); }

// Whether `key` has a text in the current language.
export function has(key) { return Object.prototype.hasOwnProperty.call(DICTIONARIES[current], key); }

// Whether any language knows `key` (an id the UI has words for).
function known(key) { return LANGS.some((l) => Object.prototype.hasOwnProperty.call(DICTIONARIES[l], key)); }

const reported = new Set();
export function missing(key) { return '[[' + key + ']]'; }

// The text of `key` in the current language, {name} placeholders filled
// from `vars`.
export function t(key, vars) {
  let s;
  if (has(key)) s = DICTIONARIES[current][key];
  else {
    if (!reported.has(current + ' ' + key)) {
      reported.add(current + ' ' + key);
      console.error('custos i18n: no ' + current + ' text for "' + key + '"');
    }
    return missing(key);
  }
  for (const [k, v] of Object.entries(vars || {})) s = s.split('{' + k + '}').join(String(v));
  return s;
}

// For ids the server sends (a rule, an action, a state): the words when the
// UI knows the id, else the id itself. An id known in one language only is
// a missing translation and shows as one.
export function tOr(key, fallback) {
  return known(key) ? t(key) : fallback;
}

export function ruleName(id) { return id ? tOr('rule.' + id, id) : ''; }
export function actionName(id) { return id ? tOr('action.' + id, id) : ''; }
export function policyActionName(id) { return tOr('act.' + id, id); }
export function alertName(type) { return tOr('alert.' + type, type); }
// The ids the UI has words for under `prefix` ('action.', 'rule.', …), in
// the dictionary's order.
export function knownIds(prefix) {
  return Object.keys(DICTIONARIES[DEFAULT_LANG]).filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
}
export function knowsAlert(type) { return known('alert.' + type); }

// ---- dates and numbers in the page's language --------------------------------

function locale() { return current === 'en' ? 'en-GB' : 'zh-CN'; }

// A moment (ms since the epoch, or a string Date understands) as local date
// and time: 2026/12/5 09:55:43, or in English 5 Dec 2026, 09:55:43 (the
// month by name: 05/12/2026 reads as 12 May to many).
export function fmtTime(v) {
  if (v === undefined || v === null || v === 0 || v === '') return '';
  const d = new Date(v);
  if (isNaN(d)) return String(v);
  const named = current === 'en' ? { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' } : {};
  return d.toLocaleString(locale(), { ...named, hour12: false });
}

// A file's size for reading: bytes up to 1 KB, then KB, MB, GB (of 1024),
// one decimal below 100 (243456 → "238 KB", 20480 → "20 KB", 1536 → "1.5 KB").
export function fmtSize(bytes) {
  const n = Number(bytes);
  if (!Number.isFinite(n) || n < 0) return String(bytes);
  if (n < 1024) return n.toLocaleString(locale()) + ' B';
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u += 1; }
  return v.toLocaleString(locale(), { maximumFractionDigits: v < 100 ? 1 : 0 }) + ' ' + units[u];
}

// A calendar date ("2026-03-05") in words: 2026年3月5日 / 5 Mar 2026. Other
// text is returned as it is.
export function fmtDate(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || '');
  if (!m) return iso || '';
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toLocaleDateString(locale(), { timeZone: 'UTC', year: 'numeric', month: 'short', day: 'numeric' });
}

// The value of a date or datetime-local input in words, weekday included:
// 2026年3月5日星期四 14:30 / Thu 5 Mar 2026, 14:30.
export function fmtInputValue(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?/.exec(value || '');
  if (!m) return '';
  const opts = { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' };
  if (m[4] !== undefined) Object.assign(opts, { hour: '2-digit', minute: '2-digit', hour12: false });
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] || 0), Number(m[5] || 0)));
  return d.toLocaleString(locale(), opts);
}

export function fmtNumber(n, opts) { return Number(n).toLocaleString(locale(), opts); }
