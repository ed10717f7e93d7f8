// The console's entry: the token form and a hash router (#/ the queue, #/case/<alertId> a case, #/kpis, #/admin/…).
import { renderDeadLetters, renderQuarantine } from './admin.js';
import { token } from './api.js';
import { renderCase } from './case.js';
import { renderKpis } from './kpis.js';
import { renderQueue } from './queue.js';

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
  if (hash === '#/kpis') return renderKpis(view);
  if (hash === '#/admin/dead-letters') return renderDeadLetters(view);
  if (hash === '#/admin/quarantine') return renderQuarantine(view);
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
showTokenState();
void route();
