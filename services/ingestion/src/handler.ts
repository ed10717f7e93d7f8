import { hash } from 'node:crypto';
import { AlertReceivedV1, type Alert, alertRevisionOf, createEvent, deriveEventId, deriveKey, validateEvent } from '@soc/contracts';
import type { InternalNetworks } from '@soc/guardrails';
import type { Receipt, ReceivedVia } from './ports.ts';
import { alertCandidate } from './sources/build-alert.ts';
import { MAX_NESTING, nestedDeeperThan } from './sources/values.ts';
import type { FieldError, SourceParser } from './sources/types.ts';

/** Everything an acceptance needs besides the payload: who sent it, for which tenant, and when. */
export interface AcceptContext {
  tenantId: string;
  /** The sender as recorded in the event (see `IngestRequest.sender`). */
  sender: string;
  /** The sender's stable principal name, part of every alert id (see `IngestRequest.senderName`). */
  senderName: string;
  receivedAt: Date;
  receivedVia: ReceivedVia;
  /** The internal address ranges (`SOC_INTERNAL_NETWORKS`) IP entities are classified by; default the built-in ones. */
  internalNetworks?: InternalNetworks | undefined;
}

/** Lanes follow severity until enrichment knows the asset's criticality. */
function priorityOf(alert: Alert): 'critical' | 'high' | 'normal' | 'low' {
  switch (alert.severity) {
    case 'critical':
      return 'critical';
    case 'high':
      return 'high';
    case 'medium':
      return 'normal';
    case 'low':
    case 'informational':
      return 'low';
  }
}

/**
 * The journey's correlation id is derived from the alert id, so a re-sent alert reports the same
 * correlation id it was first given, and every revision of an alert is one journey (one case timeline).
 */
export function correlationIdFor(alertId: string): string {
  return `corr-${deriveKey(alertId, 'correlation')}`;
}

/**
 * Builds the `soc.alert.received.v1` event for a normalised alert. Its id is derived from the alert id and the
 * revision key: an exact re-send (or a re-send that changed only bookkeeping) is a no-op on the bus, a change of
 * content is a new event, and every downstream id and side-effect key derives from it.
 */
export function receivedEvent(alert: Alert, ctx: AcceptContext) {
  const priority = priorityOf(alert);
  return createEvent(
    AlertReceivedV1,
    {
      alert,
      receivedAt: ctx.receivedAt.toISOString(),
      receivedVia: ctx.receivedVia,
      sender: ctx.sender,
      priority,
    },
    {
      id: deriveEventId(alert.alertId, AlertReceivedV1.type, alert.revision?.key),
      source: '/soc/ingestion',
      time: ctx.receivedAt,
      correlationid: correlationIdFor(alert.alertId),
      tenantid: alert.tenantId,
      subject: alert.alertId,
      // The envelope's lane: every hop of this alert's journey inherits it, so a backlog is served critical first.
      priority,
    },
  );
}

/** The content address of a body in the payload store: the same source and bytes always give the same key. */
export function payloadKeyOf(source: string, rawText: string): string {
  return `p-${hash('sha256', `${source}\n${rawText}`, 'hex').slice(0, 40)}`;
}

export type AcceptOutcome =
  | { ok: true; events: ReturnType<typeof receivedEvent>[]; receipts: Receipt[] }
  | { ok: false; tooMany?: { alerts: number; limit: number }; errors: FieldError[] };

/**
 * Normalises a body with its source's parser and builds one `soc.alert.received.v1` per alert. Pure. All or
 * nothing: a body with one bad record is refused whole, with every reason, so the sender can fix and resend it.
 */
export function acceptBody(parser: SourceParser, body: unknown, ctx: AcceptContext & { payloadKey?: string | undefined; maxBatch: number }): AcceptOutcome {
  // Before any parser walks it: parsers, the builder and the revision fingerprint recurse into values.
  if (nestedDeeperThan(body)) {
    return { ok: false, errors: [{ index: 0, path: '(root)', message: `The body is nested more than ${MAX_NESTING} levels deep; no alert of any source is` }] };
  }
  const parsed = parser.parse(body, { receivedAt: ctx.receivedAt });
  if (!parsed.ok) return parsed;
  const { drafts } = parsed;
  if (drafts.length === 0) return { ok: false, errors: [{ index: 0, path: '(root)', message: 'The payload holds no alert' }] };
  if (drafts.length > ctx.maxBatch) {
    const message = `The body holds ${drafts.length} alerts; the limit is ${ctx.maxBatch} (INGEST_MAX_BATCH): split it`;
    return { ok: false, tooMany: { alerts: drafts.length, limit: ctx.maxBatch }, errors: [{ index: ctx.maxBatch, path: '(root)', message }] };
  }
  const build = { tenantId: ctx.tenantId, senderName: ctx.senderName, receivedAt: ctx.receivedAt, rawKey: ctx.payloadKey, internalNetworks: ctx.internalNetworks };
  const errors: FieldError[] = [];
  const events: ReturnType<typeof receivedEvent>[] = [];
  drafts.forEach((draft, index) => {
    // The alert is checked once, as part of its event; the bus then trusts the validated event.
    const candidate = alertCandidate(parser.name, draft, build);
    // The revision is a fingerprint of the normalised content, computed here so ingestion stays stateless.
    candidate.revision = alertRevisionOf(candidate, ctx.receivedAt);
    const checked = validateEvent(AlertReceivedV1, receivedEvent(candidate as Alert, ctx));
    if (checked.ok) events.push(checked.event);
    else for (const i of checked.issues) errors.push({ index, path: alertPath(i.path), message: i.message });
  });
  if (errors.length > 0) return { ok: false, errors };
  const receipts = events.map((e) => ({ alertId: e.data.alert.alertId, correlationId: e.correlationid, revision: e.data.alert.revision?.key ?? '' }));
  return { ok: true, events, receipts };
}

/** An issue's path inside the event as the sender knows it: relative to the alert. */
function alertPath(path: readonly PropertyKey[]): string {
  const inAlert = path[0] === 'data' && path[1] === 'alert' ? path.slice(2) : path;
  return inAlert.map(String).join('.') || '(root)';
}
