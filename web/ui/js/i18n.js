// A small zh-CN / en dictionary. zh-CN is the default; the choice is kept in
// localStorage. Elements with data-i18n="key" get their text from here.
'use strict';

const CUSTOS_I18N = {
  'zh-CN': {
    'app.subtitle': '商业秘密保管库',
    'nav.home': '首页', 'nav.records': '客户档案', 'nav.users': '用户管理',
    'nav.password': '修改密码', 'nav.logout': '退出', 'lang.switch': 'English',
    'login.title': '登录', 'login.username': '用户名', 'login.password': '密码',
    'login.workstation': '工作站', 'login.location': '所在地点', 'login.submit': '登录',
    'login.hint': '工作站和地点会记入每一条审计记录。',
    'home.title': '首页', 'home.hello': '您好，{name}', 'home.roles': '您的角色',
    'home.none': '您还没有任何角色，请联系管理员。',
    'home.author': '我的客户档案', 'home.author.desc': '编写和更新您负责的客户档案。',
    'home.borrower': '我的借阅与申请', 'home.borrower.desc': '申请查阅或借用档案，查看借阅状态。',
    'home.approver': '待审批申请', 'home.approver.desc': '审批借阅、复制和导出申请。',
    'home.custodian': '借出与归还', 'home.custodian.desc': '发放已批准的借阅，收回到期借阅。',
    'home.auditor': '告警与拒绝记录', 'home.auditor.desc': '查看审计日志、告警和离职报告。',
    'home.admin': '用户与角色', 'home.admin.desc': '管理用户、角色和策略。',
    'home.legal': '协议', 'home.legal.desc': '起草保密协议和竞业限制协议。',
    'home.litigation': '证据包', 'home.litigation.desc': '为案件申请、导出和验证证据包；查看诉讼保全。',
    'home.hr': '离职登记', 'home.hr.desc': '登记离职和最后工作日。',
    'password.title': '修改密码', 'password.old': '当前密码', 'password.new': '新密码（至少 10 个字符）',
    'password.repeat': '再次输入新密码', 'password.submit': '修改', 'password.mismatch': '两次输入的新密码不一致',
    'password.done': '密码已修改。', 'password.required': '首次登录请先修改密码。',
    'users.title': '用户管理', 'users.username': '用户名', 'users.display': '姓名',
    'users.department': '部门', 'users.roles': '角色', 'users.status': '状态',
    'users.create': '新建用户', 'users.submit': '创建', 'users.disabled': '已停用',
    'users.active': '正常', 'users.must_change': '待改密码',
    'records.title': '客户档案', 'records.search': '搜索（名称或标签）', 'records.submit': '搜索', 'records.name': '名称', 'records.classification': '密级', 'records.status': '状态',
    'error.generic': '出错了，请重试。', 'error.network': '无法连接服务器。',
  },
  en: {
    'app.subtitle': 'trade secret vault',
    'nav.home': 'Home', 'nav.records': 'Customer files', 'nav.users': 'Users',
    'nav.password': 'Change password', 'nav.logout': 'Log out', 'lang.switch': '中文',
    'login.title': 'Log in', 'login.username': 'Username', 'login.password': 'Password',
    'login.workstation': 'Workstation', 'login.location': 'Location', 'login.submit': 'Log in',
    'login.hint': 'Workstation and location go into every audit event.',
    'home.title': 'Home', 'home.hello': 'Hello, {name}', 'home.roles': 'Your roles',
    'home.none': 'You have no roles yet; ask an administrator.',
    'home.author': 'My customer files', 'home.author.desc': 'Write and update the files you own.',
    'home.borrower': 'My loans and requests', 'home.borrower.desc': 'Ask to consult or borrow a file; follow your loans.',
    'home.approver': 'Requests to approve', 'home.approver.desc': 'Approve or deny borrow, copy and export requests.',
    'home.custodian': 'Release and take back', 'home.custodian.desc': 'Release approved loans; take back overdue ones.',
    'home.auditor': 'Alerts and denials', 'home.auditor.desc': 'Read the audit log, alerts and departure reports.',
    'home.admin': 'Users and roles', 'home.admin.desc': 'Manage users, roles and policy.',
    'home.legal': 'Agreements', 'home.legal.desc': 'Draft NDAs and non-competes.',
    'home.litigation': 'Evidence', 'home.litigation.desc': 'Request, export and verify evidence bundles for a case; see the legal holds.',
    'home.hr': 'Departures', 'home.hr.desc': 'Register resignations and last working days.',
    'password.title': 'Change password', 'password.old': 'Current password', 'password.new': 'New password (10 characters or more)',
    'password.repeat': 'New password again', 'password.submit': 'Change', 'password.mismatch': 'The new passwords differ',
    'password.done': 'Password changed.', 'password.required': 'Please change your password before continuing.',
    'users.title': 'Users', 'users.username': 'Username', 'users.display': 'Name',
    'users.department': 'Department', 'users.roles': 'Roles', 'users.status': 'Status',
    'users.create': 'New user', 'users.submit': 'Create', 'users.disabled': 'Disabled',
    'users.active': 'Active', 'users.must_change': 'Must change password',
    'records.title': 'Customer files', 'records.search': 'Search (name or tag)', 'records.submit': 'Search', 'records.name': 'Name', 'records.classification': 'Classification', 'records.status': 'Status',
    'error.generic': 'Something went wrong; please retry.', 'error.network': 'Cannot reach the server.',
  },
};

const I18n = {
  lang: localStorage.getItem('custos.lang') === 'en' ? 'en' : 'zh-CN',
  t(key, vars) {
    let s = (CUSTOS_I18N[this.lang] || {})[key] || CUSTOS_I18N['zh-CN'][key] || key;
    for (const [k, v] of Object.entries(vars || {})) s = s.replace('{' + k + '}', v);
    return s;
  },
  apply(root) {
    document.documentElement.lang = this.lang;
    for (const el of (root || document).querySelectorAll('[data-i18n]')) {
      el.textContent = this.t(el.dataset.i18n);
    }
  },
  toggle() {
    this.lang = this.lang === 'en' ? 'zh-CN' : 'en';
    localStorage.setItem('custos.lang', this.lang);
  },
};
