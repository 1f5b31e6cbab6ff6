// Loans: the borrower's own, the approvers' queue (with extensions) and the
// custodians' release and take-back lists.

import { fmtTime, isOpenLoan, loanList, loanState, localInput, marking, person } from './common.js';
import { actionButton, dateInput, el, emptyOr, table, toast } from './dom.js';
import { queueCard as evidenceQueueCard } from './evidence.js';
import { t } from './i18n.js';
import { render } from './router.js';
import { api, me, showError } from './session.js';

async function loanTable(loans, actions, id) {
  const rows = loans.map((l) => {
    const err = el('div', { class: 'error' });
    const comment = el('input', { class: 'comment', placeholder: t('common.comment'), 'aria-label': t('common.comment') });
    const acts = actions(l, comment, err);
    return el('tr', { 'data-loan': l.id },
      el('td', {}, el('a', { href: '#/record?id=' + encodeURIComponent(l.record), text: l.record_name || l.record })),
      el('td', {}, l.marking ? marking(l.marking.id) : null),
      el('td', { text: t('kind.' + l.kind) }),
      el('td', {}, el('span', { text: person(l.requester_person) }), l.requester === me().id && acts.length ? el('span', { class: 'muted', i18n: 'appr.own' }) : null),
      el('td', { class: 'reason', text: l.reason }),
      el('td', {}, loanState(l), l.overdue ? el('span', { class: 'tag danger', i18n: 'loans.overdue' }) : null),
      el('td', { class: 'due' }, el('span', { class: 'due-at', text: fmtTime(l.due) }),
        l.extension_due ? el('div', { class: 'muted ext-pending', text: t('ext.asked', { due: fmtTime(l.extension_due) }) }) : null),
      el('td', { class: 'acts' }, acts.length ? comment : null, ...acts, err));
  });
  return emptyOr(rows, table(['common.record', 'records.classification', 'loans.kind', 'loans.requester', 'common.reason', 'loans.state', 'loans.due', 'loans.actions'], rows, { id }));
}

function stepper(path, needComment, commentKey = 'appr.comment_needed') {
  return async (l, comment, err) => {
    err.textContent = '';
    if (needComment && !comment.value.trim()) { err.textContent = t(commentKey); return; }
    const x = await api('POST', '/api/v1/loans/' + encodeURIComponent(l.id) + '/' + path, { comment: comment.value });
    if (!x.ok) { showError(err, x); return; }
    toast(t('appr.done'));
    render();
  };
}

// An extension is a new approval of a later due time (counted like
// approvals); the answer shows the new due time, or the pending one.
async function extendLoan(l, due, comment, err) {
  err.textContent = '';
  if (!due) { err.textContent = t('ext.due_needed'); return; }
  const x = await api('POST', '/api/v1/loans/' + encodeURIComponent(l.id) + '/extend', { due, comment: comment.value });
  if (!x.ok) { showError(err, x); return; }
  const n = x.body.loan;
  toast(n.extension_due ? t('ext.pending', { due: fmtTime(n.extension_due) }) : t('ext.done', { due: fmtTime(n.due) }));
  await render();
}

async function viewMyLoans() {
  const loans = await loanList('mine');
  const ret = stepper('return', false);
  // A request not yet decided may be withdrawn by its requester (with why).
  const withdraw = stepper('revoke', true, 'loans.withdraw_why');
  return el('div', {}, el('h1', { i18n: 'loans.title' }), el('div', { class: 'card' }, await loanTable(loans, (l, c, e) =>
    (['released', 'active', 'approved'].includes(l.state) ? [actionButton('loans.return', '', () => ret(l, c, e))]
      : l.state === 'requested' ? [actionButton('loans.withdraw', 'danger', () => withdraw(l, c, e))] : []), 'my-loans')));
}

async function viewApprovals() {
  const [loans, open] = await Promise.all([loanList('approve'), loanList('open')]);
  const approve = stepper('approve', false);
  const deny = stepper('deny', true);
  const now = Date.now();
  return el('div', {}, el('h1', { i18n: 'appr.title' }), await evidenceQueueCard(), el('div', { class: 'card' }, await loanTable(loans, (l, c, e) => (isOpenLoan(l) && l.extension_due
    ? [actionButton('ext.approve', 'ok', () => extendLoan(l, l.extension_due, c, e))]
    : [actionButton('appr.approve', 'ok', () => approve(l, c, e)), actionButton('appr.deny', 'danger', () => deny(l, c, e))]), 'approval-queue')),
  el('section', { class: 'card' }, el('h2', { i18n: 'ext.title' }), el('p', { class: 'muted', i18n: 'ext.desc' }),
    await loanTable(open.filter((l) => !l.due || l.due > now), (l, c, e) => {
      const until = dateInput({ type: 'datetime-local', class: 'extend-due', 'aria-label': t('ext.until'), value: localInput((l.due || now) + 24 * 3600000) });
      const due = () => (until.input.value ? new Date(until.input.value).getTime() : 0);
      return [el('label', { class: 'small', i18n: 'ext.until' }), until,
        actionButton('ext.submit', 'ok extend', () => extendLoan(l, due(), c, e))];
    }, 'open-loans')));
}

async function viewCustody() {
  const release = stepper('release', false);
  const back = stepper('return', false);
  const revoke = stepper('revoke', true, 'loans.revoke_why');
  const [rel, out, overdue] = await Promise.all([loanList('release'), loanList('out'), loanList('overdue')]);
  return el('div', {}, el('h1', { i18n: 'cust.title' }),
    el('section', { class: 'card' }, el('h2', { i18n: 'home.release' }), await loanTable(rel, (l, c, e) => [actionButton('cust.release', 'ok', () => release(l, c, e))], 'to-release')),
    el('section', { class: 'card' }, el('h2', { i18n: 'home.out' }), await loanTable(out, (l, c, e) => [actionButton('cust.takeback', '', () => back(l, c, e)), actionButton('cust.revoke', 'danger', () => revoke(l, c, e))], 'to-take-back')),
    el('section', { class: 'card' }, el('h2', { i18n: 'home.overdue' }), await loanTable(overdue, (l, c, e) => [actionButton('cust.takeback', '', () => back(l, c, e))], 'overdue')));
}

export const routes = { '#/loans': viewMyLoans, '#/approvals': viewApprovals, '#/custody': viewCustody };
