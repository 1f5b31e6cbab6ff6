// User administration (#/admin/users) and the page a setup link opens
// (#/setup/<token>, no session needed). Every change is decided by the
// policy and audited by the server; grants of guarded roles (approver,
// custodian, admin by default) wait for a second administrator.

import { fmtTime } from './common.js';
import { el, field, table, toast } from './dom.js';
import { isEnglish, t } from './i18n.js';
import { go, renderCount, replacePage } from './router.js';
import { api, errorText, roleLabel, state } from './session.js';

const roleNames = (ids) => ids.map(roleLabel).join('、');

function statusKey(u) {
  if (u.disabled) return 'users.disabled';
  if (!u.has_password) return 'users.awaiting_setup';
  if (u.must_change_password) return 'users.must_change';
  return 'users.active';
}

// The setup link as the administrator hands it on, with a copy button.
function setupBox(setup) {
  const url = location.origin + setup.path;
  const hours = Math.round((setup.expires - Date.now()) / 3600000);
  const input = el('input', { class: 'secret', id: 'setup-link', readonly: true, value: url, size: '60' });
  const copy = el('button', { class: 'small', type: 'button', i18n: 'users.copy' });
  copy.addEventListener('click', async () => {
    input.select();
    try { await navigator.clipboard.writeText(url); toast(t('users.copied')); } catch (e) { /* selected for manual copy */ }
  });
  return el('div', { class: 'notice', id: 'setup-box' },
    el('p', { text: t('users.setup_link', { hours: String(hours) }) }), input, ' ', copy);
}

function outcomeBox(body) {
  const parts = [];
  if (body.setup) parts.push(setupBox(body.setup));
  if (body.pending_grant) {
    parts.push(el('p', { class: 'notice', id: 'pending-note', text: t('users.pending_roles', { roles: roleNames(body.pending_grant.roles) }) }));
  }
  return el('div', {}, ...parts);
}

function roleChecks(name, selected) {
  return el('div', { class: 'checks' }, ...(state.roles || []).map((r) => el('label', {},
    el('input', { type: 'checkbox', name, value: r.id, checked: selected.includes(r.id) }),
    el('span', { text: isEnglish() ? r.label_en : r.label_zh }))));
}

async function grantsCard(rerender) {
  const r = await api('GET', '/api/v1/user-grants');
  const err = el('div', { class: 'error', role: 'alert' });
  if (!r.ok) return el('section', { class: 'card error', text: errorText(r.body) });
  const rows = r.body.grants.map((g) => {
    const actions = el('td', {});
    if (g.mine) actions.append(el('span', { class: 'muted', i18n: 'users.grant_mine' }), ' ');
    else {
      const ok = el('button', { class: 'primary', 'data-grant': g.id, i18n: 'users.confirm' });
      ok.addEventListener('click', async () => {
        const res = await api('POST', `/api/v1/user-grants/${encodeURIComponent(g.id)}/confirm`, {});
        if (!res.ok) { err.textContent = errorText(res.body); return; }
        toast(t('users.confirmed')); rerender();
      });
      actions.append(ok, ' ');
    }
    const cancel = el('button', { i18n: 'users.cancel' });
    cancel.addEventListener('click', async () => {
      const res = await api('POST', `/api/v1/user-grants/${encodeURIComponent(g.id)}/cancel`, {});
      if (!res.ok) { err.textContent = errorText(res.body); return; }
      toast(t('users.cancelled')); rerender();
    });
    actions.append(cancel);
    return el('tr', {}, el('td', { text: `${g.display_name} (${g.username})` }), el('td', { text: roleNames(g.roles) }),
      el('td', { text: g.requested_by_name }), el('td', { text: fmtTime(g.requested_at) }), actions);
  });
  return el('section', { class: 'card', id: 'grants-card' }, el('h2', { i18n: 'users.grants' }),
    el('p', { class: 'muted', i18n: 'users.two_person' }), err,
    rows.length ? table(['users.grant_user', 'users.grant_roles', 'users.grant_by', 'users.grant_at', 'users.actions'], rows, { id: 'grants-table' })
      : el('p', { class: 'muted', i18n: 'users.grants_none' }));
}

// A comma-separated list as typed (either comma), without empty entries.
function splitList(s) { return s.split(/[,，、]/).map((x) => x.trim()).filter(Boolean); }

// The panel to change one account: names, roles, disabled, password reset.
function manageCard(u, rerender) {
  const err = el('div', { class: 'error', role: 'alert' });
  const out = el('div', {});
  const f = el('form', { class: 'card', id: 'manage-form' },
    el('h2', { text: t('users.editing', { name: `${u.display_name} (${u.username})` }) }),
    ...field('users.display', el('input', { id: 'edit-display', maxlength: '128', value: u.display_name })),
    ...field('users.department', el('input', { id: 'edit-department', maxlength: '128', value: u.department })),
    ...field('users.territories', el('input', { id: 'edit-territories', value: (u.territories || []).join(', ') })),
    el('label', { i18n: 'users.roles' }), roleChecks('edit-role', u.roles),
    el('label', { class: 'check' }, el('input', { type: 'checkbox', id: 'edit-disabled', checked: u.disabled }), el('span', { i18n: 'users.disable' })),
    ...field('users.reason', el('input', { id: 'edit-reason', maxlength: '500' })),
    el('div', { class: 'actions' },
      el('button', { class: 'primary', type: 'submit', id: 'edit-save', i18n: 'users.save' }), ' ',
      el('button', { class: 'secondary', type: 'button', id: 'edit-reset', i18n: 'users.reset' })),
    err, out);
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = ''; out.replaceChildren();
    const roles = [...f.querySelectorAll('input[name=edit-role]:checked')].map((c) => c.value);
    const r = await api('PATCH', `/api/v1/users/${encodeURIComponent(u.id)}`, {
      display_name: f.querySelector('#edit-display').value, department: f.querySelector('#edit-department').value,
      territories: splitList(f.querySelector('#edit-territories').value),
      roles, disabled: f.querySelector('#edit-disabled').checked, reason: f.querySelector('#edit-reason').value,
    });
    if (!r.ok) { err.textContent = errorText(r.body); return; }
    toast(t('users.saved'));
    rerender(outcomeBox(r.body));
  });
  f.querySelector('#edit-reset').addEventListener('click', async () => {
    err.textContent = ''; out.replaceChildren();
    if (!window.confirm(t('users.reset_confirm'))) return;
    const r = await api('POST', `/api/v1/users/${encodeURIComponent(u.id)}/password-reset`, { reason: f.querySelector('#edit-reason').value });
    if (!r.ok) { err.textContent = errorText(r.body); return; }
    rerender(outcomeBox(r.body));
  });
  return f;
}

async function view(note) {
  const shown = renderCount();
  const list = await api('GET', '/api/v1/users');
  if (!list.ok) return el('div', { class: 'card error', text: errorText(list.body) });
  const rerender = async (extra) => replacePage(await view(extra), shown);
  const slot = el('div', { id: 'manage-slot' });
  const rows = list.body.users.map((u) => {
    const manage = el('button', { 'data-user': u.username, i18n: 'users.manage' });
    manage.addEventListener('click', () => {
      slot.replaceChildren(manageCard(u, rerender));
      slot.scrollIntoView();
    });
    return el('tr', {},
      el('td', { text: u.username }), el('td', { text: u.display_name }),
      el('td', {}, el('div', { text: u.department }), el('div', { class: 'muted', text: (u.territories || []).join('、') })),
      el('td', {}, ...u.roles.map((r) => el('span', { class: 'tag', text: roleLabel(r) }))),
      el('td', { i18n: statusKey(u) }), el('td', {}, manage));
  });
  const usersTable = table(['users.username', 'users.display', 'users.department', 'users.roles', 'users.status', 'users.actions'], rows, { id: 'users-table' });
  const err = el('div', { class: 'error', role: 'alert' });
  const f = el('form', { class: 'card', id: 'user-form' },
    el('h2', { i18n: 'users.create' }),
    ...field('users.username', el('input', { id: 'new-username', required: true, pattern: '[A-Za-z0-9._\\-]{1,64}' })),
    ...field('users.display', el('input', { id: 'new-display', maxlength: '128' })),
    ...field('users.department', el('input', { id: 'new-department', maxlength: '128' })),
    ...field('users.territories', el('input', { id: 'new-territories' })),
    el('label', { i18n: 'users.roles' }), roleChecks('role', []),
    ...field('users.reason', el('input', { id: 'new-reason', maxlength: '500' })),
    el('button', { class: 'primary', type: 'submit', i18n: 'users.submit' }), err);
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    const roles = [...f.querySelectorAll('input[name=role]:checked')].map((c) => c.value);
    const r = await api('POST', '/api/v1/users', {
      username: f.querySelector('#new-username').value, display_name: f.querySelector('#new-display').value,
      department: f.querySelector('#new-department').value, territories: splitList(f.querySelector('#new-territories').value), roles, reason: f.querySelector('#new-reason').value,
    });
    if (!r.ok) { err.textContent = errorText(r.body); return; }
    rerender(outcomeBox(r.body));
  });
  return el('div', {}, el('h1', { i18n: 'users.title' }),
    note ? el('section', { class: 'card', id: 'user-outcome' }, note) : null,
    await grantsCard(() => rerender()),
    el('div', { class: 'card' }, usersTable), slot, f);
}

// #/setup/<token>: the account's owner chooses their first password.
async function setupView() {
  const token = location.hash.slice('#/setup/'.length);
  const info = await api('POST', '/api/v1/setup/inspect', { token });
  if (!info.ok) return el('div', { class: 'card narrow error', id: 'setup-invalid', i18n: 'setup.invalid' });
  const err = el('div', { class: 'error', role: 'alert' });
  const f = el('form', { class: 'card narrow', id: 'setup-form' },
    el('h1', { i18n: 'setup.title' }),
    el('p', { text: t('setup.for', { username: info.body.username, name: info.body.display_name }) }),
    el('p', { class: 'muted', text: t('setup.expires', { time: fmtTime(info.body.expires) }) }),
    el('input', { type: 'text', autocomplete: 'username', value: info.body.username, hidden: true, readonly: true }),
    ...field('setup.new', el('input', { id: 'setup-new', type: 'password', autocomplete: 'new-password', minlength: '10', required: true })),
    ...field('setup.repeat', el('input', { id: 'setup-repeat', type: 'password', autocomplete: 'new-password', minlength: '10', required: true })),
    el('button', { class: 'primary', type: 'submit', id: 'setup-submit', i18n: 'setup.submit' }), err);
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    const pw = f.querySelector('#setup-new').value;
    if (pw !== f.querySelector('#setup-repeat').value) { err.textContent = t('password.mismatch'); return; }
    const r = await api('POST', '/api/v1/setup', { token, new_password: pw });
    f.querySelector('#setup-new').value = ''; f.querySelector('#setup-repeat').value = '';
    if (!r.ok) { err.textContent = errorText(r.body); return; }
    toast(t('setup.done'));
    history.replaceState(null, '', '#/login');  // the used link leaves the history
    go('#/login');
  });
  return f;
}

export const routes = { '#/admin/users': () => view(), '#/setup': setupView };
