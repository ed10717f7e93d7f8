// The console's entry: the token form and a hash router (#/ the queue, #/case/<alertId> a case, #/search?q= and
// #/entity/<type>/<value> pivot and search).
import { token } from './api.js';
import { renderCase } from './case.js';
import { renderQueue } from './queue.js';
import { entityRouteOf, renderEntity, renderSearch, searchRouteOf, wireSearchForm } from './search.js';

const view = /** @type {HTMLElement} */ (document.getElementById('view'));
const form = /** @type {HTMLFormElement} */ (document.getElementById('token-form'));
const input = /** @type {HTMLInputElement} */ (document.getElementById('token'));
const state = /** @type {HTMLElement} */ (document.getElementById('token-state'));

function showTokenState() {
  state.textContent = token.get() ? 'Token set for this tab.' : 'No token: paste yours.';
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

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const value = input.value.trim();
  if (!value) return;
  token.set(value);
  input.value = '';
  showTokenState();
  void route();
});
document.getElementById('forget-token')?.addEventListener('click', () => {
  token.clear();
  showTokenState();
  void route();
});
window.addEventListener('hashchange', () => {
  void route();
  view.focus();
});
wireSearchForm(/** @type {HTMLFormElement} */ (document.getElementById('search-form')));
showTokenState();
void route();
