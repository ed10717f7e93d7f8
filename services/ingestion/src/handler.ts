import { AlertReceivedV1, type Alert, createEvent, deriveEventId, deriveKey } from '@soc/contracts';
import type { z } from 'zod';
import { GenericAlertV1, normalizeGeneric } from './sources/generic.ts';

/** A field-level reason a payload was refused. `index` is the position in a batch. */
export interface FieldError {
  index: number;
  path: string;
  message: string;
}

/** What ingestion tells the sender about each accepted alert. */
export interface Receipt {
  alertId: string;
  correlationId: string;
}

export type AcceptOutcome =
  | { ok: true; events: ReturnType<typeof receivedEvent>[]; receipts: Receipt[] }
  | { ok: false; errors: FieldError[] };

/** Everything an acceptance needs besides the payload: who sent it, for which tenant, and when. */
export interface AcceptContext {
  tenantId: string;
  sender: string;
  receivedAt: Date;
  receivedVia: 'http' | 'cli' | 'eventhubs';
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
 * correlation id it was first given.
 */
export function correlationIdFor(alertId: string): string {
  return `corr-${deriveKey(alertId, 'correlation')}`;
}

/** Builds the `soc.alert.received.v1` event for a normalised alert. Its id is derived from the alert id: a re-send is a no-op on the bus. */
export function receivedEvent(alert: Alert, ctx: AcceptContext) {
  return createEvent(
    AlertReceivedV1,
    {
      alert,
      receivedAt: ctx.receivedAt.toISOString(),
      receivedVia: ctx.receivedVia,
      sender: ctx.sender,
      priority: priorityOf(alert),
    },
    {
      id: deriveEventId(alert.alertId, AlertReceivedV1.type),
      source: '/soc/ingestion',
      time: ctx.receivedAt,
      correlationid: correlationIdFor(alert.alertId),
      tenantid: alert.tenantId,
      subject: alert.alertId,
    },
  );
}

function fieldErrors(index: number, error: z.ZodError): FieldError[] {
  return error.issues.map((i) => ({ index, path: i.path.join('.') || '(root)', message: i.message }));
}

/**
 * Validates and normalises a generic alert POST body (one alert or an array). All or nothing: a batch with
 * one bad alert is refused whole, with every reason, so the sender can fix and resend it as it was.
 */
export function acceptGeneric(body: unknown, ctx: AcceptContext, maxBatch = 1000): AcceptOutcome {
  const items = Array.isArray(body) ? body : [body];
  if (items.length === 0) return { ok: false, errors: [{ index: 0, path: '(root)', message: 'Empty batch: send one alert object or a non-empty array' }] };
  if (items.length > maxBatch) {
    return { ok: false, errors: [{ index: maxBatch, path: '(root)', message: `Batch of ${items.length} exceeds the limit of ${maxBatch} alerts; split it` }] };
  }
  const errors: FieldError[] = [];
  const alerts: Alert[] = [];
  items.forEach((item, index) => {
    const parsed = GenericAlertV1.safeParse(item);
    if (!parsed.success) {
      errors.push(...fieldErrors(index, parsed.error));
      return;
    }
    try {
      alerts.push(normalizeGeneric(parsed.data, { tenantId: ctx.tenantId, receivedAt: ctx.receivedAt }));
    } catch (error) {
      if (isZodError(error)) errors.push(...fieldErrors(index, error));
      else throw error;
    }
  });
  if (errors.length > 0) return { ok: false, errors };
  const events = alerts.map((a) => receivedEvent(a, ctx));
  const receipts = events.map((e) => ({ alertId: e.data.alert.alertId, correlationId: e.correlationid }));
  return { ok: true, events, receipts };
}

function isZodError(error: unknown): error is z.ZodError {
  return typeof error === 'object' && error !== null && (error as { name?: string }).name === 'ZodError';
}
