// Hunt queries on the case page: the case's guard-approved KQL (GET /api/v1/alerts/{id}/hunts: vetted templates
// filled with the case's entities as escaped literals, each one allowed by the guard), what each looks for, and
// **Copy** / **Run** (POST /api/v1/hunt/queries, role hunter; validate-only unless the deployment executes). What
// the guard or the literal checks refused is listed with why, never offered to run. `huntCard` is shared with the
// case chat (chat.js). Everything is text (`textContent`).
import { api } from './api.js';
import { el, notice, problemBox, replace } from './dom.js';

/** The hunts section of the case page `c`; fills itself in when the hunt list arrives. */
export function huntsSection(c) {
  const body = el('div', { id: 'hunts-body', 'aria-busy': 'true' }, el('p', { class: 'muted', text: 'Loading hunt queries…' }));
  const section = el('section', { id: 'hunts', 'aria-labelledby': 'hunts-h' }, el('h2', { id: 'hunts-h', text: 'Hunt queries' }), body);
  void api(`/api/v1/alerts/${encodeURIComponent(c.alertId)}/hunts`).then(
    (h) => {
      body.removeAttribute('aria-busy');
      replace(body, huntList(h, c));
    },
    (error) => {
      body.removeAttribute('aria-busy');
      replace(body, problemBox(error));
    },
  );
  return section;
}

function huntList(h, c) {
  const queries = h.queries ?? [];
  const dropped = h.dropped ?? [];
  const copilot = h.copilot ?? [];
  return [
    el('p', { class: 'muted', text: `Vetted templates filled with this case's entities, each allowed by the query guard; look-back ${h.lookbackDays} day(s). Run needs the hunter role.` }),
    queries.length ? queries.map((q, i) => huntCard(q, `case-${i}`, { purpose: `case hunt: ${c.alertId}`, correlationId: c.correlationId })) : el('p', { text: 'No hunt template applies to this case’s entities.' }),
    copilot.length
      ? el('div', {}, el('h3', { text: 'Suggested by the copilot (passed the same guard in triage)' }), copilot.map((q, i) => huntCard(typeof q === 'string' ? { title: 'Copilot query', language: 'kql', query: q } : q, `copilot-${i}`, { purpose: `case hunt: ${c.alertId}`, correlationId: c.correlationId })))
      : null,
    dropped.length
      ? el(
          'details',
          { class: 'hunts-dropped' },
          el('summary', { text: `${dropped.length} hunt(s) not offered` }),
          el('ul', {}, dropped.map((d) => el('li', {}, el('code', { text: d.templateId }), ` for ${d.entityId}: ${d.reason} — ${d.message}`, d.guardReasons?.length ? ` (${d.guardReasons.map((r) => `${r.code}: ${r.message}`).join('; ')})` : ''))),
        )
      : null,
  ].flat();
}

/**
 * One hunt query: its title and purpose (what it looks for), entity, language, tables and ATT&CK, the query in `<pre><code>`,
 * **Copy** (the clipboard; else the text is selected for Ctrl+C) and, for KQL, **Run** through the hunt API.
 * @param {{ title?: string, purpose?: string, entityId?: string, language?: string, tables?: string[], attack?: string[], query: string, verdict?: { verdict?: string } }} h
 * @param {string} key distinguishes the card on the page (`data-hunt`)
 * @param {{ purpose: string, correlationId?: string }} run what the audit trail records of a run
 */
export function huntCard(h, key, run) {
  const out = el('div', { class: 'hunt-result', 'aria-live': 'polite' });
  const code = el('code', { text: h.query });
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(h.query);
      replace(out, notice('Copied.'));
    } catch {
      // No clipboard (not allowed, or not a secure context): select the query so Ctrl+C copies it.
      const selection = window.getSelection();
      selection?.selectAllChildren(code);
      replace(out, notice('The query is selected: press Ctrl+C (⌘C) to copy it.'));
    }
  };
  const execute = async () => {
    replace(out, el('p', { class: 'muted', text: 'Running…' }));
    try {
      const r = await api('/api/v1/hunt/queries', { body: { query: h.query, purpose: run.purpose, ...(run.correlationId ? { correlationId: run.correlationId } : {}) } });
      const why = r.reason ?? r.error?.message ?? '';
      replace(out, notice(`${r.status} (${r.backend ?? ''}), ${r.rowCount ?? 0} row(s), audit ${r.auditId ?? ''}${why ? ` — ${why}` : ''}`));
    } catch (error) {
      replace(out, problemBox(error));
    }
  };
  const about = [h.language, h.tables?.length ? `reads ${h.tables.join(', ')}` : null, h.attack?.length ? `ATT&CK ${h.attack.join(', ')}` : null, h.verdict?.verdict ? `guard: ${h.verdict.verdict}` : null].filter(Boolean).join('; ');
  return el(
    'article',
    { class: 'hunt', 'data-hunt': key },
    el('p', {}, el('strong', { class: 'hunt-title', text: h.title ?? 'Hunt query' }), h.entityId ? el('span', { class: 'muted', text: ` — ${h.entityId}` }) : null, el('span', { class: 'muted', text: ` (${about})` })),
    h.purpose ? el('p', { class: 'hunt-purpose', text: `Looks for: ${h.purpose}` }) : null,
    el('pre', {}, code),
    el('button', { type: 'button', onclick: copy, text: 'Copy', 'aria-label': `Copy: ${h.title ?? 'hunt query'}${h.entityId ? ` (${h.entityId})` : ''}` }),
    h.language === undefined || h.language === 'kql' ? [' ', el('button', { type: 'button', onclick: execute, text: 'Run', 'aria-label': `Run: ${h.title ?? 'hunt query'}${h.entityId ? ` (${h.entityId})` : ''}` })] : el('span', { class: 'muted', text: ' (SPL: copy it into Splunk; the hunt API runs KQL)' }),
    out,
  );
}
