// Departures (HR): people with their employment state (active / notice given
// / departed) and a form to register a resignation — notice date, last
// working day (the non-compete period starts on it) and reason. The vault
// decides and audits each registration. Server text only goes through
// textContent.
'use strict';

Object.assign(CUSTOS_I18N['zh-CN'], {
  'nav.employment': '离职登记',
  'emp.title': '离职登记', 'emp.hint': '登记后员工进入离职通知期：不能再申请借阅，竞业限制期自最后工作日起算。每次登记都记入审计日志。',
  'emp.name': '姓名', 'emp.department': '部门', 'emp.state': '在职状态',
  'emp.notice_date': '提出离职日期', 'emp.last_working_day': '最后工作日', 'emp.reason': '离职原因',
  'emp.st.active': '在职', 'emp.st.notice_given': '离职通知期', 'emp.st.departed': '已离职',
  'emp.register': '登记离职', 'emp.correct': '更正日期', 'emp.submit': '提交登记', 'emp.cancel': '取消',
  'emp.done': '已登记 {name} 的离职。', 'emp.none': '没有用户。',
  'emp.bad_order': '最后工作日不能早于提出离职日期。', 'emp.missing': '请填写两个日期。',
  'emp.disabled': '账号已停用',
});
Object.assign(CUSTOS_I18N.en, {
  'nav.employment': 'Departures',
  'emp.title': 'Departures', 'emp.hint': 'Once registered, the person is in their notice period: no new loans, and the non-compete period starts on the last working day. Every registration is audited.',
  'emp.name': 'Name', 'emp.department': 'Department', 'emp.state': 'Employment',
  'emp.notice_date': 'Notice date', 'emp.last_working_day': 'Last working day', 'emp.reason': 'Reason',
  'emp.st.active': 'Active', 'emp.st.notice_given': 'Notice given', 'emp.st.departed': 'Departed',
  'emp.register': 'Register resignation', 'emp.correct': 'Correct dates', 'emp.submit': 'Register', 'emp.cancel': 'Cancel',
  'emp.done': 'Resignation of {name} registered.', 'emp.none': 'No users.',
  'emp.bad_order': 'The last working day cannot be before the notice date.', 'emp.missing': 'Please fill in both dates.',
  'emp.disabled': 'Account disabled',
});

(() => {
  const t = (k, v) => I18n.t(k, v);
  const tOr = (k, fallback) => { const s = t(k); return s === k ? fallback : s; };
  const today = () => new Date().toISOString().slice(0, 10);
  const nameOf = (p) => p.display_name || p.username || p.id;

  function form(p) {
    const id = p.id.replace(/[^A-Za-z0-9_-]/g, '');
    const notice = el('input', { id: 'emp-notice-' + id, type: 'date', required: true, value: p.notice_date || today() });
    const last = el('input', { id: 'emp-last-' + id, type: 'date', required: true, value: p.last_working_day || '' });
    const reason = el('input', { id: 'emp-reason-' + id, maxlength: '2048' });
    const err = el('div', { class: 'error', role: 'alert' });
    const cancel = el('button', { type: 'button', class: 'link', i18n: 'emp.cancel' });
    const f = el('form', { class: 'inline emp-form', 'data-user': p.id },
      el('div', {}, ...field('emp.notice_date', notice)), el('div', {}, ...field('emp.last_working_day', last)),
      el('div', { class: 'grow' }, ...field('emp.reason', reason)),
      el('div', {}, el('button', { class: 'primary', type: 'submit', i18n: 'emp.submit' }), cancel), err);
    f.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      err.textContent = '';
      if (!notice.value || !last.value) { err.textContent = t('emp.missing'); return; }
      if (last.value < notice.value) { err.textContent = t('emp.bad_order'); return; }
      const r = await api('POST', '/api/v1/users/' + encodeURIComponent(p.id) + '/resignation',
        { notice_date: notice.value, last_working_day: last.value, reason: reason.value });
      if (!r.ok) { err.textContent = errorText(r.body); return; }
      toast(t('emp.done', { name: nameOf(p) }));
      render();
    });
    return { f, cancel };
  }

  async function viewEmployment() {
    const head = [el('h1', { i18n: 'emp.title' }), el('p', { class: 'muted', i18n: 'emp.hint' })];
    const r = await api('GET', '/api/v1/employment');
    if (!r.ok) return el('div', {}, ...head, el('div', { class: 'card error', text: errorText(r.body) }));
    const people = r.body.people || [];
    if (!people.length) return el('div', {}, ...head, el('div', { class: 'card muted', i18n: 'emp.none' }));
    // Notice period first (by last working day), then active, then departed.
    const rank = { notice_given: 0, active: 1, departed: 2 };
    people.sort((a, b) => (rank[a.employment] ?? 3) - (rank[b.employment] ?? 3) ||
      String(a.last_working_day || '').localeCompare(String(b.last_working_day || '')) ||
      nameOf(a).localeCompare(nameOf(b)));
    const body = el('tbody', {});
    for (const p of people) {
      const formRow = el('tr', { class: 'emp-form-row', hidden: true });
      let action = null;
      if (p.employment !== 'departed') {
        action = el('button', { class: 'small', type: 'button',
          i18n: p.employment === 'notice_given' ? 'emp.correct' : 'emp.register', 'aria-expanded': 'false' });
        const { f, cancel } = form(p);
        formRow.append(el('td', { colspan: '6' }, f));
        const toggle = () => {
          formRow.hidden = !formRow.hidden;
          action.setAttribute('aria-expanded', String(!formRow.hidden));
        };
        action.addEventListener('click', toggle);
        cancel.addEventListener('click', toggle);
      }
      body.append(el('tr', { class: 'emp-row emp-' + p.employment, 'data-user': p.id },
        el('td', {}, el('strong', { text: nameOf(p) }), el('div', { class: 'muted', text: p.username })),
        el('td', { text: p.department || '—' }),
        el('td', {}, el('span', { class: 'tag emp-st-' + p.employment, text: tOr('emp.st.' + p.employment, p.employment) }),
          p.disabled ? el('div', { class: 'muted', i18n: 'emp.disabled' }) : null),
        el('td', { text: p.notice_date || '—' }),
        el('td', { text: p.last_working_day || '—' }),
        el('td', {}, action)));
      body.append(formRow);
    }
    const table = el('div', { class: 'scroll' }, el('table', { id: 'employment-table' },
      el('thead', {}, el('tr', {}, ...['emp.name', 'emp.department', 'emp.state', 'emp.notice_date', 'emp.last_working_day', 'common.more']
        .map((k) => el('th', { i18n: k })))), body));
    return el('div', {}, ...head, el('section', { class: 'card' }, table));
  }

  Object.assign(ROUTES, { '#/employment': viewEmployment });
})();
