// The queue: GET /api/v1/alerts, most severe first, then oldest first; a severity filter; each title opens the case.
import { api } from './api.js';
import { age, el, problemBox, replace } from './dom.js';

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'informational'];
const rank = (severity) => {
  const i = SEVERITIES.indexOf(severity);
  return i === -1 ? SEVERITIES.length : i;
};

/** Most severe first; within a severity the higher score, then the older alert (it has waited longest). */
export function queueOrder(a, b) {
  return rank(a.severity) - rank(b.severity) || (b.riskScore ?? -1) - (a.riskScore ?? -1) || Date.parse(a.receivedAt) - Date.parse(b.receivedAt);
}

let severityFilter = '';

export async function renderQueue(view) {
  const select = el('select', { id: 'severity-filter', name: 'severity' }, el('option', { value: '', text: 'All severities' }), SEVERITIES.map((s) => el('option', { value: s, text: s })));
  select.value = severityFilter;
  const results = el('div', { id: 'queue-results', 'aria-live': 'polite' });
  const load = async () => {
    replace(results, el('p', { class: 'muted', text: 'Loading…' }));
    try {
      const query = new URLSearchParams({ limit: '200', ...(severityFilter ? { severity: severityFilter } : {}) });
      const { items } = await api(`/api/v1/alerts?${query}`);
      replace(results, queueTable([...items].sort(queueOrder)));
    } catch (error) {
      replace(results, problemBox(error));
    }
  };
  select.addEventListener('change', () => {
    severityFilter = select.value;
    void load();
  });
  replace(
    view,
    el('h2', { text: 'Alert queue' }),
    el('p', {}, el('label', { for: 'severity-filter', text: 'Severity ' }), select, ' ', el('button', { type: 'button', onclick: () => void load(), text: 'Refresh' })),
    results,
  );
  await load();
}

function queueTable(items) {
  if (items.length === 0) return el('p', { text: 'No alerts.' });
  const now = Date.now();
  return el(
    'table',
    { id: 'queue' },
    el('caption', { class: 'muted', text: `${items.length} alert(s), most severe first, then oldest first` }),
    el('thead', {}, el('tr', {}, ['Severity', 'Score', 'Verdict', 'Title', 'Tenant', 'Stage', 'Age'].map((h) => el('th', { scope: 'col', text: h })))),
    el(
      'tbody',
      {},
      items.map((a) =>
        el(
          'tr',
          { 'data-alert-id': a.alertId },
          el('td', { class: `sev-${a.severity}`, text: a.severity }),
          el('td', { text: a.riskScore ?? '—' }),
          el('td', { text: a.verdict ?? '—' }),
          el('td', {}, el('a', { href: `#/case/${encodeURIComponent(a.alertId)}`, text: a.title || a.alertId })),
          el('td', { text: a.tenantId ?? '' }),
          el('td', { text: a.stage }),
          el('td', {}, el('time', { datetime: a.receivedAt, title: a.receivedAt, text: age(a.receivedAt, now) })),
        ),
      ),
    ),
  );
}
