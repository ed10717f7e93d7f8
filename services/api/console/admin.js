// Admin pages: dead letters (#/admin/dead-letters: GET /api/v1/dead-letters, replay) and the quarantine
// (#/admin/quarantine: ingestion's GET /api/v1/quarantine, show, replay). Both need the admin role and list only the
// admin's tenants (the API filters). A quarantined body is what a sender posted — attacker text — and is shown only
// as text (textContent in a <pre>), and only on request.
import { api } from './api.js';
import { age, el, notice, problemBox, replace } from './dom.js';

const path = (id) => encodeURIComponent(id);

export async function renderDeadLetters(view) {
  const results = el('div', { id: 'dead-letter-results', 'aria-live': 'polite' });
  const status = el('div', { id: 'dead-letter-status' });
  const load = async () => {
    replace(results, el('p', { class: 'muted', text: 'Loading…' }));
    try {
      const { items, truncated, limit } = await api('/api/v1/dead-letters?limit=200');
      replace(results, items.length === 0 ? el('p', { text: 'No dead letters.' }) : deadLetterTable(items, truncated, limit, replay));
    } catch (error) {
      replace(results, problemBox(error));
    }
  };
  const replay = async (id) => {
    try {
      await api(`/api/v1/dead-letters/${path(id)}/replay`, { method: 'POST', body: {} });
      replace(status, notice(`Replayed ${id}: it is back on its subscription (a message that fails again is dead-lettered again).`));
    } catch (error) {
      replace(status, problemBox(error));
    }
    await load();
  };
  replace(
    view,
    el('h2', { text: 'Dead letters' }),
    el('p', { class: 'muted', text: 'Messages a service could not handle, of your tenants, newest first. Replay one after its cause is fixed; each replay is audited.' }),
    el('p', {}, el('button', { type: 'button', onclick: () => void load(), text: 'Refresh' })),
    status,
    results,
  );
  await load();
}

function deadLetterTable(items, truncated, limit, replay) {
  const now = Date.now();
  return el(
    'table',
    { id: 'dead-letters' },
    el('caption', { class: 'muted', text: `${items.length} dead letter(s)${truncated ? ` (the first ${limit} read; there may be more)` : ''}` }),
    el('thead', {}, el('tr', {}, ['When', 'Subscription', 'Event type', 'Tenant', 'Reason', 'Description', 'Deliveries', 'Actions'].map((h) => el('th', { scope: 'col', text: h })))),
    el(
      'tbody',
      {},
      items.map((d) =>
        el(
          'tr',
          { 'data-dead-letter-id': d.id },
          el('td', {}, el('time', { datetime: d.deadLetteredAt, title: d.deadLetteredAt, text: age(d.deadLetteredAt, now) })),
          el('td', { text: d.subscription }),
          el('td', { text: d.type }),
          el('td', { text: d.tenantId ?? '(unreadable)' }),
          el('td', { text: d.reason }),
          el('td', { text: d.description }),
          el('td', { text: d.deliveryCount }),
          el('td', {}, el('button', { type: 'button', 'aria-label': `Replay dead letter ${d.id}`, onclick: () => void replay(d.id), text: 'Replay' })),
        ),
      ),
    ),
  );
}

let quarantineStatus = 'quarantined';

export async function renderQuarantine(view) {
  const select = el('select', { id: 'quarantine-status', name: 'status' }, ['quarantined', 'replayed'].map((s) => el('option', { value: s, text: s })));
  select.value = quarantineStatus;
  const results = el('div', { id: 'quarantine-results', 'aria-live': 'polite' });
  const detail = el('div', { id: 'quarantine-detail' });
  const load = async () => {
    replace(results, el('p', { class: 'muted', text: 'Loading…' }));
    try {
      const { items } = await api(`/api/v1/quarantine?${new URLSearchParams({ status: quarantineStatus, limit: '200' })}`);
      replace(results, items.length === 0 ? el('p', { text: 'Nothing quarantined.' }) : quarantineTable(items, show, replay));
    } catch (error) {
      replace(results, problemBox(error));
    }
  };
  const show = async (id) => {
    try {
      const entry = await api(`/api/v1/quarantine/${path(id)}`);
      replace(
        detail,
        el(
          'section',
          { 'aria-label': 'Quarantined payload' },
          el('h3', { text: `Payload ${id}` }),
          el('p', { class: 'muted', text: `${entry.mediaType ?? 'unknown type'}, ${entry.bytes} bytes${entry.bodyTruncated ? ' (shown truncated)' : ''}. What the sender posted, shown as text.` }),
          el('ul', {}, (entry.errors ?? []).map((e) => el('li', { text: `${e.path || '(body)'}: ${e.message}` }))),
          el('pre', { class: 'payload', text: entry.body ?? '(body expired)' }),
        ),
      );
    } catch (error) {
      replace(detail, problemBox(error));
    }
  };
  const replay = async (id) => {
    try {
      const outcome = await api(`/api/v1/quarantine/${path(id)}/replay`, { method: 'POST', body: {} });
      replace(detail, notice(`Replayed ${id}: ${outcome.alertIds?.length ?? 0} alert(s) accepted.`));
    } catch (error) {
      // 422: the parser still refuses it; the body lists today's reasons (field paths and messages, shown as text).
      const errors = error?.status === 422 && Array.isArray(error.problem?.errors) ? error.problem.errors : undefined;
      replace(detail, errors ? el('div', { class: 'problem', role: 'alert' }, el('strong', { text: `Still refused: ${id}` }), el('ul', {}, errors.map((e) => el('li', { text: `${e.path || '(body)'}: ${e.message}` })))) : problemBox(error));
    }
    await load();
  };
  select.addEventListener('change', () => {
    quarantineStatus = select.value;
    void load();
  });
  replace(
    view,
    el('h2', { text: 'Quarantine' }),
    el('p', { class: 'muted', text: 'Payloads ingestion refused as unparseable, of your tenants. Replay runs one through today\'s parser.' }),
    el('p', {}, el('label', { for: 'quarantine-status', text: 'Status ' }), select, ' ', el('button', { type: 'button', onclick: () => void load(), text: 'Refresh' })),
    detail,
    results,
  );
  await load();
}

function quarantineTable(items, show, replay) {
  const now = Date.now();
  return el(
    'table',
    { id: 'quarantine' },
    el('caption', { class: 'muted', text: `${items.length} payload(s)` }),
    el('thead', {}, el('tr', {}, ['Received', 'Source', 'Sender', 'Tenant', 'Reason', 'Bytes', 'Status', 'Actions'].map((h) => el('th', { scope: 'col', text: h })))),
    el(
      'tbody',
      {},
      items.map((q) =>
        el(
          'tr',
          { 'data-quarantine-id': q.id },
          el('td', {}, el('time', { datetime: q.receivedAt, title: q.receivedAt, text: age(q.receivedAt, now) })),
          el('td', { text: q.source }),
          el('td', { text: q.sender }),
          el('td', { text: q.tenantId ?? '' }),
          el('td', { text: q.reason }),
          el('td', { text: q.bytes }),
          el('td', { text: q.status }),
          el(
            'td',
            {},
            el('button', { type: 'button', 'aria-label': `Show payload ${q.id}`, onclick: () => void show(q.id), text: 'Show' }),
            ' ',
            q.status === 'quarantined' ? el('button', { type: 'button', 'aria-label': `Replay payload ${q.id}`, onclick: () => void replay(q.id), text: 'Replay' }) : null,
          ),
        ),
      ),
    ),
  );
}
