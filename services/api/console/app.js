// The console's entry: the sign-in bar and a hash router (#/ the queue, #/case/<alertId> a case, #/search?q= and
// #/entity/<type>/<value> pivot and search, #/kpis, #/admin/…), and live updates.
import { renderDeadLetters, renderQuarantine } from './admin.js';
import { renderCase } from './case.js';
import { renderKpis } from './kpis.js';
import { debounce, startLive } from './live.js';
import { renderQueue } from './queue.js';
import { entityRouteOf, renderEntity, renderSearch, searchRouteOf, wireSearchForm } from './search.js';
import { currentSession, refreshSession, signIn, signInOptions, signOut } from './session.js';

const view = /** @type {HTMLElement} */ (document.getElementById('view'));
const form = /** @type {HTMLFormElement} */ (document.getElementById('token-form'));
const input = /** @type {HTMLInputElement} */ (document.getElementById('token'));
const state = /** @type {HTMLElement} */ (document.getElementById('token-state'));
const signOutButton = /** @type {HTMLButtonElement} */ (document.getElementById('sign-out'));
const oidcLink = /** @type {HTMLElement} */ (document.getElementById('oidc-login'));

function showSession() {
  const session = currentSession();
  form.hidden = session !== null;
  signOutButton.hidden = session === null;
  oidcLink.hidden = session !== null || !signInOptions().oidc;
  state.textContent = session ? `Signed in as ${session.principal} (${session.roles.join(', ') || 'no role'})` : 'Not signed in.';
}

/**
 * Renders the page of the current hash into a fresh container: a page still loading when the route changes writes
 * into its own container, which is no longer shown, so an older page never replaces a newer one.
 */
function route() {
  const page = document.createElement('div');
  view.replaceChildren(page);
  const hash = location.hash || '#/';
  const match = /^#\/case\/([^/]+)$/.exec(hash);
  if (match) return renderCase(page, decodeURIComponent(match[1]));
  const q = searchRouteOf(hash);
  if (q !== undefined) return renderSearch(page, q);
  const entity = entityRouteOf(hash);
  if (entity) return renderEntity(page, entity.type, entity.value);
  if (hash === '#/kpis') return renderKpis(page);
  if (hash === '#/admin/dead-letters') return renderDeadLetters(page);
  if (hash === '#/admin/quarantine') return renderQuarantine(page);
  return renderQueue(page);
}

// Live updates: a hint re-renders the current page (the queue on any change, a case on its own, the KPIs at most
// every 10 s), unless the analyst is typing in it; then the page says it changed.
const liveState = /** @type {HTMLElement} */ (document.getElementById('live-state'));
const typing = () => {
  const active = document.activeElement;
  return (active !== null && view.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName)) || [...view.querySelectorAll('textarea')].some((t) => t.value !== '');
};
const refreshSoon = debounce(() => {
  if (typing()) liveState.textContent = 'This page changed: press Refresh or reload.';
  else void route();
}, 1000);
const refreshKpisSoon = debounce(() => void route(), 10_000);
const live = startLive({
  onState: (text) => {
    liveState.textContent = text;
  },
  onChange: (hint) => {
    const hash = location.hash || '#/';
    const open = /^#\/case\/([^/]+)$/.exec(hash);
    if (hash === '#/' || hint.reconnected || (open && decodeURIComponent(open[1]) === hint.alertId)) refreshSoon();
    else if (hash === '#/kpis') refreshKpisSoon();
  },
});

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const value = input.value.trim();
  if (!value) return;
  input.value = '';
  const result = await signIn(value);
  showSession();
  if (result.error) state.textContent = `Sign-in failed: ${result.error}`;
  live.restart();
  void route();
});
signOutButton.addEventListener('click', async () => {
  await signOut();
  showSession();
  live.restart();
  void route();
});
window.addEventListener('soc:session-ended', () => {
  showSession();
  live.restart();
});
window.addEventListener('hashchange', () => {
  void route();
  view.focus();
});
wireSearchForm(/** @type {HTMLFormElement} */ (document.getElementById('search-form')));
void refreshSession().then(() => {
  showSession();
  live.restart();
  void route();
});
