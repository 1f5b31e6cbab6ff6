// The Custos single-page UI: plain DOM, no build step, no inline script.
// Text from the server is only ever set with textContent (never innerHTML).
'use strict';

const state = { session: null, csrf: '', roles: null };

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'i18n') { e.dataset.i18n = v; e.textContent = I18n.t(v); }
    else if (k === 'text') e.textContent = v;
    else if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v === true) e.setAttribute(k, '');
    else if (v !== false && v != null) e.setAttribute(k, v);
  }
  for (const c of children) if (c != null) e.append(c);
  return e;
}

function errorText(body) {
  if (body && body.error) return I18n.lang === 'en' ? body.error.message_en : body.error.message_zh;
  return I18n.t('error.generic');
}

async function api(method, path, body) {
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
    return { ok: false, status: 0, body: { error: { message_en: I18n.t('error.network'), message_zh: I18n.t('error.network') } } };
  }
  let data = null;
  try { data = await res.json(); } catch (e) { data = null; }
  // A wrong password re-entered to sign (agreements) is a 401 too, but the session is fine.
  if (res.status === 401 && path !== '/api/v1/session' && !/\/(sign|countersign|attest)$/.test(path)) { state.session = null; go('#/login'); }
  if (res.status === 403 && data && data.error && data.error.code === 'password_change_required') go('#/password');
  return { ok: res.ok, status: res.status, body: data };
}

function go(hash) { if (location.hash !== hash) location.hash = hash; else render(); }

function toast(msg) {
  const t = document.getElementById('toast');
  t.textContent = msg; t.hidden = false;
  setTimeout(() => { t.hidden = true; }, 4000);
}

function roleLabel(id) {
  const r = (state.roles || []).find((x) => x.id === id);
  if (!r) return id;
  return I18n.lang === 'en' ? r.label_en : r.label_zh;
}

function hasRole(id) { return !!state.session && state.session.user.roles.includes(id); }

function field(labelKey, input) { return [el('label', { i18n: labelKey, for: input.id }), input]; }

// ---- views -------------------------------------------------------------

function viewLogin() {
  const err = el('div', { class: 'error', role: 'alert' });
  const f = el('form', { class: 'card narrow', id: 'login-form' },
    el('h1', { i18n: 'login.title' }),
    ...field('login.username', el('input', { id: 'username', name: 'username', autocomplete: 'username', required: true })),
    ...field('login.password', el('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
    ...field('login.workstation', el('input', { id: 'workstation', name: 'workstation', required: true, maxlength: '128', value: localStorage.getItem('custos.workstation') || '' })),
    ...field('login.location', el('input', { id: 'location', name: 'location', required: true, maxlength: '128', value: localStorage.getItem('custos.location') || '' })),
    el('p', { class: 'muted', i18n: 'login.hint' }),
    el('button', { class: 'primary', type: 'submit', id: 'login-submit', i18n: 'login.submit' }),
    err);
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    const v = (id) => f.querySelector('#' + id).value;
    localStorage.setItem('custos.workstation', v('workstation'));
    localStorage.setItem('custos.location', v('location'));
    const r = await api('POST', '/api/v1/session', {
      username: v('username'), password: v('password'), workstation: v('workstation'), location: v('location'),
    });
    f.querySelector('#password').value = '';
    if (!r.ok) { err.textContent = errorText(r.body); return; }
    setSession(r.body);
    go(r.body.must_change_password ? '#/password' : '#/home');
  });
  return f;
}

function viewPassword() {
  const err = el('div', { class: 'error', role: 'alert' });
  const note = el('div', { class: 'notice' });
  const f = el('form', { class: 'card narrow', id: 'password-form' },
    el('h1', { i18n: 'password.title' }),
    state.session.must_change_password ? el('p', { class: 'error', i18n: 'password.required' }) : null,
    ...field('password.old', el('input', { id: 'old', type: 'password', autocomplete: 'current-password', required: true })),
    ...field('password.new', el('input', { id: 'new', type: 'password', autocomplete: 'new-password', minlength: '10', required: true })),
    ...field('password.repeat', el('input', { id: 'repeat', type: 'password', autocomplete: 'new-password', minlength: '10', required: true })),
    el('button', { class: 'primary', type: 'submit', id: 'password-submit', i18n: 'password.submit' }),
    err, note);
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = ''; note.textContent = '';
    const v = (id) => f.querySelector('#' + id).value;
    if (v('new') !== v('repeat')) { err.textContent = I18n.t('password.mismatch'); return; }
    const r = await api('POST', '/api/v1/session/password', { old_password: v('old'), new_password: v('new') });
    for (const id of ['old', 'new', 'repeat']) f.querySelector('#' + id).value = '';
    if (!r.ok) { err.textContent = errorText(r.body); return; }
    state.session.must_change_password = false;
    toast(I18n.t('password.done'));
    go('#/home');
  });
  return f;
}

// ---- shell -------------------------------------------------------------

function setSession(body) {
  state.session = body;
  state.csrf = body.csrf_token;
}

async function loadSession() {
  if (state.session) return true;
  const r = await api('GET', '/api/v1/session');
  if (!r.ok) return false;
  setSession(r.body);
  return true;
}

async function loadRoles() {
  if (state.roles) return;
  const r = await api('GET', '/api/v1/roles');
  if (r.ok) state.roles = r.body.roles;
}

function renderShell() {
  const logged = !!state.session;
  document.getElementById('nav').hidden = !logged;
  document.getElementById('logout').hidden = !logged;
  for (const a of document.querySelectorAll('#nav [data-role]')) a.hidden = !hasRole(a.dataset.role);
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.getAttribute('href') === location.hash);
  const who = document.getElementById('whoami');
  who.textContent = logged ? (state.session.user.display_name || state.session.user.username) : '';
  document.getElementById('lang').textContent = I18n.t('lang.switch');
  I18n.apply(document.querySelector('header'));
}

const ROUTES = {
  '#/login': viewLogin, '#/password': viewPassword,
};  // the role pages (pages.js, users.js, …) add theirs, '#/home' among them

// Pages reachable without a session: the login and a setup link's page
// (users.js; the token follows in the hash).
function isPublicPage(hash) { return hash === '#/login' || hash.startsWith('#/setup/'); }

async function render() {
  const hash = location.hash || '#/home';
  const main = document.getElementById('main');
  if (!isPublicPage(hash)) {
    if (!(await loadSession())) { go('#/login'); return; }
    if (state.session.must_change_password && hash !== '#/password') { go('#/password'); return; }
    await loadRoles();
  }
  const key = hash.startsWith('#/setup/') ? '#/setup' : hash.split('?')[0];
  const view = ROUTES[key] || ROUTES['#/home'];  // unknown: home
  const page = await view();
  main.replaceChildren(page);
  renderShell();
}

document.addEventListener('DOMContentLoaded', () => {
  document.getElementById('lang').addEventListener('click', () => { I18n.toggle(); render(); });
  document.getElementById('logout').addEventListener('click', async () => {
    await api('DELETE', '/api/v1/session');
    state.session = null; state.csrf = '';
    go('#/login');
  });
  window.addEventListener('hashchange', render);
  render();
});
