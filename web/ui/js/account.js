// The login page and the password change.

import { el, field, toast } from './dom.js';
import { t } from './i18n.js';
import { go } from './router.js';
import { api, errorText, setSession, state } from './session.js';

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
    if (v('new') !== v('repeat')) { err.textContent = t('password.mismatch'); return; }
    const r = await api('POST', '/api/v1/session/password', { old_password: v('old'), new_password: v('new') });
    for (const id of ['old', 'new', 'repeat']) f.querySelector('#' + id).value = '';
    if (!r.ok) { err.textContent = errorText(r.body); return; }
    state.session.must_change_password = false;
    toast(t('password.done'));
    go('#/home');
  });
  return f;
}

export const routes = { '#/login': viewLogin, '#/password': viewPassword };
