// User administration (#/admin/users) and the page a setup link opens
// (#/setup/<token>, no session needed). Every change is decided by the
// policy and audited by the server; grants of guarded roles (approver,
// custodian, admin by default) wait for a second administrator.
'use strict';

Object.assign(CUSTOS_I18N['zh-CN'], {
  'users.awaiting_setup': '待设置密码', 'users.actions': '操作', 'users.manage': '管理',
  'users.reason': '原因（写入审计日志）', 'users.save': '保存', 'users.saved': '已保存。',
  'users.disable': '停用账号', 'users.reset': '重置密码', 'users.reset_confirm': '重置后该用户当前的密码和所有会话立即失效。继续吗？',
  'users.editing': '管理用户：{name}',
  'users.setup_link': '设置链接（只显示一次，请安全地交给本人；{hours} 小时内有效，使用一次后失效）：',
  'users.copy': '复制', 'users.copied': '已复制。',
  'users.pending_roles': '以下角色需另一位管理员确认后生效：{roles}',
  'users.grants': '待确认的角色授予', 'users.grants_none': '没有待确认的角色授予。',
  'users.grant_user': '用户', 'users.grant_roles': '角色', 'users.grant_by': '申请人', 'users.grant_at': '申请时间',
  'users.confirm': '确认', 'users.cancel': '撤销', 'users.grant_mine': '等待另一位管理员确认',
  'users.confirmed': '角色授予已确认。', 'users.cancelled': '角色授予已撤销。',
  'users.two_person': '授予审批人、保管人或管理员角色须两位管理员：一位申请，另一位确认。任何人不得为自己授予角色。',
  'setup.title': '设置密码', 'setup.for': '账号：{username}（{name}）', 'setup.expires': '链接有效期至：{time}',
  'setup.new': '新密码（至少 10 个字符）', 'setup.repeat': '再次输入新密码', 'setup.submit': '设置密码',
  'setup.done': '密码已设置，请登录。', 'setup.invalid': '此设置链接无效、已使用或已过期。请联系管理员重新发放。',
});
Object.assign(CUSTOS_I18N.en, {
  'users.awaiting_setup': 'Awaiting setup', 'users.actions': 'Actions', 'users.manage': 'Manage',
  'users.reason': 'Reason (goes into the audit log)', 'users.save': 'Save', 'users.saved': 'Saved.',
  'users.disable': 'Account disabled', 'users.reset': 'Reset password', 'users.reset_confirm': 'The user\'s current password and all their sessions stop working at once. Continue?',
  'users.editing': 'Manage user: {name}',
  'users.setup_link': 'Setup link (shown once; hand it to the person securely; valid {hours} hours, works once):',
  'users.copy': 'Copy', 'users.copied': 'Copied.',
  'users.pending_roles': 'These roles take effect once a second administrator confirms: {roles}',
  'users.grants': 'Role grants to confirm', 'users.grants_none': 'No role grants wait for confirmation.',
  'users.grant_user': 'User', 'users.grant_roles': 'Roles', 'users.grant_by': 'Requested by', 'users.grant_at': 'Requested',
  'users.confirm': 'Confirm', 'users.cancel': 'Cancel', 'users.grant_mine': 'Waiting for another administrator',
  'users.confirmed': 'Role grant confirmed.', 'users.cancelled': 'Role grant cancelled.',
  'users.two_person': 'Granting the approver, custodian or admin role takes two administrators: one asks, another confirms. Nobody grants roles to themselves.',
  'setup.title': 'Set your password', 'setup.for': 'Account: {username} ({name})', 'setup.expires': 'Link valid until: {time}',
  'setup.new': 'New password (10 characters or more)', 'setup.repeat': 'New password again', 'setup.submit': 'Set password',
  'setup.done': 'Password set; please log in.', 'setup.invalid': 'This setup link is unknown, used or expired. Ask an administrator for a new one.',
});

(() => {
  const fmtTime = (ms) => new Date(ms).toLocaleString(I18n.lang === 'en' ? 'en-GB' : 'zh-CN');
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
    const copy = el('button', { type: 'button', i18n: 'users.copy' });
    copy.addEventListener('click', async () => {
      input.select();
      try { await navigator.clipboard.writeText(url); toast(I18n.t('users.copied')); } catch (e) { /* selected for manual copy */ }
    });
    return el('div', { class: 'notice', id: 'setup-box' },
      el('p', { text: I18n.t('users.setup_link', { hours: String(hours) }) }), input, ' ', copy);
  }

  function outcomeBox(body) {
    const parts = [];
    if (body.setup) parts.push(setupBox(body.setup));
    if (body.pending_grant) {
      parts.push(el('p', { class: 'notice', id: 'pending-note', text: I18n.t('users.pending_roles', { roles: roleNames(body.pending_grant.roles) }) }));
    }
    return el('div', {}, ...parts);
  }

  function roleChecks(name, selected) {
    return el('div', { class: 'checks' }, ...(state.roles || []).map((r) => el('label', {},
      el('input', { type: 'checkbox', name, value: r.id, checked: selected.includes(r.id) }),
      el('span', { text: I18n.lang === 'en' ? r.label_en : r.label_zh }))));
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
          toast(I18n.t('users.confirmed')); rerender();
        });
        actions.append(ok, ' ');
      }
      const cancel = el('button', { i18n: 'users.cancel' });
      cancel.addEventListener('click', async () => {
        const res = await api('POST', `/api/v1/user-grants/${encodeURIComponent(g.id)}/cancel`, {});
        if (!res.ok) { err.textContent = errorText(res.body); return; }
        toast(I18n.t('users.cancelled')); rerender();
      });
      actions.append(cancel);
      return el('tr', {}, el('td', { text: `${g.display_name} (${g.username})` }), el('td', { text: roleNames(g.roles) }),
        el('td', { text: g.requested_by_name }), el('td', { text: fmtTime(g.requested_at) }), actions);
    });
    return el('section', { class: 'card', id: 'grants-card' }, el('h2', { i18n: 'users.grants' }),
      el('p', { class: 'muted', i18n: 'users.two_person' }), err,
      rows.length ? el('table', { id: 'grants-table' },
        el('thead', {}, el('tr', {}, ...['users.grant_user', 'users.grant_roles', 'users.grant_by', 'users.grant_at', 'users.actions'].map((k) => el('th', { i18n: k })))),
        el('tbody', {}, ...rows)) : el('p', { class: 'muted', i18n: 'users.grants_none' }));
  }

  // The panel to change one account: names, roles, disabled, password reset.
  function manageCard(u, rerender) {
    const err = el('div', { class: 'error', role: 'alert' });
    const out = el('div', {});
    const f = el('form', { class: 'card', id: 'manage-form' },
      el('h2', { text: I18n.t('users.editing', { name: `${u.display_name} (${u.username})` }) }),
      ...field('users.display', el('input', { id: 'edit-display', maxlength: '128', value: u.display_name })),
      ...field('users.department', el('input', { id: 'edit-department', maxlength: '128', value: u.department })),
      el('label', { i18n: 'users.roles' }), roleChecks('edit-role', u.roles),
      el('label', { class: 'inline' }, el('input', { type: 'checkbox', id: 'edit-disabled', checked: u.disabled }), el('span', { i18n: 'users.disable' })),
      ...field('users.reason', el('input', { id: 'edit-reason', maxlength: '500' })),
      el('div', { class: 'actions' },
        el('button', { class: 'primary', type: 'submit', id: 'edit-save', i18n: 'users.save' }), ' ',
        el('button', { type: 'button', id: 'edit-reset', i18n: 'users.reset' })),
      err, out);
    f.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      err.textContent = ''; out.replaceChildren();
      const roles = [...f.querySelectorAll('input[name=edit-role]:checked')].map((c) => c.value);
      const r = await api('PATCH', `/api/v1/users/${encodeURIComponent(u.id)}`, {
        display_name: f.querySelector('#edit-display').value, department: f.querySelector('#edit-department').value,
        roles, disabled: f.querySelector('#edit-disabled').checked, reason: f.querySelector('#edit-reason').value,
      });
      if (!r.ok) { err.textContent = errorText(r.body); return; }
      toast(I18n.t('users.saved'));
      rerender(outcomeBox(r.body));
    });
    f.querySelector('#edit-reset').addEventListener('click', async () => {
      err.textContent = ''; out.replaceChildren();
      if (!window.confirm(I18n.t('users.reset_confirm'))) return;
      const r = await api('POST', `/api/v1/users/${encodeURIComponent(u.id)}/password-reset`, { reason: f.querySelector('#edit-reason').value });
      if (!r.ok) { err.textContent = errorText(r.body); return; }
      rerender(outcomeBox(r.body));
    });
    return f;
  }

  async function view(note) {
    const list = await api('GET', '/api/v1/users');
    if (!list.ok) return el('div', { class: 'card error', text: errorText(list.body) });
    const main = () => document.getElementById('main');
    const rerender = async (extra) => main().replaceChildren(await view(extra));
    const slot = el('div', { id: 'manage-slot' });
    const rows = list.body.users.map((u) => {
      const manage = el('button', { 'data-user': u.username, i18n: 'users.manage' });
      manage.addEventListener('click', () => {
        slot.replaceChildren(manageCard(u, rerender));
        slot.scrollIntoView();
      });
      return el('tr', {},
        el('td', { text: u.username }), el('td', { text: u.display_name }), el('td', { text: u.department }),
        el('td', {}, ...u.roles.map((r) => el('span', { class: 'tag', text: roleLabel(r) }))),
        el('td', { i18n: statusKey(u) }), el('td', {}, manage));
    });
    const table = el('table', { id: 'users-table' },
      el('thead', {}, el('tr', {}, ...['users.username', 'users.display', 'users.department', 'users.roles', 'users.status', 'users.actions'].map((k) => el('th', { i18n: k })))),
      el('tbody', {}, ...rows));
    const err = el('div', { class: 'error', role: 'alert' });
    const f = el('form', { class: 'card', id: 'user-form' },
      el('h2', { i18n: 'users.create' }),
      ...field('users.username', el('input', { id: 'new-username', required: true, pattern: '[A-Za-z0-9._\\-]{1,64}' })),
      ...field('users.display', el('input', { id: 'new-display', maxlength: '128' })),
      ...field('users.department', el('input', { id: 'new-department', maxlength: '128' })),
      el('label', { i18n: 'users.roles' }), roleChecks('role', []),
      ...field('users.reason', el('input', { id: 'new-reason', maxlength: '500' })),
      el('button', { class: 'primary', type: 'submit', i18n: 'users.submit' }), err);
    f.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      err.textContent = '';
      const roles = [...f.querySelectorAll('input[name=role]:checked')].map((c) => c.value);
      const r = await api('POST', '/api/v1/users', {
        username: f.querySelector('#new-username').value, display_name: f.querySelector('#new-display').value,
        department: f.querySelector('#new-department').value, roles, reason: f.querySelector('#new-reason').value,
      });
      if (!r.ok) { err.textContent = errorText(r.body); return; }
      rerender(outcomeBox(r.body));
    });
    return el('div', {}, el('h1', { i18n: 'users.title' }),
      note ? el('section', { class: 'card', id: 'user-outcome' }, note) : null,
      await grantsCard(() => rerender()),
      el('div', { class: 'card' }, table), slot, f);
  }

  // #/setup/<token>: the account's owner chooses their first password.
  async function setupView() {
    const token = location.hash.slice('#/setup/'.length);
    const info = await api('POST', '/api/v1/setup/inspect', { token });
    if (!info.ok) return el('div', { class: 'card narrow error', id: 'setup-invalid', i18n: 'setup.invalid' });
    const err = el('div', { class: 'error', role: 'alert' });
    const f = el('form', { class: 'card narrow', id: 'setup-form' },
      el('h1', { i18n: 'setup.title' }),
      el('p', { text: I18n.t('setup.for', { username: info.body.username, name: info.body.display_name }) }),
      el('p', { class: 'muted', text: I18n.t('setup.expires', { time: fmtTime(info.body.expires) }) }),
      el('input', { type: 'text', autocomplete: 'username', value: info.body.username, hidden: true, readonly: true }),
      ...field('setup.new', el('input', { id: 'setup-new', type: 'password', autocomplete: 'new-password', minlength: '10', required: true })),
      ...field('setup.repeat', el('input', { id: 'setup-repeat', type: 'password', autocomplete: 'new-password', minlength: '10', required: true })),
      el('button', { class: 'primary', type: 'submit', id: 'setup-submit', i18n: 'setup.submit' }), err);
    f.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      err.textContent = '';
      const pw = f.querySelector('#setup-new').value;
      if (pw !== f.querySelector('#setup-repeat').value) { err.textContent = I18n.t('password.mismatch'); return; }
      const r = await api('POST', '/api/v1/setup', { token, new_password: pw });
      f.querySelector('#setup-new').value = ''; f.querySelector('#setup-repeat').value = '';
      if (!r.ok) { err.textContent = errorText(r.body); return; }
      toast(I18n.t('setup.done'));
      history.replaceState(null, '', '#/login');  // the used link leaves the history
      go('#/login');
    });
    return f;
  }

  ROUTES['#/admin/users'] = () => view();
  ROUTES['#/setup'] = setupView;
})();
