// The console's entry: the sign-in bar and a hash router (#/ the queue, #/case/<alertId> a case, #/search?q= and
// #/entity/<type>/<value> pivot and search).
import { currentSession, refreshSession, signIn, signInOptions, signOut } from './session.js';
import { renderCase } from './case.js';
import { renderQueue } from './queue.js';
import { entityRouteOf, renderEntity, renderSearch, searchRouteOf, wireSearchForm } from './search.js';

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

function route() {
  const hash = location.hash || '#/';
  const match = /^#\/case\/([^/]+)$/.exec(hash);
  if (match) return renderCase(view, decodeURIComponent(match[1]));
  const q = searchRouteOf(hash);
  if (q !== undefined) return renderSearch(view, q);
  const entity = entityRouteOf(hash);
  if (entity) return renderEntity(view, entity.type, entity.value);
  return renderQueue(view);
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const value = input.value.trim();
  if (!value) return;
  input.value = '';
  const result = await signIn(value);
  showSession();
  if (result.error) state.textContent = `Sign-in failed: ${result.error}`;
  void route();
});
signOutButton.addEventListener('click', async () => {
  await signOut();
  showSession();
  void route();
});
window.addEventListener('soc:session-ended', () => showSession());
window.addEventListener('hashchange', () => {
  void route();
  view.focus();
});
wireSearchForm(/** @type {HTMLFormElement} */ (document.getElementById('search-form')));
void refreshSession().then(() => {
  showSession();
  void route();
});
