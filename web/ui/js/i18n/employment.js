// Registering departures (HR).
// One area of the dictionary that js/i18n.js aggregates; zh-CN and en hold
// the same keys (tests/ui/i18n_test.mjs).

export default {
  'zh-CN': {
    'nav.employment': '离职登记',

    'emp.title': '离职登记',
    'emp.hint': '登记后员工进入离职通知期：不能再申请借阅，竞业限制期自最后工作日起算。每次登记都记入审计日志。',
    'emp.name': '姓名',
    'emp.department': '部门',
    'emp.state': '在职状态',
    'emp.notice_date': '提出离职日期',
    'emp.last_working_day': '最后工作日',
    'emp.reason': '离职原因',
    'emp.st.active': '在职',
    'emp.st.notice_given': '离职通知期',
    'emp.st.departed': '已离职',
    'emp.register': '登记离职',
    'emp.correct': '更正日期',
    'emp.submit': '提交登记',
    'emp.cancel': '取消',
    'emp.done': '已登记 {name} 的离职。',
    'emp.none': '没有用户。',
    'emp.bad_order': '最后工作日不能早于提出离职日期。',
    'emp.missing': '请填写两个日期。',
    'emp.disabled': '账号已停用',
  },
  en: {
    'nav.employment': 'Departures',

    'emp.title': 'Departures',
    'emp.hint': 'Once registered, the person is in their notice period: no new loans, and the non-compete period starts on the last working day. Every registration is audited.',
    'emp.name': 'Name',
    'emp.department': 'Department',
    'emp.state': 'Employment',
    'emp.notice_date': 'Notice date',
    'emp.last_working_day': 'Last working day',
    'emp.reason': 'Reason',
    'emp.st.active': 'Active',
    'emp.st.notice_given': 'Notice given',
    'emp.st.departed': 'Departed',
    'emp.register': 'Register resignation',
    'emp.correct': 'Correct dates',
    'emp.submit': 'Register',
    'emp.cancel': 'Cancel',
    'emp.done': 'Resignation of {name} registered.',
    'emp.none': 'No users.',
    'emp.bad_order': 'The last working day cannot be before the notice date.',
    'emp.missing': 'Please fill in both dates.',
    'emp.disabled': 'Account disabled',
  },
};
