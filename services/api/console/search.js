// Pivot and search: #/search?q=… (GET /api/v1/search, every term must match) and #/entity/<type>/<value> (GET
// /api/v1/entities/{type}/{value}/cases, every case of the caller's tenants with the entity). Results link to cases;
// every value is shown as text (titles and notes are attacker-written).
import { api } from './api.js';
import { age, el, problemBox, replace } from './dom.js';

/** Longest query the API accepts. */
const MAX_QUERY_LENGTH = 256;

/** The console link that lists the other cases with an entity (case.js puts it on each entity value). */
export function entityHref(type, value) {
  return `#/entity/${encodeURIComponent(type)}/${encodeURIComponent(value)}`;
}

/** The console link of a search. */
export function searchHref(q) {
  return `#/search?${new URLSearchParams({ q })}`;
}

/** The header's search box: submitting it opens the search page for its query. */
export function wireSearchForm(form) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const q = String(new FormData(form).get('q') ?? '').trim();
    if (q) location.hash = searchHref(q);
  });
}

/** `#/search?q=…` → the query, or undefined for another page. */
export function searchRouteOf(hash) {
  const match = /^#\/search(?:\?(.*))?$/.exec(hash);
  return match ? (new URLSearchParams(match[1] ?? '').get('q') ?? '') : undefined;
}

/** `#/entity/<type>/<value>` → `{ type, value }`, or undefined for another page. */
export function entityRouteOf(hash) {
  const match = /^#\/entity\/([^/]+)\/([^/]+)$/.exec(hash);
  return match ? { type: decodeURIComponent(match[1]), value: decodeURIComponent(match[2]) } : undefined;
}

export async function renderSearch(view, q) {
  const input = el('input', { id: 'search-page-q', name: 'q', type: 'search', maxlength: String(MAX_QUERY_LENGTH), required: true, spellcheck: 'false' });
  input.value = q;
  const form = el('form', { role: 'search', 'aria-label': 'Search cases' }, el('label', { for: 'search-page-q', text: 'Words, IPs, domains, users or hashes in titles and notes ' }), input, ' ', el('button', { type: 'submit', text: 'Search' }));
  wireSearchForm(form);
  const results = el('div', { id: 'search-results', 'aria-live': 'polite' });
  replace(view, el('p', {}, el('a', { href: '#/', text: '← Queue' })), el('h2', { text: 'Search cases' }), form, results);
  if (!q.trim()) return;
  replace(results, el('p', { class: 'muted', text: 'Searching…' }));
  try {
    const body = await api(`/api/v1/search?${new URLSearchParams({ q, limit: '100' })}`);
    replace(
      results,
      el('p', { class: 'muted', text: `${body.items.length} case(s) with every term (${body.terms.join(', ')}), newest first${body.truncated ? '; more matched than one search reads: narrow it' : ''}.` }),
      casesTable(body.items, 'Matched in', (c) => c.matched.join(', ')),
    );
  } catch (error) {
    replace(results, problemBox(error));
  }
}

export async function renderEntity(view, type, value) {
  const results = el('div', { id: 'entity-results', 'aria-live': 'polite' }, el('p', { class: 'muted', text: 'Loading…' }));
  replace(view, el('p', {}, el('a', { href: '#/', text: '← Queue' })), el('h2', {}, `Cases with ${type} `, el('code', { text: value })), results);
  try {
    const body = await api(`/api/v1/entities/${encodeURIComponent(type)}/${encodeURIComponent(value)}/cases?limit=100`);
    replace(
      results,
      el('p', { class: 'muted', text: `${body.items.length} case(s), newest first${body.truncated ? '; older ones are not listed' : ''}. Provenance "extracted" means the value was found in the alert's free text.` }),
      casesTable(body.items, 'Provenance', (c) => c.entity.origin),
    );
  } catch (error) {
    replace(results, problemBox(error));
  }
}

function casesTable(items, extraHeading, extra) {
  if (items.length === 0) return el('p', { text: 'No cases.' });
  const now = Date.now();
  return el(
    'table',
    { class: 'cases' },
    el('thead', {}, el('tr', {}, ['Severity', 'Verdict', 'Title', 'Tenant', extraHeading, 'Age'].map((h) => el('th', { scope: 'col', text: h })))),
    el(
      'tbody',
      {},
      items.map((c) =>
        el(
          'tr',
          { 'data-alert-id': c.alertId },
          el('td', { class: `sev-${c.severity}`, text: c.severity }),
          el('td', { text: c.verdict ?? '—' }),
          el('td', {}, el('a', { href: `#/case/${encodeURIComponent(c.alertId)}`, text: c.title || c.alertId })),
          el('td', { text: c.tenantId ?? '' }),
          el('td', { text: extra(c) }),
          el('td', {}, el('time', { datetime: c.receivedAt, title: c.receivedAt, text: age(c.receivedAt, now) })),
        ),
      ),
    ),
  );
}
