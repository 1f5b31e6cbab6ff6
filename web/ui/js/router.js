// Hash routes (#/records?q=…) to page views, and the shell around them (the
// navigation links a user's roles open, who is signed in, the language
// button). Page modules export their routes; app.js adds them here.

import { applyI18n, el } from './dom.js';
import { t } from './i18n.js';
import { hasRole, loadRoles, loadSession, onNavigate, state } from './session.js';

const routes = new Map();

// Adds { '#/path': async view() → Element } routes; a path is only ever one
// page's.
export function addRoutes(table) {
  for (const [hash, view] of Object.entries(table)) {
    if (routes.has(hash)) throw new Error('route ' + hash + ' defined twice');
    routes.set(hash, view);
  }
}

// Pages reachable without a session: the login and a setup link's page
// (users.js; the token follows in the hash).
function isPublicPage(hash) { return hash === '#/login' || hash.startsWith('#/setup/'); }

export function go(hash) { if (location.hash !== hash) location.hash = hash; else render(); }

function renderShell() {
  const logged = !!state.session;
  document.getElementById('nav').hidden = !logged;
  document.getElementById('logout').hidden = !logged;
  // A link for one role (data-role) or for any of several (data-roles="legal hr auditor").
  for (const a of document.querySelectorAll('#nav [data-role]')) a.hidden = !hasRole(a.dataset.role);
  for (const a of document.querySelectorAll('#nav [data-roles]')) a.hidden = !a.dataset.roles.split(' ').some((r) => hasRole(r));
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.getAttribute('href') === location.hash);
  const who = document.getElementById('whoami');
  who.textContent = logged ? (state.session.user.display_name || state.session.user.username) : '';
  document.getElementById('lang').textContent = t('lang.switch');
  applyI18n(document.querySelector('header'));
}

// Each render's number: a page still loading when the user has gone on to
// another (a quick second click) is dropped when it is ready, rather than
// shown under the other page's link.
let renders = 0;

// `followed`: the user followed a link to another address (hashchange),
// which opens at the top of its page like any link — a pager's 下一页 at
// the foot of a long table shows the next page from its first row. A page
// rebuilt where it is (an action on it, the language button) keeps its
// place.
export async function render(followed = false) {
  const mine = ++renders;
  const current = () => mine === renders;
  const hash = location.hash || '#/home';
  const main = document.getElementById('main');
  if (!isPublicPage(hash)) {
    const signedIn = await loadSession();
    if (!current()) return;
    if (!signedIn) { go('#/login'); return; }
    if (state.session.must_change_password && hash !== '#/password') { go('#/password'); return; }
    await loadRoles();
    if (!current()) return;
  }
  const key = hash.startsWith('#/setup/') ? '#/setup' : hash.split('?')[0];
  // An unknown link says so (the address bar keeps it), with the way home.
  const view = routes.get(key) || (() => el('div', { class: 'card', id: 'no-page' },
    el('p', { text: t('error.no_page', { page: key }) }), el('a', { href: '#/home', i18n: 'error.to_home' })));
  let page;
  try {
    page = await view();
  } catch (e) {
    // A page that failed to build says so rather than leaving the last one
    // (or nothing) under this page's link.
    console.error(e);
    page = el('div', { class: 'card error', role: 'alert', text: t('error.generic') });
  }
  if (!current()) return;
  main.replaceChildren(page);
  if (followed === true) window.scrollTo(0, 0);
  renderShell();
}

// For a page that rebuilds itself after an action on it (a signature, a
// user's form): the number of the render that showed it, taken when it is
// built (renderCount), and the rebuilt page shown only if the user has not
// gone on to another page meanwhile (replacePage).
export function renderCount() { return renders; }
export function replacePage(page, since) {
  if (since === renders) document.getElementById('main').replaceChildren(page);
}

// Renders the current route now and on every hash change.
export function start() {
  onNavigate(go);
  window.addEventListener('hashchange', () => render(true));
  render();
}
