// The case page's facts, each under a stable element id a citation can point at (`fact-<kind>-<id>`), the
// enrichment facts section and the alert's revisions. Everything is text (`textContent`).
import { el } from './dom.js';

/**
 * The element id of a fact of the case page: `fact-<kind>-<id>`, where `id` is the id the API gives (an entity's
 * id, an enrichment fact's id, a factor's name, an ATT&CK technique id) with every character other than a letter,
 * digit or `-` written as `_<hex code>_`, so the result is a valid id and two different ids never meet.
 * @param {'entity'|'fact'|'factor'|'attack'} kind
 * @param {string} id
 */
export function factAnchor(kind, id) {
  return `fact-${kind}-${String(id).replace(/[^A-Za-z0-9-]/g, (ch) => `_${(ch.codePointAt(0) ?? 0).toString(16)}_`)}`;
}

/** The element id a chat citation (`{ kind: 'entity'|'fact'|'factor', id }`; a factor's id is `factor:<name>`) points at. */
export function citationAnchor(citation) {
  return citation.kind === 'factor' ? factAnchor('factor', String(citation.id).replace(/^factor:/, '')) : factAnchor(citation.kind, citation.id);
}

/**
 * Attributes that make an element the target of a fact's anchor: its id (only for the first element of that id, so
 * ids stay unique) and `tabindex="-1"`, so a citation can move the focus to it.
 * @param {Set<string>} used the ids given so far on this page
 */
export function anchorProps(used, kind, id) {
  const anchor = factAnchor(kind, id);
  if (used.has(anchor)) return {};
  used.add(anchor);
  return { id: anchor, tabindex: '-1', class: 'fact' };
}

/** Scrolls to the fact `anchor` and moves the focus to it; false when the page does not show it. */
export function focusFact(anchor) {
  const target = document.getElementById(anchor);
  if (!target) return false;
  target.scrollIntoView?.({ block: 'center' });
  target.focus({ preventScroll: true });
  return true;
}

/** The enrichment facts of the case, each with its anchor. */
export function enrichmentSection(enrichment, used) {
  const facts = enrichment?.facts ?? [];
  return el(
    'section',
    { id: 'enrichment', 'aria-labelledby': 'enrichment-h' },
    el('h2', { id: 'enrichment-h', text: 'Enrichment facts' }),
    !enrichment
      ? el('p', { text: 'Not enriched yet.' })
      : facts.length
        ? el(
            'table',
            {},
            el('caption', { class: 'visually-hidden', text: 'Enrichment facts' }),
            el('thead', {}, el('tr', {}, ['Fact', 'Kind', 'About', 'Source', 'Observed'].map((h) => el('th', { scope: 'col', text: h })))),
            el(
              'tbody',
              {},
              facts.map((f) =>
                el(
                  'tr',
                  anchorProps(used, 'fact', f.id),
                  el('td', {}, f.statement, ' ', el('code', { class: 'muted', text: f.id })),
                  el('td', { text: f.kind }),
                  el('td', { text: f.entityId ?? '' }),
                  el('td', { text: `${f.source}${f.cacheHit ? ' (cached)' : ''}${typeof f.confidence === 'number' ? `, confidence ${Math.round(f.confidence * 100)} %` : ''}` }),
                  el('td', {}, el('time', { datetime: f.observedAt, text: f.observedAt })),
                ),
              ),
            ),
          )
        : el('p', { text: 'No facts.' }),
  );
}

/** The alert's revisions (newest first; the case shows the current one): when each arrived and what changed. */
export function revisionsSection(c) {
  const revisions = c.revisions ?? [];
  const current = revisions.find((r) => r.current);
  return el(
    'section',
    { id: 'revisions', 'aria-labelledby': 'revisions-h' },
    el('h2', { id: 'revisions-h', text: 'Revisions' }),
    el('p', { id: 'revision-shown', text: current ? `This page shows revision ${current.key ?? '(before revisions)'}${revisions.length > 1 ? `, the newest of ${revisions.length}` : ', the only one'}.` : 'No revision recorded yet.' }),
    revisions.length
      ? el(
          'table',
          {},
          el('caption', { class: 'visually-hidden', text: 'Revisions of the alert, newest first' }),
          el('thead', {}, el('tr', {}, ['Revision', 'Received', 'Source time', 'Sender', 'Severity', 'Status', 'What changed', 'Stage', 'Verdict and score'].map((h) => el('th', { scope: 'col', text: h })))),
          el(
            'tbody',
            {},
            revisions.map((r, i) =>
              el(
                'tr',
                { class: r.current ? 'revision current' : 'revision', 'data-revision': r.key ?? '' },
                el('th', { scope: 'row' }, el('code', { text: r.key ?? '(before revisions)' }), r.current ? el('strong', { text: ' (shown)' }) : null),
                el('td', {}, r.receivedAt ? el('time', { datetime: r.receivedAt, text: r.receivedAt }) : '—'),
                el('td', {}, r.at ? el('time', { datetime: r.at, text: r.at }) : '—'),
                el('td', { text: `${r.sender ?? '—'}${r.receivedVia ? ` (${r.receivedVia})` : ''}` }),
                el('td', { text: r.severity ?? '—' }),
                el('td', { text: r.status ?? '—' }),
                el('td', { class: 'revision-changes', text: r.changes?.length ? r.changes.join('; ') : i === revisions.length - 1 ? 'first revision' : '—' }),
                el('td', { text: r.stage }),
                el('td', { text: r.verdict ? `${r.verdict}, ${r.riskScore ?? '—'}/100` : '—' }),
              ),
            ),
          ),
        )
      : null,
  );
}

/**
 * A link to a fact of the case page `alertId`: a click scrolls to the first of `anchors` the page shows and moves
 * the focus there, without changing `location.hash` (the router owns `#/…`). Its `href` is the case page itself,
 * so opening it in a new tab opens the case.
 * @param {string} alertId
 * @param {string[]} anchors candidate element ids, best first
 * @param {...(Node|string|null|undefined)} children
 */
export function factLink(alertId, anchors, ...children) {
  return el(
    'a',
    {
      href: `#/case/${encodeURIComponent(alertId)}`,
      class: 'fact-link',
      'data-fact': anchors[0],
      onclick: (event) => {
        if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        anchors.some((a) => focusFact(a));
      },
    },
    ...children,
  );
}
