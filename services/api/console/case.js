// The case page: GET /api/v1/alerts/{id} shown section by section (all text through text nodes), with the analyst's
// disposition form, casework (casework.js: assignment, status, notes) and the approver's containment decisions
// (approve / deny with the binding hash shown, undo).
import { api } from './api.js';
import { caseworkSection } from './casework.js';
import { chatSection } from './chat.js';
import { el, notice, problemBox, replace } from './dom.js';
import { anchorProps, enrichmentSection, factAnchor, factLink, revisionsSection } from './facts.js';
import { huntsSection } from './hunts.js';
import { entityHref } from './search.js';

const DISPOSITIONS = [
  ['true-positive', 'True positive'],
  ['benign-positive', 'Benign positive (real, but expected)'],
  ['false-positive', 'False positive'],
];

export async function renderCase(view, alertId) {
  const messages = el('div', { id: 'case-messages' });
  replace(view, el('p', {}, el('a', { href: '#/', text: '← Queue' })), messages, el('p', { class: 'muted', text: 'Loading…' }));
  let c;
  try {
    c = await api(`/api/v1/alerts/${encodeURIComponent(alertId)}`);
  } catch (error) {
    replace(messages, problemBox(error));
    view.lastElementChild?.remove();
    return;
  }
  /** Runs an API call, shows its outcome, and redraws the case (keeping the message). */
  const act = async (call, done) => {
    try {
      await call();
      await renderCase(view, alertId);
      replace(/** @type {HTMLElement} */ (document.getElementById('case-messages')), notice(done));
    } catch (error) {
      replace(messages, problemBox(error));
      messages.scrollIntoView?.({ block: 'nearest' });
    }
  };
  const anchors = new Set(); // fact anchors given on this page (facts.js)
  replace(
    view,
    el('p', {}, el('a', { href: '#/', text: '← Queue' })),
    messages,
    alertSection(c, anchors),
    caseworkSection(c, act),
    enrichmentSection(c.enrichment, anchors),
    triageSection(c.triage, anchors, c.alertId),
    decisionSection(c.decision),
    huntsSection(c),
    chatSection(c),
    containmentSection(c.containment ?? [], act),
    dispositionSection(c, act),
    timelineSection(c.timeline ?? []),
    revisionsSection(c),
  );
}

function dl(pairs) {
  return el('dl', {}, pairs.filter(([, v]) => v !== undefined && v !== null && v !== '').flatMap(([k, v]) => [el('dt', { text: k }), el('dd', {}, v instanceof Node ? v : String(v))]));
}

function alertSection(c, anchors) {
  const a = c.alert;
  if (!a) return el('section', {}, el('h2', { text: c.alertId }), el('p', { text: `Stage: ${c.stage}` }));
  return el(
    'section',
    { 'aria-labelledby': 'alert-title' },
    el('h2', { id: 'alert-title', text: a.title || a.alertId }),
    dl([
      ['Alert', a.alertId],
      ['Severity', a.severity],
      ['Source', `${a.source?.name ?? ''} (${a.source?.vendorAlertId ?? ''})`],
      ['Tenant', a.tenantId],
      ['Sender', a.sender],
      ['Stage', c.stage],
      ['Received', c.receivedAt],
      ['Case group', c.group ? `${c.group.id} (${c.group.count} alert(s))` : null],
    ]),
    a.description ? el('p', { text: a.description }) : null,
    el('h3', { text: 'Entities' }),
    a.entities?.length
      ? el(
          'table',
          {},
          el('thead', {}, el('tr', {}, ['Type', 'Value', 'Provenance'].map((h) => el('th', { scope: 'col', text: h })))),
          el('tbody', {}, a.entities.map((e) => el('tr', anchorProps(anchors, 'entity', e.id), el('td', { text: e.type }), el('td', {}, el('a', { href: entityHref(e.type, e.value), title: 'Other cases with this entity' }, el('code', { text: e.value }))), el('td', { text: e.origin ?? '' })))),
        )
      : el('p', { text: 'None.' }),
  );
}

function triageSection(t, anchors, alertId) {
  if (!t) return el('section', {}, el('h2', { text: 'Triage' }), el('p', { text: 'Not triaged yet.' }));
  const l = t.verdict?.likelihoods ?? {};
  const pct = (x) => (typeof x === 'number' ? `${Math.round(x * 100)} %` : '—');
  return el(
    'section',
    { 'aria-labelledby': 'triage-h' },
    el('h2', { id: 'triage-h', text: 'Triage' }),
    dl([
      ['Verdict', t.verdict?.class],
      ['Likelihoods', `true positive ${pct(l.truePositive)}, benign positive ${pct(l.benignPositive)}, false positive ${pct(l.falsePositive)}`],
      ['Risk score', `${t.risk?.score ?? '—'} / 100 (${t.risk?.level ?? ''})`],
      ['Engine', `${t.engine?.name ?? ''} ${t.engine?.version ?? ''}`],
    ]),
    t.summary ? el('p', { text: t.summary }) : null,
    el('h3', { text: 'Factors and their evidence' }),
    el('ul', { id: 'factors' }, (t.risk?.factors ?? []).map((f) => el('li', anchorProps(anchors, 'factor', f.name), el('strong', { text: `${f.name} ${f.points >= 0 ? '+' : ''}${f.points}` }), ': ', f.evidence ?? '', f.factIds?.length ? el('span', { class: 'muted' }, ' (facts: ', f.factIds.map((id, i) => [i ? ', ' : '', factLink(alertId, [factAnchor('fact', id), factAnchor('entity', id)], id)]), ')') : null))),
    el('h3', { text: 'MITRE ATT&CK' }),
    t.attack?.length ? el('ul', {}, t.attack.map((m) => el('li', { ...anchorProps(anchors, 'attack', m.techniqueId), text: `${m.techniqueId}${m.techniqueName ? ` ${m.techniqueName}` : ''}${m.tactic ? ` (${m.tactic})` : ''}${m.basis ? `, ${m.basis}` : ''}` }))) : el('p', { text: 'None.' }),
    el('h3', { text: 'Next steps' }),
    t.nextSteps?.length ? el('ol', {}, t.nextSteps.map((s) => el('li', { text: s }))) : el('p', { text: 'None.' }),
  );
}

function actionText(a) {
  const what = a.runbook ? `${a.runbook} on ${a.target?.value ?? ''}` : a.kind === 'CreateTicket' ? `ticket in ${a.system ?? ''}` : a.kind === 'SendEmail' ? `to ${(a.to ?? []).join(', ')}` : '';
  return `${a.kind}${what ? `: ${what}` : ''}${a.requiresApproval ? ' (needs approval)' : ''} — ${a.reason ?? ''}`;
}

function decisionSection(d) {
  if (!d) return el('section', {}, el('h2', { text: 'Decision' }), el('p', { text: 'Not decided yet.' }));
  return el(
    'section',
    { 'aria-labelledby': 'decision-h' },
    el('h2', { id: 'decision-h', text: 'Decision' }),
    el('p', { class: 'muted', text: `Policy ${d.policy?.id ?? ''} ${d.policy?.version ?? ''}, decided ${d.decidedAt ?? ''}` }),
    el('h3', { text: 'Actions' }),
    d.actions?.length ? el('ul', {}, d.actions.map((a) => el('li', { text: actionText(a) }))) : el('p', { text: 'None.' }),
    el('h3', { text: 'Refused by the guardrails' }),
    d.rejected?.length ? el('ul', {}, d.rejected.map((r) => el('li', { text: `${r.kind}: ${r.reason}` }))) : el('p', { text: 'None.' }),
  );
}

function containmentSection(requests, act) {
  return el(
    'section',
    { 'aria-labelledby': 'containment-h' },
    el('h2', { id: 'containment-h', text: 'Containment' }),
    requests.length ? requests.map((r) => requestCard(r, act)) : el('p', { text: 'No containment requested.' }),
  );
}

function requestCard(r, act) {
  const info = r.runbookInfo ?? {};
  const id = r.requestId;
  const card = el(
    'article',
    { 'data-request-id': id, 'aria-labelledby': `req-${id}` },
    el('h3', { id: `req-${id}`, text: `${r.runbook} → ${r.target?.value ?? ''}` }),
    dl([
      ['Status', el('span', { class: 'request-status', text: r.status })],
      ['Reason', r.reason],
      ['Does', info.does],
      ['Undo', info.reversible ? info.undo ?? 'reversible' : 'cannot be undone'],
      ['Cannot be undone', info.cannotBeUndone],
      ['Approvals', r.approvalsRequired !== undefined ? `${r.approvals?.length ?? 0} of ${r.approvalsRequired}${r.approvals?.length ? `: ${r.approvals.map((a) => a.approver).join(', ')}` : ''}` : null],
      ['Expires', r.status === 'pending-approval' ? r.expiresAt : null],
      ['Decided by', r.decidedBy],
      ['Result', r.result],
      ['Dry run', r.dryRun === undefined ? null : r.dryRun ? 'yes' : 'no'],
      ['Binding hash', r.bindingHash ? el('code', { text: r.bindingHash }) : null],
    ]),
    r.plan ? el('details', {}, el('summary', { text: 'Plan (what the runbook would change)' }), el('pre', { text: JSON.stringify(r.plan, null, 2) })) : null,
    r.undo ? el('p', { text: `Undo asked by ${r.undo.requestedBy}: ${r.undo.reason}${r.undo.result ? ` — ${r.undo.result}` : ''}` }) : null,
  );
  if (r.status === 'pending-approval' && r.bindingHash) card.append(decisionForm(r, act));
  if (r.undoable) card.append(undoForm(r, act));
  return card;
}

function decisionForm(r, act) {
  const id = r.requestId;
  const comment = el('input', { id: `comment-${id}`, name: 'comment', maxlength: '4096' });
  const irreversible = r.runbookInfo?.cannotBeUndone;
  const confirm = irreversible ? el('input', { type: 'checkbox', id: `confirm-${id}`, name: 'confirmIrreversible', required: true }) : null;
  const decide = (verdict) => (event) => {
    event.preventDefault();
    const form = /** @type {HTMLFormElement} */ (event.target.form);
    // The irreversibility checkbox is required to approve, not to deny.
    if (verdict === 'approve' && !form.reportValidity()) return;
    const body = { bindingHash: r.bindingHash, comment: comment.value, ...(verdict === 'approve' && confirm ? { confirmIrreversible: confirm.checked } : {}) };
    void act(() => api(`/api/v1/containment/${encodeURIComponent(id)}/${verdict}`, { body }), verdict === 'approve' ? 'Approval recorded.' : 'Request denied.');
  };
  return el(
    'form',
    { class: 'decide', 'aria-label': `Decide ${r.runbook}` },
    el('p', {}, el('label', { for: `comment-${id}`, text: 'Comment ' }), comment),
    confirm ? el('p', {}, confirm, ' ', el('label', { for: `confirm-${id}`, text: `I understand this cannot be undone: ${irreversible}` })) : null,
    el('button', { type: 'submit', onclick: decide('approve'), text: 'Approve' }),
    ' ',
    el('button', { type: 'button', onclick: decide('deny'), text: 'Deny' }),
  );
}

function undoForm(r, act) {
  const id = r.requestId;
  const reason = el('input', { id: `undo-reason-${id}`, name: 'reason', required: true, maxlength: '1024' });
  return el(
    'form',
    {
      class: 'undo',
      'aria-label': `Undo ${r.runbook}`,
      onsubmit: (event) => {
        event.preventDefault();
        void act(() => api(`/api/v1/containment/${encodeURIComponent(id)}/undo`, { body: { reason: reason.value } }), 'Undo requested.');
      },
    },
    el('label', { for: `undo-reason-${id}`, text: 'Reason to undo ' }),
    reason,
    ' ',
    el('button', { type: 'submit', text: 'Undo' }),
  );
}

function dispositionSection(c, act) {
  const current = c.disposition;
  const note = el('textarea', { id: 'disposition-note', name: 'note', maxlength: '2000', rows: '3' });
  const form = el(
    'form',
    {
      id: 'disposition-form',
      onsubmit: (event) => {
        event.preventDefault();
        const chosen = /** @type {HTMLInputElement|null} */ (form.querySelector('input[name="disposition"]:checked'));
        if (!chosen) return;
        const body = { disposition: chosen.value, ...(note.value ? { note: note.value } : {}) };
        void act(() => api(`/api/v1/alerts/${encodeURIComponent(c.alertId)}/disposition`, { body }), 'Disposition recorded.');
      },
    },
    el(
      'fieldset',
      {},
      el('legend', { text: 'Disposition' }),
      DISPOSITIONS.map(([value, label]) =>
        el('p', {}, el('input', { type: 'radio', name: 'disposition', id: `disp-${value}`, value, required: true, checked: current?.disposition === value }), ' ', el('label', { for: `disp-${value}`, text: label })),
      ),
    ),
    el('p', {}, el('label', { for: 'disposition-note', text: 'Note (optional)' }), el('br'), note),
    el('button', { type: 'submit', text: 'Record disposition' }),
  );
  if (current?.note) note.value = current.note;
  return el(
    'section',
    { 'aria-labelledby': 'disposition-h' },
    el('h2', { id: 'disposition-h', text: 'Disposition' }),
    el('p', { id: 'current-disposition', text: current ? `Current: ${current.disposition} by ${current.analyst} at ${current.at}${current.note ? ` — ${current.note}` : ''}` : 'None recorded yet.' }),
    form,
  );
}

function timelineSection(timeline) {
  return el(
    'section',
    { 'aria-labelledby': 'timeline-h' },
    el('h2', { id: 'timeline-h', text: 'Timeline' }),
    el('ol', { id: 'timeline' }, timeline.map((e) => el('li', {}, el('time', { datetime: e.time, text: e.time }), ` ${e.type} `, el('span', { class: 'muted', text: `from ${e.source}` })))),
  );
}
