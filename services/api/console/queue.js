// The queue: GET /api/v1/cases, the analyst's queue of case groups (priority by default: most severe, SLA due
// soonest, highest score), with filters, sort, "Take" (assign the group's lead alert to me) and paging by cursor.
// `refresh()` reloads the page shown (live updates call it).
import { api } from './api.js';
import { age, el, notice, problemBox, replace } from './dom.js';

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'informational'];
const VERDICTS = ['true-positive', 'benign-positive', 'false-positive', 'needs-more-information', 'none'];
const STATUSES = ['open', 'new', 'in-progress', 'on-hold', 'resolved'];

/** The filters and sort chosen (kept while the console is open). */
const filters = { severity: '', verdict: '', status: 'open', assignee: '', sort: 'priority' };
/** The cursors of the pages before the one shown (for "Previous") and of the one shown. */
let cursors = [];
let current;
/** The mounted queue's loader, or undefined when the queue is not shown. */
let reload;
let ticker;

/** Reloads the page of the queue shown, if the queue is shown (live updates call it). */
export function refresh() {
  return reload ? reload() : Promise.resolve();
}

/** Time left to the SLA, or how long it is overdue (said in words, not by colour only). */
export function slaText(row, now = Date.now()) {
  if (row.status === 'resolved') return { text: 'resolved', overdue: false };
  if (!row.slaDueAt) return { text: '—', overdue: false };
  const ms = Date.parse(row.slaDueAt) - now;
  const span = (x) => {
    const min = Math.floor(Math.abs(x) / 60_000);
    return min < 60 ? `${min} min` : min < 48 * 60 ? `${Math.floor(min / 60)} h ${min % 60} min` : `${Math.floor(min / 1440)} d`;
  };
  return ms < 0 ? { text: `overdue by ${span(ms)}`, overdue: true } : { text: `${span(ms)} left`, overdue: false };
}

const select = (id, label, options, key) => {
  const node = el('select', { id, name: key }, options.map(([value, text]) => el('option', { value, text })));
  node.value = filters[key];
  return [el('label', { for: id, text: `${label} ` }), node, ' '];
};

export async function renderQueue(view) {
  const results = el('div', { id: 'queue-results', 'aria-live': 'polite' });
  const messages = el('div', { id: 'queue-messages' });
  const controls = el(
    'form',
    { id: 'queue-filters', 'aria-label': 'Filters' },
    select('severity-filter', 'Severity', [['', 'All severities'], ...SEVERITIES.map((s) => [s, s])], 'severity'),
    select('verdict-filter', 'Verdict', [['', 'Any verdict'], ...VERDICTS.map((v) => [v, v === 'none' ? 'not triaged' : v])], 'verdict'),
    select('status-filter', 'Status', [['', 'Any status'], ...STATUSES.map((s) => [s, s === 'open' ? 'open (not resolved)' : s])], 'status'),
    select('assignee-filter', 'Assignee', [['', 'Anyone'], ['me', 'Me'], ['unassigned', 'Unassigned']], 'assignee'),
    select('sort-order', 'Sort', [['priority', 'Priority'], ['newest', 'Newest activity'], ['oldest', 'Oldest first']], 'sort'),
    el('button', { type: 'button', onclick: () => void refresh(), text: 'Refresh' }),
  );
  controls.addEventListener('change', (event) => {
    const target = /** @type {HTMLSelectElement} */ (event.target);
    filters[target.name] = target.value;
    cursors = [];
    current = undefined;
    void refresh();
  });
  const load = async () => {
    try {
      const query = new URLSearchParams({ limit: '50', ...Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== '')), ...(current ? { cursor: current } : {}) });
      const page = await api(`/api/v1/cases?${query}`);
      replace(results, queueTable(page, messages));
    } catch (error) {
      replace(results, problemBox(error));
    }
  };
  reload = load;
  clearInterval(ticker);
  // The SLA column counts down while the page is open; it stops when the queue is no longer shown.
  ticker = setInterval(() => {
    const cells = document.querySelectorAll('#queue [data-sla-due]');
    if (cells.length === 0 && !document.getElementById('queue-results')) {
      clearInterval(ticker);
      reload = undefined;
      return;
    }
    for (const cell of cells) showSla(cell, { slaDueAt: cell.getAttribute('data-sla-due'), status: cell.getAttribute('data-status') });
  }, 30_000);
  replace(view, el('h2', { text: 'Case queue' }), controls, messages, results);
  replace(results, el('p', { class: 'muted', text: 'Loading…' }));
  await load();
}

function showSla(cell, row) {
  const { text, overdue } = slaText(row);
  cell.textContent = text;
  cell.classList.toggle('overdue', overdue);
}

function take(row, messages) {
  return async () => {
    try {
      const answer = await api(`/api/v1/alerts/${encodeURIComponent(row.firstAlertId)}/assignee`, { method: 'PUT', body: { assignee: 'me', expected: row.assignee ?? null } });
      // The group shows it once the case view has folded the event (a moment later): wait for that, ~5 s at most.
      for (let i = 0; i < 25; i++) {
        const group = await api(`/api/v1/cases/${encodeURIComponent(row.groupId)}`);
        if (group.assignee === answer.assignee) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      replace(messages, notice(`Taken: ${row.title || row.groupId} is assigned to ${answer.assignee}.`));
    } catch (error) {
      replace(messages, problemBox(error));
    }
    await refresh();
  };
}

function queueTable(page, messages) {
  const { items } = page;
  const pager = el(
    'p',
    { id: 'queue-pager' },
    cursors.length > 0 || current ? el('button', { type: 'button', onclick: () => ((current = cursors.pop()), void refresh()), text: 'Previous' }) : null,
    ' ',
    page.next ? el('button', { type: 'button', onclick: () => (cursors.push(current), (current = page.next), void refresh()), text: 'Next' }) : null,
    page.scope?.truncated ? el('span', { class: 'muted', text: ' Only the 1000 case groups with the newest activity are searched.' }) : null,
  );
  if (items.length === 0) return [el('p', { text: 'No cases.' }), pager];
  const now = Date.now();
  return [
    el(
      'table',
      { id: 'queue' },
      el('caption', { class: 'muted', text: `${items.length} case group(s) on this page, ${filters.sort === 'priority' ? 'most urgent first' : filters.sort === 'newest' ? 'newest activity first' : 'oldest first'}` }),
      el('thead', {}, el('tr', {}, ['Severity', 'SLA', 'Score', 'Verdict', 'Title', 'Alerts', 'Age', 'Assignee', 'Status', 'Actions'].map((h) => el('th', { scope: 'col', text: h })))),
      el(
        'tbody',
        {},
        items.map((g) => {
          const sla = el('td', { class: 'sla', 'data-sla-due': g.slaDueAt ?? '', 'data-status': g.status });
          showSla(sla, g);
          return el(
            'tr',
            { 'data-alert-id': g.firstAlertId, 'data-group-id': g.groupId },
            el('td', { class: `sev-${g.severity}`, text: g.severity }),
            sla,
            el('td', { text: g.riskScore ?? '—' }),
            el('td', { text: g.verdict ?? '—' }),
            el('td', {}, el('a', { href: `#/case/${encodeURIComponent(g.firstAlertId)}`, text: g.title || g.firstAlertId })),
            el('td', { text: g.count }),
            el('td', {}, el('time', { datetime: g.firstSeen, title: g.firstSeen, text: age(g.firstSeen, now) })),
            el('td', { class: 'assignee', text: g.assignee ?? '—' }),
            el('td', { class: 'status', text: g.status }),
            el('td', {}, g.assignee ? null : el('button', { type: 'button', class: 'take', 'aria-label': `Take ${g.title || g.groupId}`, onclick: take(g, messages), text: 'Take' })),
          );
        }),
      ),
    ),
    pager,
  ];
}
