// The case page's casework panel: who works the case and where it stands (PUT …/assignee, PUT …/status) and the
// analysts' notes (POST …/notes). Note text is an analyst's free text: shown through text nodes only, never markup.
import { api } from './api.js';
import { el } from './dom.js';

export const STATUSES = [
  ['new', 'New'],
  ['in-progress', 'In progress'],
  ['on-hold', 'On hold'],
  ['resolved', 'Resolved'],
];

/**
 * The panel of case `c` (GET /api/v1/alerts/{id}); `act(call, done)` runs an API call, then redraws the case with
 * the notice `done`, or shows the problem (403 for a viewer, 409 when someone else changed the case first).
 */
export function caseworkSection(c, act) {
  const path = (what) => `/api/v1/alerts/${encodeURIComponent(c.alertId)}/${what}`;
  /** The change, then a wait until the case view shows it (it folds the published event a moment later). */
  const change = (what, method, body, shows) => async () => {
    const answer = await api(path(what), { method, body });
    await settled(c.alertId, (view) => shows(view, answer));
  };
  const assign = (assignee, done) => act(change('assignee', 'PUT', { assignee, expected: c.assignee ?? null }, (v, a) => v.assignee === a.assignee), done);
  return el(
    'section',
    { id: 'casework', 'aria-labelledby': 'casework-h' },
    el('h2', { id: 'casework-h', text: 'Assignment, status and notes' }),
    assignmentForm(c, assign),
    statusForm(c, (body) => act(change('status', 'PUT', body, (v, a) => v.status === a.status), 'Status changed.')),
    notesPanel(c, (text) => act(change('notes', 'POST', { text }, (v, a) => (v.notes ?? []).some((n) => n.noteId === a.noteId)), 'Note added.')),
  );
}

/** Polls the case until `shows(view)` (at most ~5 s; the page then shows what the case view has). */
async function settled(alertId, shows) {
  for (let i = 0; i < 25; i++) {
    const view = await api(`/api/v1/alerts/${encodeURIComponent(alertId)}`);
    if (shows(view)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function assignmentForm(c, assign) {
  const other = el('input', { id: 'assign-to', name: 'assignee', maxlength: '256', autocomplete: 'off' });
  return el(
    'form',
    {
      id: 'assignment-form',
      'aria-label': 'Assignment',
      onsubmit: (event) => {
        event.preventDefault();
        const name = other.value.trim();
        if (name) void assign(name, `Assigned to ${name}.`);
      },
    },
    el('p', {}, 'Assignee: ', el('strong', { id: 'current-assignee', text: c.assignee ?? 'nobody' })),
    el(
      'p',
      {},
      // The current assignee is sent as `expected`: taking a case someone else took meanwhile is a 409, not a silent win.
      el('button', { type: 'button', onclick: () => void assign('me', 'Case taken.'), text: c.assignee ? 'Take over' : 'Take' }),
      ' ',
      c.assignee ? el('button', { type: 'button', onclick: () => void assign(null, 'Case released.'), text: 'Release' }) : null,
      ' ',
      el('label', { for: 'assign-to', text: 'Assign to ' }),
      other,
      ' ',
      el('button', { type: 'submit', text: 'Assign' }),
    ),
  );
}

function statusForm(c, setStatus) {
  const select = el('select', { id: 'case-status', name: 'status' }, STATUSES.map(([value, label]) => el('option', { value, text: label, selected: c.status === value })));
  const reason = el('input', { id: 'status-reason', name: 'reason', maxlength: '1000' });
  return el(
    'form',
    {
      id: 'status-form',
      'aria-label': 'Status',
      onsubmit: (event) => {
        event.preventDefault();
        const text = reason.value.trim();
        void setStatus({ status: select.value, expected: c.status, ...(text ? { reason: text } : {}) });
      },
    },
    el('p', {}, 'Status: ', el('strong', { id: 'current-status', text: c.status ?? 'new' }), c.status !== 'resolved' && !c.disposition ? el('span', { class: 'muted', text: ' (resolving needs a disposition)' }) : null),
    el('p', {}, el('label', { for: 'case-status', text: 'New status ' }), select, ' ', el('label', { for: 'status-reason', text: 'Reason (optional) ' }), reason, ' ', el('button', { type: 'submit', text: 'Set status' })),
  );
}

function notesPanel(c, addNote) {
  const text = el('textarea', { id: 'note-text', name: 'text', maxlength: '4000', rows: '3', required: true });
  const notes = c.notes ?? [];
  return el(
    'div',
    {},
    el('h3', { text: 'Notes' }),
    notes.length
      ? el('ol', { id: 'notes' }, notes.map((n) => el('li', { 'data-note-id': n.noteId }, el('span', { class: 'muted', text: `${n.author}, ` }), el('time', { datetime: n.at, class: 'muted', text: n.at }), el('p', { class: 'note-text', text: n.text }))))
      : el('p', { id: 'notes', text: 'No notes yet.' }),
    el(
      'form',
      {
        id: 'note-form',
        'aria-label': 'Add a note',
        onsubmit: (event) => {
          event.preventDefault();
          if (text.value.trim()) void addNote(text.value);
        },
      },
      el('p', {}, el('label', { for: 'note-text', text: 'Note' }), el('br'), text),
      el('button', { type: 'submit', text: 'Add note' }),
    ),
  );
}
