// Departures (HR, approvers, auditors): the people in their notice period or
// departed; for one person, their customer files with a successor picker
// (assign) and a confirm form (an approver other than the assigner, with a
// reason), and the departure report — what they authored, owned, borrowed
// and viewed, with per-day views and spikes. The vault decides and audits every step.
// Server text only goes through textContent.
'use strict';

Object.assign(CUSTOS_I18N['zh-CN'], {
  'nav.departures': '离职交接',
  'dep.title': '离职交接与离职报告',
  'dep.hint': '为离职人员的每份客户档案指定接替人；由另一位审批人确认后档案负责人才变更。通知期内，离职人员只能查阅正在交接的档案。每一步都记入审计日志。',
  'dep.none': '没有处于离职通知期或已离职的人员。',
  'dep.name': '姓名', 'dep.state': '状态', 'dep.notice_date': '提出离职日期', 'dep.last_working_day': '最后工作日',
  'dep.open': '交接与报告', 'dep.back': '返回列表',
  'dep.records': '客户档案交接', 'dep.record': '档案', 'dep.marking': '密级', 'dep.owner': '负责人',
  'dep.handover': '交接', 'dep.successor': '接替人', 'dep.reason': '事由',
  'dep.confirm_reason': '确认事由（必填）',
  'dep.agreements': '保密与竞业限制协议', 'dep.agreement': '协议', 'dep.completed_at': '签署完成',
  'dep.no_agreements': '该人员没有任何协议记录。',
  'dep.no_nda': '未找到已签署完成的保密协议：离职前请法务核实。',
  'dep.noncompete_clock': '已签署竞业限制协议：竞业限制期自最后工作日起算，补偿按月支付。',
  'dep.assign': '指定接替人', 'dep.confirm': '确认交接', 'dep.pending': '待确认', 'dep.confirmed': '已确认',
  'dep.assigned_by': '分配人', 'dep.confirmed_by': '确认人', 'dep.pick': '请选择接替人',
  'dep.assigned': '已指定接替人。', 'dep.done': '交接已确认，档案负责人已变更。',
  'dep.no_records': '该人员名下没有档案。',
  'dep.report': '离职报告', 'dep.lookback': '回溯天数', 'dep.refresh': '生成报告',
  'dep.authored': '编写的档案', 'dep.owned': '负责的档案', 'dep.viewed': '查阅的档案', 'dep.loans': '借阅',
  'dep.events': '次数', 'dep.denied': '被拒次数', 'dep.first': '首次', 'dep.last': '最近',
  'dep.total_views': '查阅总次数', 'dep.denied_views': '被拒查阅', 'dep.median': '日查阅中位数',
  'dep.days': '每日查阅', 'dep.date': '日期', 'dep.views': '查阅次数', 'dep.spike': '异常峰值',
  'dep.spikes': '异常峰值日', 'dep.no_spikes': '无异常峰值。', 'dep.empty': '无。',
  'dep.kind': '类型', 'dep.loan_state': '状态', 'dep.requested_at': '申请时间',
  'dep.alerts': '告警', 'dep.alert_time': '时间', 'dep.alert_type': '告警类型', 'dep.alert_seq': '审计序号',
  'dep.alerts_truncated': '仅列出窗口内最近的 {n} 条告警。',
  'st.notice_given': '离职通知期', 'st.departed': '已离职',
});
Object.assign(CUSTOS_I18N.en, {
  'nav.departures': 'Handover',
  'dep.title': 'Handover and departure reports',
  'dep.hint': 'Assign each customer file of a leaver to a successor; ownership moves only when another approver confirms. During the notice period the leaver may view only files being handed over. Every step is audited.',
  'dep.none': 'Nobody is in their notice period or departed.',
  'dep.name': 'Name', 'dep.state': 'State', 'dep.notice_date': 'Notice date', 'dep.last_working_day': 'Last working day',
  'dep.open': 'Handover & report', 'dep.back': 'Back to the list',
  'dep.records': 'Customer files to hand over', 'dep.record': 'Record', 'dep.marking': 'Classification', 'dep.owner': 'Owner',
  'dep.handover': 'Handover', 'dep.successor': 'Successor', 'dep.reason': 'Reason',
  'dep.confirm_reason': 'Reason for confirming (required)',
  'dep.agreements': 'Confidentiality and non-compete agreements', 'dep.agreement': 'Agreement', 'dep.completed_at': 'Completed',
  'dep.no_agreements': 'No agreements on record for this person.',
  'dep.no_nda': 'No completed NDA found: have legal check before the last day.',
  'dep.noncompete_clock': 'Non-compete signed: the restriction runs from the last working day; compensation is paid monthly.',
  'dep.assign': 'Assign successor', 'dep.confirm': 'Confirm handover', 'dep.pending': 'Pending', 'dep.confirmed': 'Confirmed',
  'dep.assigned_by': 'Assigned by', 'dep.confirmed_by': 'Confirmed by', 'dep.pick': 'Choose a successor',
  'dep.assigned': 'Successor assigned.', 'dep.done': 'Handover confirmed; the owner has changed.',
  'dep.no_records': 'This person owns no records.',
  'dep.report': 'Departure report', 'dep.lookback': 'Look-back (days)', 'dep.refresh': 'Build report',
  'dep.authored': 'Authored', 'dep.owned': 'Owned', 'dep.viewed': 'Viewed', 'dep.loans': 'Loans',
  'dep.events': 'Count', 'dep.denied': 'Denied', 'dep.first': 'First', 'dep.last': 'Last',
  'dep.total_views': 'Views', 'dep.denied_views': 'Denied views', 'dep.median': 'Median daily views',
  'dep.days': 'Views per day', 'dep.date': 'Date', 'dep.views': 'Views', 'dep.spike': 'Spike',
  'dep.spikes': 'Spike days', 'dep.no_spikes': 'No spikes.', 'dep.empty': 'None.',
  'dep.kind': 'Kind', 'dep.loan_state': 'State', 'dep.requested_at': 'Requested',
  'dep.alerts': 'Alerts', 'dep.alert_time': 'Time', 'dep.alert_type': 'Alert', 'dep.alert_seq': 'Audit seq',
  'dep.alerts_truncated': 'Only the latest {n} alerts of the window are listed.',
  'st.notice_given': 'Notice given', 'st.departed': 'Departed',
});

(() => {
  const t = (k, v) => I18n.t(k, v);
  const nameOf = (p) => (p && (p.display_name || p.username || p.id)) || '—';
  const when = (ms) => (ms ? fmtTime(ms) : '—');
  const clsName = (id) => (id ? I18n.t('cls.' + id) : '—');
  const userParam = () => new URLSearchParams((location.hash.split('?')[1] || '')).get('user') || '';

  function table(id, headKeys, rows) {
    return el('div', { class: 'scroll' }, el('table', { id },
      el('thead', {}, el('tr', {}, ...headKeys.map((k) => el('th', { i18n: k })))),
      el('tbody', {}, ...rows)));
  }

  async function viewLeavers() {
    const head = [el('h1', { i18n: 'dep.title' }), el('p', { class: 'muted', i18n: 'dep.hint' })];
    const r = await api('GET', '/api/v1/departures');
    if (!r.ok) return el('div', {}, ...head, el('div', { class: 'card error', text: errorText(r.body) }));
    const people = r.body.people || [];
    if (!people.length) return el('div', {}, ...head, el('div', { class: 'card muted', i18n: 'dep.none' }));
    const rows = people.map((p) => el('tr', { class: 'dep-row', 'data-user': p.id },
      el('td', {}, el('strong', { text: nameOf(p) }), el('div', { class: 'muted', text: p.department || '' })),
      el('td', {}, el('span', { class: 'tag', i18n: 'st.' + p.employment })),
      el('td', { text: p.notice_date || '—' }), el('td', { text: p.last_working_day || '—' }),
      el('td', {}, el('a', { href: '#/departures?user=' + encodeURIComponent(p.id), i18n: 'dep.open' }))));
    return el('div', {}, ...head, el('section', { class: 'card' },
      table('departures-table', ['dep.name', 'dep.state', 'dep.notice_date', 'dep.last_working_day', 'common.more'], rows)));
  }

  function assignForm(userId, rec, people, err) {
    const pick = el('select', { 'aria-label': t('dep.successor') },
      el('option', { value: '', i18n: 'dep.pick' }),
      ...people.filter((p) => p.id !== userId).map((p) => el('option', { value: p.id, text: nameOf(p) })));
    const reason = el('input', { maxlength: '2048', placeholder: t('dep.reason'), 'aria-label': t('dep.reason') });
    const f = el('form', { class: 'inline dep-assign' }, pick, reason,
      el('button', { class: 'small', type: 'submit', i18n: 'dep.assign' }));
    f.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      err.textContent = '';
      if (!pick.value) { err.textContent = t('dep.pick'); return; }
      const r = await api('POST', '/api/v1/departures/' + encodeURIComponent(userId) + '/handovers',
        { record: rec.id, successor: pick.value, reason: reason.value });
      if (!r.ok) { err.textContent = errorText(r.body); return; }
      toast(t('dep.assigned'));
      render();
    });
    return f;
  }

  // The approver says why they confirm (it goes into the audit event), as
  // the assigner did.
  function confirmForm(userId, rec, err) {
    const reason = el('input', { maxlength: '2048', placeholder: t('dep.confirm_reason'), 'aria-label': t('dep.confirm_reason') });
    const f = el('form', { class: 'inline dep-confirm' }, reason,
      el('button', { class: 'small primary', type: 'submit', i18n: 'dep.confirm' }));
    f.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      err.textContent = '';
      if (!reason.value.trim()) { err.textContent = t('dep.confirm_reason'); reason.focus(); return; }
      const r = await api('POST', '/api/v1/departures/' + encodeURIComponent(userId) + '/handovers/' +
        encodeURIComponent(rec.id) + '/confirm', { reason: reason.value });
      if (!r.ok) { err.textContent = errorText(r.body); return; }
      toast(t('dep.done'));
      render();
    });
    return f;
  }

  async function handoverSection(userId) {
    const r = await api('GET', '/api/v1/departures/' + encodeURIComponent(userId) + '/handovers');
    if (!r.ok) return { person: null, node: el('div', { class: 'card error', text: errorText(r.body) }) };
    const records = r.body.records || [];
    const canAssign = hasRole('hr') || hasRole('approver');
    let people = [];
    if (canAssign) {
      const d = await api('GET', '/api/v1/people');
      if (d.ok) people = d.body.people || [];
    }
    const err = el('div', { class: 'error', role: 'alert' });
    const rows = records.map((rec) => {
      const h = rec.handover;
      let state = el('span', { class: 'muted', text: '—' });
      let action = null;
      if (h) {
        state = el('div', {}, el('span', { class: 'tag dep-' + h.state, i18n: 'dep.' + h.state }),
          el('div', {}, el('span', { i18n: 'dep.successor' }), el('span', { text: ': ' + nameOf(h.successor_person) })),
          el('div', { class: 'muted' }, el('span', { i18n: 'dep.assigned_by' }), el('span', { text: ': ' + nameOf(h.assigned_by_person) + ' ' + when(h.assigned_at) })),
          h.confirmed_by ? el('div', { class: 'muted' }, el('span', { i18n: 'dep.confirmed_by' }),
            el('span', { text: ': ' + nameOf(h.confirmed_by_person) + ' ' + when(h.confirmed_at) })) : null);
      }
      if (!h || h.state === 'pending') {
        action = el('div', {}, canAssign ? assignForm(userId, rec, people, err) : null,
          h && hasRole('approver') ? confirmForm(userId, rec, err) : null);
      }
      const marking = rec.marking || {};
      return el('tr', { class: 'dep-record', 'data-record': rec.id },
        el('td', {}, el('strong', { text: rec.name }), el('div', { class: 'muted mono', text: rec.id })),
        el('td', {}, el('span', { class: 'tag marking-' + (marking.id || ''), text: I18n.lang === 'en' ? marking.en : marking.zh })),
        el('td', { text: nameOf(rec.owner) }), el('td', {}, state), el('td', {}, action));
    });
    const body = records.length
      ? table('handover-table', ['dep.record', 'dep.marking', 'dep.owner', 'dep.handover', 'common.more'], rows)
      : el('p', { class: 'muted', i18n: 'dep.no_records' });
    return { person: r.body.user, node: el('div', {},
      el('section', { class: 'card' }, el('h2', { i18n: 'dep.records' }), err, body),
      agreementsCard(r.body.agreements || [])) };
  }

  // The leaver's NDA and non-compete: signed or not (never their terms). A
  // missing signed NDA is what a court would ask about first.
  function agreementsCard(list) {
    const signed = (kind) => list.some((a) => a.kind === kind && a.state === 'completed');
    const warnings = [];
    if (!signed('employee-nda')) warnings.push(el('p', { class: 'error dep-warning', 'data-warning': 'nda', i18n: 'dep.no_nda' }));
    if (signed('non-compete')) warnings.push(el('p', { class: 'muted', 'data-warning': 'noncompete', i18n: 'dep.noncompete_clock' }));
    const rows = list.map((a) => el('tr', { 'data-agreement': a.id },
      el('td', { i18n: 'agr.kind.' + a.kind }), el('td', { text: a.title }),
      el('td', {}, el('span', { class: 'tag', i18n: 'agr.state.' + a.state })),
      el('td', { text: a.completed_at ? when(a.completed_at) : '—' })));
    return el('section', { class: 'card', id: 'dep-agreements' }, el('h2', { i18n: 'dep.agreements' }), ...warnings,
      list.length ? table('dep-agreements-table', ['dep.kind', 'dep.agreement', 'dep.state', 'dep.completed_at'], rows)
        : el('p', { class: 'muted', i18n: 'dep.no_agreements' }));
  }

  // Records of the report; `withCounts` adds the event counts and times
  // (authored, viewed). Owned records are the person's own, so no owner.
  function recordRows(id, list, withCounts) {
    if (!list || !list.length) return el('p', { class: 'muted', i18n: 'dep.empty' });
    const keys = withCounts ? ['dep.record', 'dep.marking', 'dep.events', 'dep.denied', 'dep.first', 'dep.last']
      : ['dep.record', 'dep.marking'];
    return table(id, keys, list.map((x) => el('tr', { 'data-record': x.id },
      el('td', {}, el('span', { text: x.name || x.id }), el('div', { class: 'muted mono', text: x.id })),
      el('td', { text: clsName(x.classification) }),
      ...(withCounts ? [el('td', { class: 'dep-events', text: String(x.events) }), el('td', { text: String(x.denied) }),
        el('td', { text: when(x.first) }), el('td', { text: when(x.last) })] : []))));
  }

  async function reportSection(userId) {
    const days = el('input', { id: 'dep-lookback', type: 'number', min: '1', max: '3660', value: '90' });
    const out = el('div', { id: 'dep-report' });
    const load = async () => {
      const r = await api('GET', '/api/v1/departures/' + encodeURIComponent(userId) + '/report?lookback_days=' +
        encodeURIComponent(days.value || '90'));
      if (!r.ok) { out.replaceChildren(el('div', { class: 'error', text: errorText(r.body) })); return; }
      const rep = r.body.report;
      const dayRows = (rep.days || []).map((d) => el('tr', { class: d.spike ? 'dep-spike' : '' },
        el('td', { text: d.date }), el('td', { text: String(d.views) }),
        el('td', {}, d.spike ? el('span', { class: 'tag error', i18n: 'dep.spike' }) : null)));
      const loanRows = (rep.loans || []).map((l) => el('tr', {},
        el('td', { text: l.record_name || l.record }), el('td', { text: t('kind.' + l.kind) }),
        el('td', { text: t('state.' + l.state) }),
        el('td', { text: when(l.requested_at) })));
      const alertRows = (rep.alerts || []).map((a) => el('tr', { 'data-type': a.type },
        el('td', { class: 'nw', text: when(a.at) }), alertTypeCell(a),
        el('td', { text: a.record_name || a.record || '—' }), el('td', { class: 'nw', text: String(a.audit_seq) })));
      out.replaceChildren(
        el('p', {}, el('span', { i18n: 'dep.total_views' }), el('strong', { text: ': ' + rep.total_views + '  ' }),
          el('span', { i18n: 'dep.denied_views' }), el('strong', { text: ': ' + rep.denied_views + '  ' }),
          el('span', { i18n: 'dep.median' }), el('strong', { text: ': ' + rep.median_daily_views })),
        el('p', {}, el('span', { i18n: 'dep.spikes' }),
          el('span', { text: ': ' + ((rep.spike_days || []).join(', ') || t('dep.no_spikes')) })),
        el('h3', { i18n: 'dep.alerts' }),
        alertRows.length ? table('dep-alerts', ['dep.alert_time', 'dep.alert_type', 'dep.record', 'dep.alert_seq'], alertRows)
          : el('p', { class: 'muted', i18n: 'dep.empty' }),
        rep.alerts_truncated ? el('p', { class: 'muted', text: t('dep.alerts_truncated', { n: (rep.alerts || []).length }) }) : null,
        el('h3', { i18n: 'dep.days' }),
        dayRows.length ? table('dep-days', ['dep.date', 'dep.views', 'dep.spike'], dayRows) : el('p', { class: 'muted', i18n: 'dep.empty' }),
        el('h3', { i18n: 'dep.viewed' }), recordRows('dep-viewed', rep.viewed, true),
        el('h3', { i18n: 'dep.authored' }), recordRows('dep-authored', rep.authored, true),
        el('h3', { i18n: 'dep.owned' }), recordRows('dep-owned', rep.owned, false),
        el('h3', { i18n: 'dep.loans' }),
        loanRows.length ? table('dep-loans', ['dep.record', 'dep.kind', 'dep.loan_state', 'dep.requested_at'], loanRows)
          : el('p', { class: 'muted', i18n: 'dep.empty' }));
    };
    const f = el('form', { class: 'inline' }, ...field('dep.lookback', days),
      el('button', { class: 'small', type: 'submit', i18n: 'dep.refresh' }));
    f.addEventListener('submit', (ev) => { ev.preventDefault(); load(); });
    if (hasRole('hr') || hasRole('auditor')) await load();
    return el('section', { class: 'card' }, el('h2', { i18n: 'dep.report' }), f, out);
  }

  async function viewDepartures() {
    const userId = userParam();
    if (!userId) return viewLeavers();
    const { person, node } = await handoverSection(userId);
    const back = el('a', { href: '#/departures', i18n: 'dep.back' });
    return el('div', {}, el('h1', { text: nameOf(person) || userId }), el('p', {}, back), node,
      await reportSection(userId));
  }

  Object.assign(ROUTES, { '#/departures': viewDepartures });
})();
