// The signed-in user, the JSON API client and the server's error messages.

import { isEnglish, ruleName, t } from './i18n.js';

// session: the server's answer to GET /api/v1/session (user, csrf_token,
// must_change_password); roles: the role ids and labels.
export const state = { session: null, csrf: '', roles: null };

// Where a lost session (401) or a required password change (403) sends the
// user; the router installs its navigation here when it starts.
let navigate = (hash) => { location.hash = hash; };
export function onNavigate(fn) { navigate = fn; }

// A server error's message in the page's language. A policy refusal's
// English message starts with its rule id ("loan.too_long: …"), which the
// page shows in words instead (detailText). The Chinese message is the
// server's own: its words for the error, or, where it has none yet, the
// general sentence for its kind followed by the English detail.
function messageOf(e) {
  if (!isEnglish()) return e.message_zh || e.message_en || '';
  const m = e.message_en || '';
  return e.rule && m.startsWith(e.rule + ': ') ? m.slice(e.rule.length + 2) : m;
}

export function errorText(body) {
  if (body && body.error) return messageOf(body.error);
  return t('error.generic');
}

// A refusal in the user's language, a policy refusal with its rule named
// in words after the message (the id stays in the box's data-rule).
export function detailText(body) {
  if (!body || !body.error) return errorText(body);
  const e = body.error;
  if (!e.rule) return messageOf(e);
  const rule = t('error.rule', { rule: ruleName(e.rule) });
  return isEnglish() ? messageOf(e) + ' (' + rule + ')' : messageOf(e) + '（' + rule + '）';
}

// Shows a failed call's refusal in `box`, with its code and rule as data attributes.
export function showError(box, r) {
  const e = (r.body && r.body.error) || {};
  box.textContent = detailText(r.body);
  box.dataset.code = e.code || '';
  box.dataset.rule = e.rule || '';
  box.title = e.rule || '';
}

export async function api(method, path, body) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && state.csrf) headers['X-CSRF-Token'] = state.csrf;
  let res;
  try {
    res = await fetch(path, {
      method, headers, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    return { ok: false, status: 0, body: { error: { message_en: t('error.network'), message_zh: t('error.network') } } };
  }
  let data = null;
  try { data = await res.json(); } catch (e) { data = null; }
  // A wrong password re-entered to sign (agreements) is a 401 too, but the session is fine.
  if (res.status === 401 && path !== '/api/v1/session' && !/\/(sign|countersign|attest)$/.test(path)) { state.session = null; navigate('#/login'); }
  if (res.status === 403 && data && data.error && data.error.code === 'password_change_required') navigate('#/password');
  return { ok: res.ok, status: res.status, body: data };
}

// A POST whose answer is a file (a bundle, an attachment): the response
// itself when it is one, else { ok: false, status, body } with the JSON error.
export async function postForFile(path, body, headers = {}) {
  let res;
  try {
    res = await fetch(path, { method: 'POST', credentials: 'same-origin', headers: { ...headers, 'X-CSRF-Token': state.csrf }, body });
  } catch (e) {
    return { ok: false, status: 0, body: null };
  }
  if (res.ok) return { ok: true, res };
  let data = null;
  try { data = await res.json(); } catch (e) { data = null; }
  return { ok: false, status: res.status, body: data };
}

export function setSession(body) {
  state.session = body;
  state.csrf = body.csrf_token;
}

export function clearSession() { state.session = null; state.csrf = ''; }

export async function loadSession() {
  if (state.session) return true;
  const r = await api('GET', '/api/v1/session');
  if (!r.ok) return false;
  setSession(r.body);
  return true;
}

export async function loadRoles() {
  if (state.roles) return;
  const r = await api('GET', '/api/v1/roles');
  if (r.ok) state.roles = r.body.roles;
}

export function me() { return state.session.user; }
// Minutes the company's calendar is ahead of UTC (the policy's <calendar>);
// null before a session says.
export function calendarOffset() {
  const m = state.session && state.session.calendar_utc_offset_minutes;
  return typeof m === 'number' ? m : null;
}
export function hasRole(id) { return !!state.session && state.session.user.roles.includes(id); }

export function roleLabel(id) {
  const r = (state.roles || []).find((x) => x.id === id);
  if (!r) return id;
  return isEnglish() ? r.label_en : r.label_zh;
}
