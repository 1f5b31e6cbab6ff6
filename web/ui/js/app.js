// The Custos single-page UI: native ES modules, no build step, no inline
// script (index.html loads this one module). Each page module exports its
// routes; they are added to the router here, the header's buttons are wired,
// and the first page renders.

import * as account from './account.js';
import * as agreements from './agreements.js';
import * as audit from './audit.js';
import * as departures from './departures.js';
import * as employment from './employment.js';
import * as evidence from './evidence.js';
import * as home from './home.js';
import { initLang, toggleLang } from './i18n.js';
import * as loans from './loans.js';
import * as noncompete from './noncompete.js';
import * as policy from './policy.js';
import * as records from './records.js';
import { addRoutes, go, render, start } from './router.js';
import { api, clearSession } from './session.js';
import * as users from './users.js';

for (const page of [account, home, records, loans, audit, policy, users, agreements, noncompete, employment, departures, evidence]) {
  addRoutes(page.routes);
}

initLang();
document.getElementById('lang').addEventListener('click', () => { toggleLang(); render(); });
document.getElementById('logout').addEventListener('click', async () => {
  await api('DELETE', '/api/v1/session');
  clearSession();
  go('#/login');
});
window.addEventListener('hashchange', records.forgetPrint);
start();
