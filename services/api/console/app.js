// The console's entry: the token form and a hash router (#/ the queue, #/case/<alertId> a case, #/kpis, #/admin/…).
import { renderDeadLetters, renderQuarantine } from './admin.js';
import { token } from './api.js';
import { renderCase } from './case.js';
import { renderKpis } from './kpis.js';
import { debounce, startLive } from './live.js';
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

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const value = input.value.trim();
  if (!value) return;
  token.set(value);
  input.value = '';
  showTokenState();
  live.restart();
  void route();
});
document.getElementById('forget-token')?.addEventListener('click', () => {
  token.clear();
  showTokenState();
  live.restart();
  void route();
});
window.addEventListener('hashchange', () => {
  void route();
  view.focus();
});
showTokenState();
void route();
