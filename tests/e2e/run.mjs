// End-to-end browser test of the Custos UI (issue 5): starts a real server on
// a fresh demo vault, drives Debian's Chromium with playwright-core, and
// walks the borrowing story across roles. Any failed step exits non-zero.
// Screenshots of every step go to tests/e2e/artifacts/.
//
//   node tests/e2e/run.mjs        (CUSTOS_BIN defaults to build/cli/custos)
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const bin = path.resolve(root, process.env.CUSTOS_BIN || 'build/cli/custos');
const artifacts = path.join(here, 'artifacts');
const demoPassword = 'Custos-Demo-2026';
const passphrase = process.env.CUSTOS_E2E_PASSPHRASE || 'e2e-vault-passphrase-' + process.pid;
fs.mkdirSync(artifacts, { recursive: true });
// This run's screenshots only: an earlier run's, numbered for other steps,
// would mix with them.
for (const f of fs.readdirSync(artifacts)) if (f.endsWith('.png')) fs.rmSync(path.join(artifacts, f));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

async function waitHealthy(base, server) {
  for (let i = 0; i < 200; i += 1) {
    if (server.exitCode !== null) throw new Error('custos serve exited with ' + server.exitCode);
    try { const r = await fetch(base + '/healthz'); if (r.ok) return; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not become healthy');
}

// page.waitForFunction evaluates a string, which the app's CSP (no
// unsafe-eval) rightly refuses; poll with evaluate() instead.
async function until(p, fn, arg, timeoutMs = 15000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await p.evaluate(fn, arg)) return;
    if (Date.now() > end) throw new Error('timed out waiting for ' + fn.toString().slice(0, 120));
    await new Promise((r) => setTimeout(r, 50));
  }
}

let step = 0;
async function shot(page, name) {
  step += 1;
  const file = path.join(artifacts, String(step).padStart(2, '0') + '-' + name + '.png');
  await page.screenshot({ path: file, fullPage: true });
  console.log('  screenshot', path.relative(root, file));
}

// One persistent context (with our fresh --user-data-dir) and one page; each
// user's session cookie is kept and restored when the story switches to
// them, and the page is reloaded so the app starts clean.
const jar = new Map();
let context;
let page;
async function as(base, username, password = demoPassword) {
  await context.clearCookies();
  if (jar.has(username)) {
    await context.addCookies(jar.get(username));
    await page.goto(base + '/?as=' + encodeURIComponent(username) + '#/home');
    await page.waitForSelector('#main h1');
    return page;
  }
  await page.goto(base + '/?as=' + encodeURIComponent(username) + '#/login');
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.fill('#workstation', 'WS-E2E-01');
  await page.fill('#location', '上海总部 3F');
  await page.click('#login-submit');
  await until(page, () => location.hash.startsWith('#/home'));
  await page.waitForSelector('#main h1');
  jar.set(username, await context.cookies());
  return page;
}

// The vault the server runs on, and the environment that opens it (for
// read-only commands beside the server).
let vaultDir;
let vaultEnv;

async function main() {
  assert.ok(fs.existsSync(bin), 'custos binary not found at ' + bin + ' (build first or set CUSTOS_BIN)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custos-e2e-'));
  vaultDir = dir;
  const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'custos-e2e-chromium-'));
  const env = { ...process.env, CUSTOS_PASSPHRASE: passphrase };
  vaultEnv = env;
  const demo = spawnSync(bin, ['demo', '--data', dir, '--kdf-profile', 'test', '--customers', '30'], { env, encoding: 'utf8' });
  assert.equal(demo.status, 0, 'custos demo failed: ' + demo.stderr);
  const port = await freePort();
  const base = 'http://127.0.0.1:' + port;
  const server = spawn(bin, ['serve', '--data', dir, '--listen', '127.0.0.1:' + port, '--demo'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  try {
    await waitHealthy(base, server);
    // playwright-core takes the fresh profile folder as userDataDir (it adds
    // --user-data-dir itself and refuses it among args).
    context = await chromium.launchPersistentContext(userData, {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      headless: true,
      viewport: { width: 1280, height: 900 },
      locale: 'zh-CN',
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = context.pages()[0] || await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // The strict CSP (no inline script or style) must never refuse anything
    // the app does: a refusal only shows as a console error.
    const cspErrors = [];
    page.on('console', (m) => { if (m.type() === 'error' && /Content.Security.Policy/i.test(m.text())) cspErrors.push(m.text()); });
    await scenario(base);
    assert.deepEqual(errors, [], 'errors in the page');
    assert.deepEqual(cspErrors, [], 'CSP refusals in the page');
    console.log('e2e: all steps passed');
  } finally {
    if (context) await context.close();
    server.kill('SIGTERM');
    await new Promise((r) => { if (server.exitCode !== null) r(); else server.on('exit', r); });
    if (!process.env.CUSTOS_E2E_KEEP) fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(userData, { recursive: true, force: true });
  }
}

async function scenario(base) {
  const customer = '苏州恒通精密机械有限公司 E2E';

  console.log('step: admin creates a manager who is both borrower and approver');
  const admin = await as(base, 'admin');
  await admin.goto(base + '/#/admin/users');
  await admin.waitForSelector('#user-form');
  await admin.fill('#new-username', 'manager.e2e');
  await admin.fill('#new-display', '黄经理');
  await admin.fill('#new-department', '销售管理部');
  await admin.check('input[name=role][value=borrower]');
  await admin.check('input[name=role][value=approver]');
  await admin.fill('#new-reason', '销售管理部新任经理');
  await admin.click('#user-form button[type=submit]');
  const setupLink = await (await admin.waitForSelector('#setup-link')).inputValue();
  assert.match(setupLink, /\/#\/setup\/[0-9a-f]{64}$/);
  // The approver role waits for a second administrator.
  assert.ok((await admin.textContent('#pending-note')).includes('审批人'));
  assert.ok((await admin.textContent('#grants-table')).includes('等待另一位管理员确认'));
  await shot(admin, 'admin-creates-manager');

  console.log('step: a second administrator confirms the approver grant');
  const admin2 = await as(base, 'admin2');
  await admin2.goto(base + '/#/admin/users');
  await admin2.waitForSelector('#grants-table button.primary');
  await admin2.click('#grants-table button.primary');
  await admin2.waitForSelector('#grants-card p.muted >> text=没有待确认的角色授予');
  assert.ok((await admin2.textContent('#users-table')).includes('待设置密码'));
  await shot(admin2, 'admin2-confirms-grant');

  console.log('step: the manager sets a password through the setup link, which then stops working');
  const managerPassword = 'manager-e2e-Pass-1';
  await context.clearCookies();
  await page.goto(setupLink);
  await page.waitForSelector('#setup-form');
  assert.ok((await page.textContent('#setup-form')).includes('manager.e2e'));
  await page.fill('#setup-new', managerPassword);
  await page.fill('#setup-repeat', managerPassword);
  await shot(page, 'manager-setup');
  await page.click('#setup-submit');
  await until(page, () => location.hash === '#/login');
  await page.goto(base + '/?again=1' + setupLink.slice(setupLink.indexOf('#')));
  await page.waitForSelector('#setup-invalid');
  await as(base, 'admin');
  await admin.goto(base + '/#/admin/policy');
  await admin.waitForSelector('#policy-hash');
  assert.match(await admin.textContent('#policy-hash'), /^[0-9a-f]{64}$/);
  assert.equal(await admin.textContent('#policy-roles tr[data-role=hr] [data-action=assign_handover]'), '指定离职交接人');
  assert.equal(await admin.textContent('#policy-roles tr[data-role=approver] [data-action=confirm_handover]'), '确认离职交接');
  assert.equal(await admin.textContent('#policy-roles tr[data-role=auditor] [data-action=read_departure_report]'), '查阅离职报告');
  // Copy / print / export rules in words, not the policy's ids.
  assert.ok(!/with-approval|forbidden/.test(await admin.textContent('#main')), 'raw use permission ids on the policy page');
  // The demo company's working hours (the off-hours alert), as the policy says them.
  assert.equal(await admin.textContent('#policy-workhours'),
    '周一、周二、周三、周四、周五 08:00–20:00（UTC+08:00） · 节假日 2026-10-01, 2027-01-01');
  // A version written by the system (declassification) has an empty author.
  assert.equal(await admin.evaluate(async () => (await import(location.origin + '/js/common.js')).person({ id: '' })), '系统');
  await shot(admin, 'admin-policy');

  console.log('step: the author creates a customer file');
  const author = await as(base, 'author');
  await shot(author, 'author-home');
  // Their own files: the first eight, how many there are, and the way to
  // all of them (the catalogue filtered to them).
  const mine = author.locator('[data-card="home.mine"]');
  const owned = Number(await mine.locator('h2 .count').textContent());
  assert.ok(owned > 8, 'the author owns more files than the card lists');
  assert.equal(await mine.locator('tbody tr').count(), 8);
  await mine.locator('a', { hasText: '查看全部' }).click();
  await until(author, (n) => document.querySelectorAll('#records-table tbody tr').length === n, owned);
  assert.ok((await author.textContent('#main')).includes(String(owned)), 'the list says how many');
  // A page at a time (five to a page here): the next page goes on where
  // this one ended, and back again.
  await author.goto(author.url() + '&limit=5');
  const rangeIs = (text) => until(author, (x) => (document.querySelector('#records-total') || {}).textContent === x, text);
  await rangeIs(`第 1–5 条，共 ${owned} 条`);
  assert.equal(await author.locator('#records-prev').count(), 0);
  const firstName = await author.locator('#records-table tbody a').first().textContent();
  await author.click('#records-next');
  await rangeIs(`第 6–${Math.min(10, owned)} 条，共 ${owned} 条`);
  assert.notEqual(await author.locator('#records-table tbody a').first().textContent(), firstName);
  await author.click('#records-prev');
  await rangeIs(`第 1–5 条，共 ${owned} 条`);
  assert.equal(await author.locator('#records-table tbody a').first().textContent(), firstName);
  // A mistyped link says there is no such page, rather than showing home.
  await author.goto(base + '/#/recrods');
  await author.waitForSelector('#no-page');
  assert.ok((await author.textContent('#no-page')).includes('#/recrods'));
  await author.goto(base + '/#/records/new');
  await author.waitForSelector('#new-record-form');
  await author.fill('#new-name', customer);
  await author.selectOption('#new-cls', 'confidential');
  await author.fill('#new-tags', '华东, 机械');
  await author.fill('#new-address', '江苏省苏州市工业园区星湖街 88 号');
  await author.fill('#new-habits', '每季度初集中下单，偏好月结 60 天');
  await author.fill('#new-prices', '标准件 8.2 元/件，年框协议价 7.9 元/件');
  await author.fill('#new-reason', '新客户建档');
  await author.click('#new-submit');
  await author.waitForSelector('#record-name');
  assert.equal(await author.textContent('#record-name'), customer);
  assert.equal(await author.getAttribute('.banner', 'data-classification'), 'confidential');
  const recordId = new URL(author.url().replace('#/record?', '?')).searchParams.get('id');
  assert.match(recordId, /^c-[0-9a-f]{16}$/);
  await shot(author, 'author-created-file');

  console.log('step: the borrower requests it with a reason');
  const borrower = await as(base, 'borrower');
  await borrower.goto(base + '/#/records?q=' + encodeURIComponent('恒通'));
  await borrower.waitForSelector('#records-table');
  await shot(borrower, 'borrower-search');
  await borrower.click('#records-table a');
  await borrower.waitForSelector('#borrow-form');
  await borrower.selectOption('#borrow-kind', 'view');
  await borrower.fill('#borrow-reason', '下周拜访客户，需了解报价和交易习惯');
  await borrower.click('#borrow-submit');
  await borrower.waitForSelector('#borrow-done');
  await shot(borrower, 'borrower-requested');

  console.log('step: the manager requests it too and cannot approve their own request');
  const manager = await as(base, 'manager.e2e', managerPassword);
  await manager.goto(base + '/#/record?id=' + recordId);
  await manager.waitForSelector('#borrow-form');
  await manager.fill('#borrow-reason', '季度客户复盘');
  await manager.click('#borrow-submit');
  await manager.waitForSelector('#borrow-done');
  await manager.goto(base + '/#/approvals');
  await manager.waitForSelector('#approval-queue');
  const own = manager.locator('#approval-queue tr', { hasText: '黄经理' });
  await own.locator('button.ok').click();
  const ownErr = own.locator('.error');
  await ownErr.filter({ hasText: /./ }).waitFor();
  const refusal = await ownErr.textContent();
  assert.ok(refusal.length > 0, 'no refusal shown');
  assert.equal(await ownErr.getAttribute('data-code'), 'permission_denied');
  console.log('  refusal shown:', refusal);
  await shot(manager, 'manager-own-approval-refused');

  console.log('step: the approver approves the borrower\'s request');
  const approver = await as(base, 'approver');
  await shot(approver, 'approver-home');
  await approver.goto(base + '/#/approvals');
  await approver.waitForSelector('#approval-queue');
  const row = approver.locator('#approval-queue tr', { hasText: '李娜' });
  await row.locator('input.comment').fill('同意，限本周使用');
  await row.locator('button.ok').click();
  await until(approver, () => !document.querySelector('#approval-queue') || ![...document.querySelectorAll('#approval-queue tr')].some((r) => r.textContent.includes('李娜')));
  await shot(approver, 'approver-approved');

  console.log('step: the borrower views it three times, the fourth is refused');
  await as(base, 'borrower');
  await borrower.goto(base + '/#/loans');
  await borrower.waitForSelector('#my-loans');
  assert.ok((await borrower.textContent('#my-loans')).includes('已批准'));
  await shot(borrower, 'borrower-loan-approved');
  await borrower.goto(base + '/#/view?id=' + recordId);
  await borrower.waitForSelector('#view-form');
  await borrower.fill('#view-reason', '客户拜访前核对报价');
  for (let i = 1; i <= 3; i += 1) {
    await borrower.click('#view-submit');
    await until(borrower, (n) => {
      const e = document.querySelector('#views-left');
      return e && e.textContent.includes(String(n));
    }, 3 - i);
    const seq = await borrower.textContent('#audit-seq');
    assert.match(seq, /seq \d+/);
    assert.equal(await borrower.locator('.watermark span').count() > 10, true);
    assert.ok((await borrower.textContent('.watermark span')).includes('李娜'));
    assert.equal(await borrower.evaluate(() => getComputedStyle(document.querySelector('.protected')).userSelect), 'none');
    await shot(borrower, 'borrower-view-' + i);
  }
  await borrower.emulateMedia({ media: 'print' });
  assert.equal(await borrower.evaluate(() => getComputedStyle(document.body).display), 'none');
  await borrower.emulateMedia({ media: 'screen' });
  await borrower.click('#view-submit');
  await until(borrower, () => document.querySelector('#view-error').textContent.length > 0);
  assert.equal(await borrower.getAttribute('#view-error', 'data-code'), 'resource_exhausted');
  assert.ok((await borrower.textContent('#view-error')).includes('三次查阅'));
  assert.equal(await borrower.locator('.protected').count(), 0);
  await shot(borrower, 'borrower-fourth-view-refused');
  await borrower.click('#lang');
  await until(borrower, () => document.documentElement.lang === 'en');
  await borrower.fill('#view-reason', 'check prices again');
  await borrower.click('#view-submit');
  await until(borrower, () => document.querySelector('#view-error').textContent.includes('three-views'));
  await shot(borrower, 'borrower-fourth-view-refused-en');

  console.log('step: the auditor finds all of it in the log');
  const auditor = await as(base, 'auditor');
  await shot(auditor, 'auditor-home');
  await auditor.goto(base + '/#/audit?record=' + recordId);
  await auditor.waitForSelector('#audit-table');
  const text = await auditor.textContent('#audit-table');
  for (const needle of ['record.create', 'record.view']) assert.ok(text.includes(needle), 'missing ' + needle);
  const views = await auditor.locator('#audit-table tbody tr', { hasText: 'record.view' }).count();
  assert.equal(views, 5, 'three views allowed + two refused');
  const denied = await auditor.locator('#audit-table tbody tr.denied', { hasText: 'record.view' }).count();
  assert.equal(denied, 2);
  assert.ok((await auditor.textContent('#checkpoint')).includes('custos.demo/huaxin'));
  assert.ok((await auditor.textContent('#tlog-intro')).includes('/tlog/'));
  assert.ok((await auditor.textContent('#verifier-key')).startsWith('custos.demo/huaxin+'));
  await shot(auditor, 'auditor-record-events');
  await auditor.goto(base + '/#/audit?action=loan');
  // Same page, new filter: wait until the table shows the filtered events
  // (the previous table is still there until the new one arrives).
  await until(auditor, () => {
    const t = document.querySelector('#audit-table');
    return t !== null && t.textContent.includes('loan.request') && !t.textContent.includes('record.create');
  });
  const loans = await auditor.textContent('#audit-table');
  for (const needle of ['loan.request', 'loan.approve']) assert.ok(loans.includes(needle), 'missing ' + needle);
  await auditor.locator('#audit-table tbody tr', { hasText: 'loan.approve' }).first().locator('button').click();
  await until(auditor, () => document.querySelector('#proof-out').textContent.includes('tlog-proof'));
  await shot(auditor, 'auditor-loan-events-proof');
  await auditor.goto(base + '/#/audit?decision=deny&actor=manager.e2e');
  await until(auditor, () => {
    const t = document.querySelector('#audit-table');
    return t !== null && !t.textContent.includes('loan.request');
  });
  assert.ok((await auditor.textContent('#audit-table')).includes('loan.approve'), 'own approval refusal not logged');
  await shot(auditor, 'auditor-own-approval-denial');
  // The alerts page: the borrower's refused fourth view, and the demo's
  // salespeople refused again and again (an anomaly alert with what crossed
  // the line): 赵鹏 opening other teams' secret files without loans, and
  // 李婷, who has left, taking files out before she gave notice.
  await auditor.goto(base + '/#/alerts');
  await auditor.waitForSelector('#alerts-table');
  const quota = auditor.locator('#alerts-table tbody tr[data-type="quota.exhausted"]', { hasText: '李娜' });
  assert.ok((await quota.count()) >= 1, 'no exhausted-quota alert for the borrower');
  // (The borrower switched the shared browser to English above.)
  assert.match(await quota.first().textContent(), /查阅次数已用完|View quota used up/);
  const burst = auditor.locator('#alerts-table tbody tr[data-type="anomaly.repeated_denials"]');
  assert.equal(await burst.count(), 2);
  for (const who of ['赵鹏', '李婷']) assert.equal(await burst.filter({ hasText: who }).count(), 1, 'no repeated-refusals alert for ' + who);
  assert.match(await burst.first().textContent(), /15 分钟内被拒绝 \d+ 次|refused \d+ times within 15 minutes/);
  for (const type of ['quota.exhausted', 'anomaly.new_place', 'employment.notice_activity']) {
    const rows = auditor.locator('#alerts-table tbody tr[data-type="' + type + '"]', { hasText: '李婷' });
    assert.ok((await rows.count()) >= 1, 'no ' + type + ' alert for the salesperson who left');
  }
  await assertNoRawKeys(auditor, 'alerts');
  await auditor.selectOption('#alerts-type', 'anomaly.repeated_denials');
  await auditor.click('#alerts-submit');
  await until(auditor, () => document.querySelectorAll('#alerts-table tbody tr').length === 2);
  await shot(auditor, 'auditor-alerts');

  // A quick second click: the home page (its alerts held back a second)
  // is still loading when the auditor goes on to the log. The log stays,
  // and the home page, once loaded, is not shown under the log's link.
  const homeAlerts = (url) => url.pathname === '/api/v1/alerts' && url.searchParams.get('limit') === '8';
  await auditor.route(homeAlerts, async (r) => {
    await new Promise((done) => setTimeout(done, 1000));
    await r.continue();
  });
  const homeAsked = auditor.waitForRequest((req) => homeAlerts(new URL(req.url())));
  const homeAnswered = auditor.waitForResponse((res) => homeAlerts(new URL(res.url())));
  await auditor.evaluate(() => { location.hash = '#/home'; });
  await homeAsked;  // the home page is loading, its alerts held back
  await auditor.evaluate(() => { location.hash = '#/audit?action=loan'; });
  await auditor.waitForSelector('#audit-table');
  await homeAnswered;
  await new Promise((done) => setTimeout(done, 1000));  // the rest of the home page loads
  assert.ok(await auditor.isVisible('#audit-table'), 'a page still loading replaced the one the auditor went on to');
  await auditor.unroute(homeAlerts);

  await printStory(base);
  await attachmentStory(base);
  await departureStory(base, recordId, customer);
  await demoAgreementsStory(base);
  await evidenceStory(base);
}

// Evidence for the demo's case against the leaver: litigation exports the
// approved request's bundle from the browser and both verifiers pass it;
// then, in English, asks for a new one with a preview of its scope; an
// approver approves it from the queue on the home page; the auditor sees
// the legal holds, and a held record carries the badge.
async function evidenceStory(base) {
  console.log('step: litigation exports the demo case\'s evidence bundle');
  const lit = await as(base, 'litigation');
  await lit.click('[data-home="litigation"] a');
  await lit.waitForSelector('#evidence-table');
  const demoCase = lit.locator('#evidence-table tbody tr', { hasText: '(2026)沪0115民初1234号' });
  assert.equal(await demoCase.count(), 1);
  assert.ok((await demoCase.textContent()).includes('已批准'), 'approved');
  assert.ok((await demoCase.textContent()).includes('保全中'), 'on hold');
  await assertNoRawKeys(lit, 'evidence (litigation, zh)');
  await shot(lit, 'litigation-evidence');
  const [download] = await Promise.all([lit.waitForEvent('download', { timeout: 60000 }), demoCase.locator('button.export').click()]);
  const bundle = path.join(os.tmpdir(), 'custos-e2e-' + process.pid + '-' + download.suggestedFilename());
  await download.saveAs(bundle);
  try {
    const verify = spawnSync(bin, ['evidence', 'verify', bundle], { encoding: 'utf8' });
    assert.equal(verify.status, 0, 'custos evidence verify: ' + verify.stdout + verify.stderr);
    assert.match(verify.stdout, /bundle verified: case \(2026\)沪0115民初1234号/);
    const py = spawnSync('python3', [path.join(root, 'tests/tools/verify_evidence.py'), bundle], { encoding: 'utf8' });
    assert.equal(py.status, 0, 'verify_evidence.py: ' + py.stdout + py.stderr);
  } finally {
    fs.rmSync(bundle, { force: true });
  }
  await until(lit, () => document.querySelectorAll('#evidence-table tbody tr li').length >= 1);
  await shot(lit, 'litigation-exported');

  console.log('step: in English, litigation previews and requests a new case');
  await toggleLang(lit, 'en');
  await lit.fill('#ev-case', '(2026)沪0115民初5678号');
  await lit.fill('#ev-purpose', 'Preserve the departed salesperson\'s access before filing');
  const leaver = await lit.evaluate(() => [...document.querySelectorAll('#ev-people option')].find((o) => o.textContent.includes('sales.li')).value);
  await lit.selectOption('#ev-people', [leaver]);
  await lit.click('#ev-preview');
  await lit.waitForSelector('#ev-preview-out:not([hidden])');
  assert.match(await lit.textContent('#ev-preview-out'), /1 people, \d+ records/);
  await shot(lit, 'litigation-preview-en');
  await lit.click('#ev-submit');
  const newCase = lit.locator('#evidence-table tbody tr', { hasText: '(2026)沪0115民初5678号' });
  await newCase.waitFor();
  assert.ok((await newCase.textContent()).includes('Awaiting approval'));
  await assertNoRawKeys(lit, 'evidence (litigation, en)');
  await toggleLang(lit, 'zh-CN');

  console.log('step: an approver approves it from the queue on the home page');
  const appr = await as(base, 'approver');
  await appr.waitForSelector('#evidence-queue');
  const queued = appr.locator('#evidence-queue tbody tr', { hasText: '(2026)沪0115民初5678号' });
  assert.equal(await queued.count(), 1);
  appr.once('dialog', (d) => d.accept('同意，范围限于本人'));
  await queued.locator('button.ok').click();
  await until(appr, () => ![...document.querySelectorAll('#evidence-queue tbody tr')].some((r) => r.textContent.includes('5678')));
  await shot(appr, 'approver-evidence-queue');

  console.log('step: the auditor sees the legal holds; a held record shows the badge');
  const aud = await as(base, 'auditor');
  await aud.goto(base + '/#/evidence');
  await aud.waitForSelector('#holds-table');
  assert.ok(await aud.locator('#holds-table tbody tr').count() >= 1);
  await assertNoRawKeys(aud, 'evidence (auditor)');
  await shot(aud, 'auditor-holds');
  await aud.locator('#holds-table tbody tr a').first().click();
  await aud.waitForSelector('#hold-badge');
  assert.equal((await aud.textContent('#hold-badge')).trim(), '诉讼保全中');
  await shot(aud, 'auditor-held-record');
}

// The demo company's agreements: legal's list holds every member of staff's
// NDA, and the non-compete and departure obligations notice of the
// salesperson who left, 孙浩's NDA was signed
// on paper and attested by the custodian, and the non-compete dashboard shows
// her compensation paid so far.
async function demoAgreementsStory(base) {
  console.log('step: legal finds the demo company\'s agreements');
  const legal = await as(base, 'legal');
  await legal.goto(base + '/#/agreements');
  await legal.waitForSelector('#agreements-table');
  const rows = legal.locator('#agreements-table tbody tr');
  assert.equal(await rows.count(), 13, 'eleven NDAs, one non-compete, one obligations notice');
  assert.equal(await rows.filter({ hasText: '已完成' }).count(), 13, 'all completed');
  assert.equal(await rows.filter({ hasText: '员工保密协议' }).count(), 11);
  assert.equal(await rows.filter({ hasText: '竞业限制协议' }).filter({ hasText: '李婷' }).count(), 1);
  assert.equal(await rows.filter({ hasText: '离职保密义务告知书' }).filter({ hasText: '李婷' }).count(), 1);
  await assertNoRawKeys(legal, 'agreements (legal)');
  await shot(legal, 'legal-agreements');

  console.log('step: legal narrows the list to one employee, then to what is still open');
  const shown = legal.locator('#agreements-table tbody tr:not([hidden])');
  await legal.fill('#agr-filter-text', '李婷');
  assert.equal(await shown.count(), 3, 'her NDA, non-compete and obligations notice');
  assert.equal(await legal.textContent('#agr-filter-count'), '显示 3 份，共 13 份');
  await legal.selectOption('#agr-filter-state', 'open');
  assert.equal(await shown.count(), 0, 'all of hers are completed');
  await legal.fill('#agr-filter-text', '');
  await legal.selectOption('#agr-filter-state', 'completed');
  assert.equal(await shown.count(), 13);

  console.log('step: the paper NDA\'s certificate shows the custodian\'s attestation');
  await rows.filter({ hasText: '孙浩' }).locator('a').click();
  await legal.waitForSelector('#agr-steps');
  const id = await legal.evaluate(() => new URLSearchParams(location.hash.split('?')[1]).get('id'));
  await legal.goto(base + '/#/agreement/certificate?id=' + encodeURIComponent(id));
  await legal.waitForSelector('#agr-cert-steps');
  assert.ok((await legal.textContent('#agr-cert-steps [data-step="paper_upload"]')).includes('上传纸质件'));
  const attest = await legal.textContent('#agr-cert-steps [data-step="attest"]');
  assert.ok(attest.includes('保管人见证') && attest.includes('陈静'), 'attestation: ' + attest);
  assert.equal(await legal.locator('.agr-yes').count(), 2, 'document intact and signatures valid');
  await shot(legal, 'legal-paper-nda-certificate');

  console.log('step: the non-compete dashboard shows the leaver paid up');
  await legal.goto(base + '/#/noncompetes');
  await legal.waitForSelector('#nc-table');
  const nc = legal.locator('#nc-table tr.nc-row', { hasText: '李婷' });
  assert.equal(await nc.count(), 1);
  assert.ok((await nc.textContent()).includes('限制中'));
  assert.match(await nc.getAttribute('class'), /nc-alert-none/);
  await nc.locator('button').click();
  const schedule = legal.locator('#nc-table tr.nc-detail-row:not([hidden]) .nc-schedule');
  await schedule.waitFor();
  assert.equal(await schedule.locator('tr.nc-paid').count(), 3, 'three months paid');
  assert.equal(await schedule.locator('tr.nc-overdue').count(), 0);
  await assertNoRawKeys(legal, 'non-competes (legal)');
  await shot(legal, 'legal-noncompete-dashboard');
}

// No i18n key may reach the screen as itself, in either language.
async function assertNoRawKeys(p, where) {
  const raw = await p.evaluate(() => {
    const keys = [...document.querySelectorAll('#main [data-i18n]')].filter((e) => e.textContent === e.dataset.i18n).map((e) => e.dataset.i18n);
    const text = document.querySelector('#main').innerText.match(/\b(?:dep|emp|st|common|cls|kind|state|act|policy|rec|ev)\.[a-z_]+\b/g) || [];
    return [...keys, ...text];
  });
  assert.deepEqual(raw, [], 'raw i18n keys on ' + where);
}

async function toggleLang(p, lang) {
  await p.click('#lang');
  await until(p, (l) => document.documentElement.lang === l, lang);
  await p.waitForSelector('#main h1');
}

// A departure: the author (owner of the E2E customer file, who has viewed
// it) resigns; HR registers it and assigns the file to a successor, an
// approver confirms, the record's owner changes, and the auditor reads the
// departure report with the author's views.
async function departureStory(base, recordId, customer) {
  const successor = '王磊';
  console.log('step: the author views their own file before leaving');
  const author = await as(base, 'author');
  await author.goto(base + '/#/view?id=' + recordId);
  await author.waitForSelector('#view-form');
  await author.fill('#view-reason', '整理交接材料');
  await author.click('#view-submit');
  await author.waitForSelector('#audit-seq');

  console.log('step: HR registers the author\'s resignation');
  const hr = await as(base, 'hr');
  await hr.goto(base + '/#/employment');
  await hr.waitForSelector('#employment-table');
  const empRow = hr.locator('#employment-table tr.emp-row', { hasText: '张伟' });
  const leaver = await empRow.getAttribute('data-user');
  assert.ok(leaver, 'author not listed');
  await empRow.locator('button').click();
  const form = hr.locator('form.emp-form[data-user="' + leaver + '"]');
  const lastDay = await hr.evaluate(() => new Date(Date.now() + 14 * 86400000).toISOString().slice(0, 10));
  await form.locator('input[id^=emp-last-]').fill(lastDay);
  await form.locator('input[id^=emp-reason-]').fill('个人原因');
  await form.locator('button[type=submit]').click();
  await hr.waitForSelector('#employment-table tr.emp-notice_given[data-user="' + leaver + '"]');
  await shot(hr, 'hr-registers-resignation');

  console.log('step: HR assigns the author\'s customer file to a successor');
  await hr.goto(base + '/#/departures');
  await hr.waitForSelector('#departures-table');
  await hr.click('#departures-table tr[data-user="' + leaver + '"] a');
  const hrRow = hr.locator('#handover-table tr.dep-record[data-record="' + recordId + '"]');
  await hrRow.waitFor();
  assert.equal(await hr.textContent('#main h1'), '张伟');
  assert.ok((await hrRow.textContent()).includes(customer));
  // 一键交接 is offered to HR (it would hand over all of his files: here
  // only its check that a reason is given is tried), then this file alone.
  await hr.selectOption('#bulk-successor', { label: successor });
  await hr.click('#bulk-assign button[type=submit]');
  await hr.locator('#bulk-error', { hasText: '批量交接的原因' }).waitFor();
  assert.equal(await hr.locator('#bulk-confirm').count(), 0, 'HR confirms nothing at once either');
  await hrRow.locator('form.dep-assign select').selectOption({ label: successor });
  await hrRow.locator('form.dep-assign input').fill('张伟离职，客户由王磊接手');
  await hrRow.locator('form.dep-assign button[type=submit]').click();
  await hr.waitForSelector('#handover-table tr.dep-record[data-record="' + recordId + '"] .tag.dep-pending');
  const pending = await hr.textContent('#handover-table tr.dep-record[data-record="' + recordId + '"]');
  assert.ok(pending.includes('待确认') && pending.includes(successor) && pending.includes('孙丽'), 'pending handover: ' + pending);
  assert.equal(await hrRow.locator('button.primary').count(), 0, 'HR cannot confirm');
  await hr.waitForSelector('#dep-report p');
  // The report counts the handovers (the card above lists them).
  assert.equal(await hr.textContent('#dep-report-handovers'), '客户档案交接：共 1 份，已确认 0 份，待确认 1 份');
  // The leaver's agreements: kind and state, or the warning that no signed NDA exists.
  assert.equal(await hr.textContent('#dep-agreements h2'), '保密与竞业限制协议');
  const agreements = await hr.textContent('#dep-agreements');
  assert.ok(agreements.includes('保密协议') || agreements.includes('未找到已签署完成的保密协议'), 'agreements card: ' + agreements);
  await assertNoRawKeys(hr, 'departures (HR, zh-CN)');
  await shot(hr, 'hr-assigns-successor');

  console.log('step: an approver confirms the handover');
  const approver = await as(base, 'approver');
  await approver.goto(base + '/#/departures?user=' + encodeURIComponent(leaver));
  const apRow = approver.locator('#handover-table tr.dep-record[data-record="' + recordId + '"]');
  // A confirmation needs the approver's own reason (it goes into the event).
  await apRow.locator('form.dep-confirm button[type=submit]').click();
  await approver.locator('.error[role=alert]', { hasText: '确认事由' }).waitFor();
  assert.ok((await apRow.textContent()).includes('待确认'), 'still pending without a reason');
  await apRow.locator('form.dep-confirm input').fill('已与王磊核对客户清单');
  await apRow.locator('form.dep-confirm button[type=submit]').click();
  await approver.waitForSelector('#handover-table tr.dep-record[data-record="' + recordId + '"] .tag.dep-confirmed');
  const confirmed = await apRow.textContent();
  assert.ok(confirmed.includes('已确认') && confirmed.includes('刘强'), 'confirmed handover: ' + confirmed);
  assert.equal(await approver.locator('#dep-report').textContent(), '', 'approvers get no report');
  await assertNoRawKeys(approver, 'departures (approver, zh-CN)');
  await shot(approver, 'approver-confirms-handover');
  await toggleLang(approver, 'en');
  await approver.waitForSelector('#handover-table');
  const en = await approver.textContent('#main');
  for (const s of ['Customer files to hand over', 'Confirmed', 'Confirmed by', 'Departure report']) assert.ok(en.includes(s), 'missing ' + s);
  await assertNoRawKeys(approver, 'departures (approver, en)');
  await shot(approver, 'approver-confirms-handover-en');
  await toggleLang(approver, 'zh-CN');

  console.log('step: the successor finds the customer on their own page');
  const heir = await as(base, 'sales.wang');
  await heir.waitForSelector('[data-card="mine.title"]');
  // The home card counts every file handed to them (李婷's too), from a
  // page of none.
  const counts = await heir.evaluate(async () => (await fetch('/api/v1/handovers/mine?limit=0')).json());
  assert.ok(counts.total > 4 && counts.leavers.length === 2, 'handed to 王磊: ' + JSON.stringify(counts.leavers));
  assert.equal(Number(await heir.textContent('[data-card="mine.title"] .count')), counts.total);
  await heir.click('[data-card="mine.title"] a');
  const hRow = heir.locator('section[data-leaver="' + leaver + '"] tr.dep-record[data-record="' + recordId + '"]');
  await hRow.waitFor();
  assert.ok((await heir.textContent('section[data-leaver="' + leaver + '"] h2')).includes('张伟'));
  const heirText = await hRow.textContent();
  assert.ok(heirText.includes(customer) && heirText.includes('已确认') && heirText.includes('待客户确认'), 'successor row: ' + heirText);
  // The successor may write to the customer and record the answer.
  await hRow.locator('details.dep-cust-actions summary').click();
  assert.equal(await hRow.locator('form.dep-answer-form').count(), 1);
  assert.equal(await hRow.locator('form.dep-waive').count(), 0, 'a successor cannot waive');
  await assertNoRawKeys(heir, 'handed to me (successor, zh-CN)');
  await shot(heir, 'successor-handed-to-me');
  // A page at a time; each leaver's line counts all of their files.
  await heir.goto(base + '/#/handed-to-me?limit=2');
  await heir.waitForSelector('#mine-range');
  assert.equal(await heir.textContent('#mine-range'), '第 1–2 条，共 ' + counts.total + ' 条');
  assert.equal(await heir.locator('tr.dep-record').count(), 2);
  await heir.click('#mine-next');
  await heir.waitForURL(/offset=2/);
  await heir.waitForSelector('#mine-range:has-text("第 3–4 条")');
  assert.equal(await heir.locator('tr.dep-record').count(), 2);
  let lines = 0;
  for (const l of counts.leavers) {
    const line = heir.locator('section[data-leaver="' + l.id + '"] p.muted');
    if (!(await line.count())) continue;
    assert.ok((await line.textContent()).includes('交给您 ' + l.total + ' 份'), l.display_name);
    ++lines;
  }
  assert.ok(lines > 0, 'a leaver\'s line on the second page');
  await heir.goto(base + '/#/handed-to-me');
  await hRow.waitFor();
  await toggleLang(heir, 'en');
  await heir.waitForSelector('section[data-leaver="' + leaver + '"]');
  assert.ok((await heir.textContent('#main')).includes('Customers handed to me'));
  await assertNoRawKeys(heir, 'handed to me (successor, en)');
  await toggleLang(heir, 'zh-CN');

  console.log('step: the custodian writes to the customer and records the refusal; an approver waives it');
  const keeper = await as(base, 'custodian');
  await keeper.goto(base + '/#/departures?user=' + encodeURIComponent(leaver));
  await keeper.waitForSelector('#dep-checklist');
  assert.equal(await keeper.getAttribute('#dep-checklist', 'data-complete'), 'false');
  assert.equal(await keeper.getAttribute('#dep-checklist tr[data-item="customers"]', 'data-state'), 'open');
  const kRow = keeper.locator('#handover-table tr.dep-record[data-record="' + recordId + '"]');
  assert.ok((await kRow.textContent()).includes('待客户确认'), 'customer pending');
  // The letter needs the company's name and the successor's telephone.
  await kRow.locator('details.dep-cust-actions summary').click();
  await kRow.locator('form.dep-letter button[type=submit]').click();
  await keeper.locator('.error[role=alert]', { hasText: '公司名称' }).waitFor();
  await kRow.locator('form.dep-letter input.dep-company').fill('华信商贸有限公司');
  await kRow.locator('form.dep-letter input.dep-phone').fill('021-6288 0102');
  await kRow.locator('form.dep-letter button[type=submit]').click();
  await keeper.waitForSelector('#handover-table tr.dep-record[data-record="' + recordId + '"] a.dep-letter-link');
  const href = await kRow.locator('a.dep-letter-link').getAttribute('href');
  const letter = await keeper.evaluate(async (u) => (await fetch(u)).text(), href);
  for (const s of ['业务对接人变更通知函', customer, '张伟', successor, '021-6288 0102', '不再代表本公司']) {
    assert.ok(letter.includes(s), 'letter lacks ' + s);
  }
  await kRow.locator('details.dep-cust-actions summary').click();
  await kRow.locator('form.dep-answer-form select.dep-answer').selectOption('refused');
  await kRow.locator('form.dep-answer-form input.dep-contact').fill('周敏');
  await kRow.locator('form.dep-answer-form button[type=submit]').click();
  await keeper.waitForSelector('#handover-table tr.dep-record[data-record="' + recordId + '"] [data-customer-state="refused"]');
  await assertNoRawKeys(keeper, 'departures (custodian, zh-CN)');
  await shot(keeper, 'custodian-customer-refused');
  await as(base, 'approver');
  await approver.goto(base + '/#/departures?user=' + encodeURIComponent(leaver));
  await apRow.locator('details.dep-cust-actions summary').click();
  await apRow.locator('form.dep-waive input.dep-waive-reason').fill('客户拒绝确认，法务已另行书面通知');
  await apRow.locator('form.dep-waive button[type=submit]').click();
  await approver.waitForSelector('#handover-table tr.dep-record[data-record="' + recordId + '"] [data-customer-state="waived"]');
  assert.equal(await approver.getAttribute('#dep-checklist tr[data-item="customers"]', 'data-state'), 'done');
  // His other files have no successor yet, and he is still in his notice
  // period: the departure is not complete.
  assert.equal(await approver.getAttribute('#dep-checklist tr[data-item="handovers"]', 'data-state'), 'open');
  assert.equal(await approver.getAttribute('#dep-checklist tr[data-item="account"]', 'data-state'), 'open');
  await assertNoRawKeys(approver, 'departures checklist (approver, zh-CN)');
  await shot(approver, 'approver-waives-customer');
  await toggleLang(approver, 'en');
  await approver.waitForSelector('#dep-checklist');
  const enList = await approver.textContent('#main');
  for (const s of ['Departure checklist', 'Customer confirmation', 'Waived', 'Departure not complete']) assert.ok(enList.includes(s), 'missing ' + s);
  await assertNoRawKeys(approver, 'departures checklist (approver, en)');
  await toggleLang(approver, 'zh-CN');

  console.log('step: HR records that the leaver refused to sign the obligations notice');
  const hr2 = await as(base, 'hr');
  await hr2.goto(base + '/#/departures?user=' + encodeURIComponent(leaver));
  await hr2.waitForSelector('#dep-checklist tr[data-item="notice"][data-state="open"]');
  await hr2.click('#dep-checklist form.dep-refusal button[type=submit]');
  await hr2.locator('#dep-checklist .error[role=alert]', { hasText: '见证人' }).waitFor();
  await hr2.fill('#dep-checklist form.dep-refusal input.dep-refusal-reason', '离职面谈时拒绝签收，人事与法务两人在场');
  await hr2.click('#dep-checklist form.dep-refusal button[type=submit]');
  await hr2.waitForSelector('#dep-checklist tr[data-item="notice"][data-state="done"]');
  assert.ok((await hr2.textContent('#dep-checklist tr[data-item="notice"]')).includes('员工拒绝签收'), 'refusal shown');
  await assertNoRawKeys(hr2, 'departures checklist (HR, zh-CN)');
  await shot(hr2, 'hr-records-notice-refusal');

  console.log('step: a departure that is over: every item done, the departure complete');
  await hr2.goto(base + '/#/departures');
  await hr2.waitForSelector('#departures-table');
  // The list says at a glance whose departure is over and whose is not.
  const doneRow = hr2.locator('#departures-table tr', { hasText: '周琳' });
  assert.equal(await doneRow.locator('td.dep-progress').getAttribute('data-complete'), 'true');
  assert.ok((await doneRow.locator('td.dep-progress').textContent()).includes('已完成'));
  const openRow = hr2.locator('#departures-table tr', { hasText: '李婷' });
  assert.equal(await openRow.locator('td.dep-progress').getAttribute('data-complete'), 'false');
  assert.match(await openRow.locator('td.dep-progress').textContent(), /\d+ 项未完成.*客户确认/);
  await doneRow.locator('a').click();
  await hr2.waitForSelector('#dep-checklist[data-complete="true"]');
  for (const item of ['resignation', 'handovers', 'customers', 'loans', 'account', 'notice', 'nda']) {
    assert.equal(await hr2.getAttribute('#dep-checklist tr[data-item="' + item + '"]', 'data-state'), 'done', item);
  }
  assert.ok((await hr2.textContent('#dep-checklist')).includes('离职手续已全部完成'), 'complete shown');
  const handed = await hr2.locator('#handover-table tr.dep-record').count();
  assert.ok(handed >= 1, 'the completed leaver handed files over');
  assert.equal(await hr2.locator('#handover-table [data-customer-state="confirmed"]').count(), handed, 'every customer confirmed');
  await assertNoRawKeys(hr2, 'departure complete (HR, zh-CN)');
  await shot(hr2, 'hr-departure-complete');
  await toggleLang(hr2, 'en');
  await hr2.waitForSelector('#dep-checklist[data-complete="true"]');
  assert.ok((await hr2.textContent('#dep-checklist')).includes('Departure complete'));
  await toggleLang(hr2, 'zh-CN');

  console.log('step: a leaver\'s files come a page at a time');
  await hr2.goto(base + '/#/departures');
  const liId = await hr2.locator('#departures-table tr', { hasText: '李婷' }).getAttribute('data-user');
  await hr2.goto(base + '/#/departures?user=' + encodeURIComponent(liId) + '&limit=2');
  await hr2.waitForSelector('#handover-range');
  const pageIds = async () => {
    const rows = hr2.locator('#handover-table tr.dep-record');
    const ids = [];
    for (let i = 0; i < await rows.count(); i++) ids.push(await rows.nth(i).getAttribute('data-record'));
    return ids;
  };
  const pageNames = async () => hr2.locator('#handover-table tr.dep-record td:first-child strong').allTextContents();
  const firstNames = await pageNames();
  const firstPage = await pageIds();
  assert.equal(firstPage.length, 2);
  const total = Number((await hr2.textContent('#handover-range')).match(/^第 1–2 条，共 (\d+) 条$/)[1]);
  assert.ok(total > 2, 'more than a page: ' + total);
  assert.equal(await hr2.locator('#handover-prev').count(), 0);
  await hr2.click('#handover-next');
  await hr2.waitForSelector('#handover-range >> text=/^第 3–4 条/');
  // Followed from the foot of the page, the next one opens at its top.
  assert.equal(await hr2.evaluate(() => window.scrollY), 0, 'the next page opens at its top');
  const secondPage = await pageIds();
  assert.equal(secondPage.length, 2);
  // By name in pinyin order (numbers by value), then by id.
  const pinyin = new Intl.Collator('zh-CN', { numeric: true });
  const rows = [...firstNames, ...await pageNames()].map((name, i) => [name, [...firstPage, ...secondPage][i]]);
  for (let i = 1; i < rows.length; i++) {
    const c = pinyin.compare(rows[i - 1][0], rows[i][0]);
    assert.ok(c < 0 || (c === 0 && rows[i - 1][1] < rows[i][1]), 'the next page goes on by name: ' + rows.join(' / '));
  }
  await hr2.click('#handover-prev');
  await hr2.waitForSelector('#handover-range >> text=/^第 1–2 条/');
  assert.deepEqual(await pageIds(), firstPage);
  await as(base, 'approver');

  console.log('step: the record now belongs to the successor');
  await approver.goto(base + '/#/record?id=' + recordId);
  await approver.waitForSelector('#record-name');
  assert.equal(await approver.evaluate(() => document.querySelector('dt[data-i18n="rec.owner"]').nextElementSibling.textContent), successor);
  assert.equal(await approver.locator('tr', { hasText: '张伟' }).filter({ hasText: successor }).filter({ hasText: '刘强' }).count(), 1, 'ownership history');
  await shot(approver, 'record-owner-is-successor');

  console.log('step: the auditor reads the departure report');
  const auditor = await as(base, 'auditor');
  await auditor.goto(base + '/#/departures?user=' + encodeURIComponent(leaver));
  const viewed = auditor.locator('#dep-viewed tr[data-record="' + recordId + '"]');
  await viewed.waitFor();
  assert.equal(await viewed.locator('.dep-events').textContent(), '1');
  assert.ok((await viewed.textContent()).includes(customer));
  assert.ok((await auditor.textContent('#dep-authored')).includes(customer));
  assert.equal(await auditor.locator('#dep-owned tr[data-record="' + recordId + '"]').count(), 0, 'no longer owned');
  assert.ok(await auditor.locator('#dep-days tbody tr').count() >= 1, 'views per day');
  assert.equal(await auditor.locator('form.dep-assign').count(), 0, 'auditors do not assign');
  await assertNoRawKeys(auditor, 'departure report (zh-CN)');
  await shot(auditor, 'auditor-departure-report');
  await toggleLang(auditor, 'en');
  await auditor.waitForSelector('#dep-viewed');
  const rep = await auditor.textContent('#dep-report');
  for (const s of ['Views per day', 'Viewed', 'Authored', 'Confidential']) assert.ok(rep.includes(s), 'missing ' + s);
  assert.ok(!/\bnull\b|undefined/.test(rep), 'a missing value printed as text: ' + rep);
  await assertNoRawKeys(auditor, 'departure report (en)');
  await shot(auditor, 'auditor-departure-report-en');
  await toggleLang(auditor, 'zh-CN');

  console.log('step: the auditor finds the outside-assignment alert of the demo\'s leaver');
  await auditor.goto(base + '/#/alerts?type=anomaly.outside_assignment');
  const outside = auditor.locator('#alerts-table tr[data-type="anomaly.outside_assignment"]', { hasText: '李婷' });
  await outside.first().waitFor();
  const outsideText = await outside.first().textContent();
  assert.ok(outsideText.includes('查阅职责范围以外的客户档案'), 'outside-assignment alert: ' + outsideText);
  await assertNoRawKeys(auditor, 'alerts (zh-CN)');
  await toggleLang(auditor, 'en');
  await auditor.locator('#alerts-table tr[data-type="anomaly.outside_assignment"]').first().waitFor();
  assert.ok((await auditor.textContent('#alerts-table')).includes('Files outside their assignment'));
  await assertNoRawKeys(auditor, 'alerts (en)');
  await toggleLang(auditor, 'zh-CN');
}

// A print loan: asked for until tomorrow, approved, extended by the
// approver (a refusal first, in Chinese), then used: the print view carries
// the marking and the watermark, and only it goes to paper.
// A confidential customer file written through the UI; returns its id.
// The owner attaches a file of several chunks to a customer file and
// downloads it again: the same bytes come back, and a scrub beside the
// server checks the stored chunks with their stream's key.
async function attachmentStory(base) {
  const recordId = await createFile(base, 'sales.qian', '常州新锐包装材料有限公司 E2E');
  console.log('step: the owner attaches a price list and downloads it again');
  const owner = page;
  const lines = ['品名,规格,单价(元),起订量'];
  for (let i = 0; lines.join('\n').length < 200 * 1024; i += 1) lines.push(`包装箱-${i},${300 + i % 50}x200x150mm,${(3.2 + i % 7 / 10).toFixed(2)},500`);
  const content = Buffer.from(lines.join('\n') + '\n', 'utf8');
  await owner.setInputFiles('#att-file', { name: '报价单-2027.csv', mimeType: 'text/csv', buffer: content });
  await owner.fill('#att-reason', '上传年度报价单');
  await owner.click('#upload-form button[type=submit]');
  const row = owner.locator('tr', { hasText: '报价单-2027.csv' });
  await row.waitFor();
  const size = row.locator('td.att-size');
  assert.equal(await size.getAttribute('data-bytes'), String(content.length));
  assert.equal((await size.textContent()).trim(), Math.round(content.length / 1024) + ' KB');
  await shot(owner, 'owner-attached-price-list');
  owner.once('dialog', (d) => d.accept('核对报价单'));
  const [download] = await Promise.all([owner.waitForEvent('download'), row.locator('button').click()]);
  assert.equal(download.suggestedFilename(), '报价单-2027.csv');
  const back = fs.readFileSync(await download.path());
  assert.ok(back.equals(content), 'the downloaded attachment differs from the uploaded one');

  const status = spawnSync(bin, ['status', '--data', vaultDir], { env: vaultEnv, encoding: 'utf8' });
  assert.equal(status.status, 0, 'custos status failed: ' + status.stderr);
  const chunks = Number((/stream_chunks\s+(\d+)/.exec(status.stdout) || [])[1]);
  assert.ok(chunks >= 4, 'the attachment\'s chunks are not in stream_chunks: ' + status.stdout);
  const scrub = spawnSync(bin, ['scrub', '--data', vaultDir], { env: vaultEnv, encoding: 'utf8' });
  assert.equal(scrub.status, 0, 'custos scrub failed: ' + scrub.stdout + scrub.stderr);
  assert.ok(scrub.stdout.includes('scrub OK'), scrub.stdout);
  const whole = Number((/(\d+) (?:attachments and bundles|attachment or bundle) decrypted whole/.exec(scrub.stdout) || [])[1]);
  assert.ok(whole >= 1, 'the scrub decrypted no attachment: ' + scrub.stdout);
  return recordId;
}

async function createFile(base, who, name) {
  const author = await as(base, who);
  await author.goto(base + '/#/records/new');
  await author.waitForSelector('#new-record-form');
  await author.fill('#new-name', name);
  await author.selectOption('#new-cls', 'confidential');
  await author.fill('#new-address', '江苏省苏州市工业园区星湖街 99 号');
  await author.fill('#new-prices', '标准件 8.5 元/件');
  await author.fill('#new-reason', '新客户建档');
  await author.click('#new-submit');
  await author.waitForSelector('#record-name');
  return new URL(author.url().replace('#/record?', '?')).searchParams.get('id');
}

// Prints and exports count against the three views like views do, so the
// borrower (who used their three views of the first file) prints another.
async function printStory(base) {
  const recordId = await createFile(base, 'sales.qian', '无锡华晨电子有限公司 E2E');
  console.log('step: the borrower asks for a print loan until tomorrow');
  const borrower = await as(base, 'borrower');
  await borrower.evaluate(() => localStorage.setItem('custos.lang', 'zh-CN'));
  await borrower.goto(base + '/#/record?id=' + recordId);
  await borrower.waitForSelector('#borrow-form');
  await until(borrower, () => document.documentElement.lang === 'zh-CN');
  assert.equal(await borrower.locator('#use-card').count(), 0, 'no print action without a print loan');
  await borrower.selectOption('#borrow-kind', 'print');
  await borrower.fill('#borrow-reason', '拜访前打印报价单，带到客户现场');
  await borrower.fill('#borrow-due', await borrower.evaluate(async () => (await import(location.origin + '/js/common.js')).localInput(Date.now() + 24 * 3600000)));
  await borrower.click('#borrow-submit');
  await borrower.waitForSelector('#borrow-done');
  assert.ok((await borrower.textContent('#borrow-done')).includes('打印'));
  await borrower.selectOption('#borrow-kind', 'export');
  await borrower.fill('#borrow-reason', '导出客户资料交区域经理复核');
  await borrower.click('#borrow-submit');
  await until(borrower, () => document.querySelectorAll('#borrow-form .notice').length === 2);
  await shot(borrower, 'borrower-requests-print-and-export');

  console.log('step: the approver approves it, is refused a too long extension, then extends it');
  const approver = await as(base, 'approver');
  await approver.goto(base + '/#/approvals');
  await approver.waitForSelector('#approval-queue');
  const req = approver.locator('#approval-queue tr', { hasText: '李娜' }).filter({ hasText: '打印' });
  await req.locator('input.comment').fill('同意打印一份');
  await req.locator('button.ok').click();
  await until(approver, () => ![...document.querySelectorAll('#approval-queue tr')].some((r) => r.textContent.includes('打印')));
  await approver.locator('#approval-queue tr', { hasText: '导出客户资料' }).locator('button.ok').click();
  await until(approver, () => ![...document.querySelectorAll('#approval-queue tr')].some((r) => r.textContent.includes('导出客户资料')));
  await approver.waitForSelector('#open-loans');
  const open = approver.locator('#open-loans tr', { hasText: '李娜' }).filter({ hasText: '打印' });
  await open.waitFor();
  const tooLong = await approver.evaluate(async () => (await import(location.origin + '/js/common.js')).localInput(Date.now() + 100 * 3600000));
  await open.locator('input.extend-due').fill(tooLong);
  await open.locator('button.extend').click();
  const extErr = open.locator('.error');
  await extErr.filter({ hasText: /./ }).waitFor();
  assert.equal(await extErr.getAttribute('data-rule'), 'loan.too_long');
  const extText = await extErr.textContent();
  assert.ok(extText.includes('借阅期限超过规定的最长期限') && !extText.includes('longer'), 'refusal not in Chinese: ' + extText);
  await shot(approver, 'approver-extension-refused-zh');
  const newDueMs = await approver.evaluate(() => { const d = new Date(Date.now() + 48 * 3600000); d.setSeconds(0, 0); return d.getTime(); });
  const newDueText = await approver.evaluate(async (ms) => (await import(location.origin + '/js/i18n.js')).fmtTime(ms), newDueMs);
  await open.locator('input.extend-due').fill(await approver.evaluate(async (ms) => (await import(location.origin + '/js/common.js')).localInput(ms), newDueMs));
  await open.locator('input.comment').fill('客户推迟会面，延期一天');
  await open.locator('button.extend').click();
  await until(approver, (t) => {
    const row = [...document.querySelectorAll('#open-loans tr')].find((r) => r.textContent.includes('李娜') && r.textContent.includes('打印'));
    return row && row.querySelector('.due-at').textContent === t;
  }, newDueText);
  await shot(approver, 'approver-extended-loan');

  console.log('step: the borrower sees the new due time and prints under the loan');
  await as(base, 'borrower');
  await borrower.goto(base + '/#/loans');
  await borrower.waitForSelector('#my-loans');
  const mine = borrower.locator('#my-loans tr', { hasText: '打印' });
  assert.equal(await mine.locator('.due-at').textContent(), newDueText);
  await shot(borrower, 'borrower-loan-extended');
  await borrower.goto(base + '/#/record?id=' + recordId);
  await borrower.waitForSelector('#use-card');
  assert.equal(await borrower.locator('#use-copy').count(), 0, 'no copy without a copy loan');
  // Headless Chromium has no print dialog: count the calls instead.
  await borrower.evaluate(() => { window.printCalls = 0; window.print = () => { window.printCalls += 1; }; });
  await borrower.fill('#use-reason', '拜访前打印报价单');
  await borrower.click('#use-print');
  await borrower.waitForSelector('#print-view');
  await until(borrower, () => window.printCalls === 1);
  const seq = await borrower.getAttribute('#use-done', 'data-seq');
  assert.match(seq, /^\d+$/);
  await borrower.emulateMedia({ media: 'print' });
  assert.notEqual(await borrower.evaluate(() => getComputedStyle(document.body).display), 'none');
  assert.ok(await borrower.isVisible('#print-view'), 'print view hidden in print');
  assert.equal(await borrower.locator('#print-view .banner[data-classification=confidential]').count(), 2);
  assert.ok(await borrower.locator('#print-view .banner').first().isVisible(), 'marking hidden in print');
  const mark = await borrower.textContent('#print-mark');
  assert.ok(mark.includes('李娜') && mark.includes(seq), 'print mark: ' + mark);
  assert.ok(await borrower.locator('#print-view .watermark span').first().isVisible(), 'watermark hidden in print');
  assert.ok((await borrower.textContent('#print-view .watermark span')).includes(seq));
  assert.ok((await borrower.textContent('#print-view')).includes('星湖街'));
  for (const hidden of ['#borrow-form', '#use-card', 'header.topbar']) {
    assert.equal(await borrower.isVisible(hidden), false, hidden + ' printed');
  }
  assert.equal(await borrower.evaluate(() => getComputedStyle(document.querySelector('#print-view')).userSelect), 'none');
  await shot(borrower, 'borrower-print-view');
  await borrower.emulateMedia({ media: 'screen' });

  console.log('step: the borrower exports it under the export loan');
  const [download] = await Promise.all([borrower.waitForEvent('download'), borrower.click('#use-export')]);
  const exported = JSON.parse(fs.readFileSync(await download.path(), 'utf8'));
  assert.equal(exported.marking.id, 'confidential');
  assert.equal(exported.marking_text, '【秘密 · CONFIDENTIAL】');
  assert.equal(exported.watermark.viewer_name, '李娜');
  assert.equal(String(exported.watermark.audit_seq), await borrower.getAttribute('#use-done', 'data-seq'));
  assert.ok(exported.content.address.includes('星湖街'));
  // Only a print just made may reach paper; after the export nothing may.
  assert.equal(await borrower.evaluate(() => document.body.classList.contains('print-ok')), false);
  await shot(borrower, 'borrower-exported');
}

main().catch((e) => { console.error('e2e FAILED:', e && e.stack ? e.stack : e); process.exit(1); });
