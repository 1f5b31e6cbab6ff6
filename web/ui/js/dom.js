// Element helpers shared by every page. Text from the server is only ever
// set with textContent (never innerHTML), and nothing here runs inline
// script or style (the CSP allows neither).

import { fmtInputValue, has, lang, t } from './i18n.js';

// el('a', { href, i18n: 'nav.home', class, onclick, hidden: true }, ...children):
// `i18n` sets the text from the dictionary (and data-i18n, so a language
// switch can translate it again), `text` sets plain text, on… attributes add
// listeners, true gives an empty attribute and false or null none.
export function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'i18n') setI18n(e, v);
    else if (k === 'text') e.textContent = v;
    else if (k === 'class') e.className = v;
    else if (k.startsWith('on')) { if (v) e.addEventListener(k.slice(2), v); }
    else if (v === true) e.setAttribute(k, '');
    else if (v !== false && v != null) e.setAttribute(k, v);
  }
  for (const c of children) if (c != null) e.append(c);
  return e;
}

function setI18n(e, key) {
  e.dataset.i18n = key;
  e.textContent = t(key);
  e.classList.toggle('i18n-missing', !has(key));
}

// Translates every [data-i18n] element under `root` again and sets the
// document's language (screen readers, hyphenation, and form controls in
// browsers that localize them by lang).
export function applyI18n(root) {
  document.documentElement.lang = lang();
  for (const e of (root || document).querySelectorAll('[data-i18n]')) setI18n(e, e.dataset.i18n);
}

// A table with a header row of dictionary keys ('' for an empty header) and
// the given body rows. opts: the table's attributes (id, class, …), and
// scroll: true to wrap it in a horizontally scrolling box.
export function table(headKeys, rows, opts = {}) {
  const { scroll, ...attrs } = opts;
  const tbl = el('table', attrs,
    el('thead', {}, el('tr', {}, ...headKeys.map((k) => (k ? el('th', { i18n: k }) : el('th'))))),
    el('tbody', {}, ...rows));
  return scroll ? el('div', { class: 'scroll' }, tbl) : tbl;
}

// A label and its input (the label points at the input's id; for a date
// field, at the input inside it).
export function field(labelKey, input) {
  const target = input.matches('input, select, textarea') ? input : input.querySelector('input, select, textarea');
  return [el('label', { i18n: labelKey, for: target ? target.id : null }), input];
}

// `node`, or a muted "nothing here" when there are no rows.
export function emptyOr(rows, node) { return rows.length ? node : el('p', { class: 'muted', i18n: 'common.none' }); }

export function errorBox() { return el('div', { class: 'error', role: 'alert' }); }

export function actionButton(labelKey, cls, fn) {
  return el('button', { type: 'button', class: 'small ' + (cls || ''), i18n: labelKey, onclick: fn });
}

// A date or datetime-local input (attrs as for el: id, type, value, …) with
// the chosen day written out in the page's language beside it: browsers draw
// the picker in their own language whatever the page says. Returns the
// wrapper; the input is its .input.
export function dateInput(attrs) {
  const input = el('input', { type: 'date', ...attrs, lang: lang() });
  const words = el('span', { class: 'date-words muted', 'aria-live': 'polite' });
  const show = () => { words.textContent = fmtInputValue(input.value); };
  input.addEventListener('input', show);
  input.addEventListener('change', show);
  show();
  const wrap = el('span', { class: 'date-field' }, input, words);
  wrap.input = input;
  return wrap;
}

// The query string of the hash route (#/records?q=…).
export function hashParams() { return new URLSearchParams(location.hash.split('?')[1] || ''); }

let toastTimer = null;
export function toast(msg) {
  const box = document.getElementById('toast');
  box.textContent = msg; box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, 4000);
}

// Saves `blob` as a file named `name` (a temporary link the user's browser
// downloads).
export function saveBlob(name, blob, keepMs = 10000) {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: name, class: 'offscreen' });
  document.body.append(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(url); a.remove(); }, keepMs);
}
