import { createHash } from 'node:crypto';
import { type Alert, type AlertRevision, type EventByType, caseGroupKey, compareRevisions } from '@soc/contracts';

/** The `where` fields a period is paged by; SHARDS splits a minute when even a minute overflows a page. */
export const SHARDS = 16;
/** Entities a row keeps (the top-entities figure counts these). */
export const MAX_ROW_ENTITIES = 20;

/**
 * What reporting keeps per alert: the facts its figures need, gathered from the alert's received, triaged and
 * dispositioned events in any order. Keyed by alert id, so redeliveries rewrite the same row, and a new revision of
 * an alert updates its row (one alert, counted once, in the period it first arrived) with its newest content.
 */
export interface ReportRow {
  alertId: string;
  tenantId: string;
  /** Set by `soc.alert.received.v1`; until then the row belongs to no period. */
  receivedAt: string | null;
  /** Receipt hour, minute (UTC, `YYYY-MM-DDTHH`, `YYYY-MM-DDTHH:MM`) and shard: equality keys for paging a period. */
  receivedHour: string | null;
  receivedMinute: string | null;
  shard: number;
  severity: string;
  /** Rule name, else rule id, else title. */
  rule: string;
  /** The alert's case-group key: alerts of one key in a period are one incident. */
  groupKey: string;
  entities: { type: string; value: string }[];
  triagedAt: string | null;
  verdict: string | null;
  llm: { status: string; promptTokens: number; completionTokens: number; cost: number } | null;
  /** Model calls this alert's revisions made (`advised` notes), summed: a revision's call is not lost to the next. */
  llmCalls?: { calls: number; promptTokens: number; completionTokens: number; cost: number };
  disposition: string | null;
  dispositionedAt: string | null;
  /** The revision the alert fields come from, and the one the triage fields come from: an older one never replaces them. */
  revision?: AlertRevision | null;
  triageRevision?: AlertRevision | null;
}

/** True unless `incoming` is an older revision than `held` (events of alerts from before revisions always apply). */
function isCurrent(incoming: AlertRevision | undefined, held: AlertRevision | null | undefined): boolean {
  return incoming === undefined || held === undefined || held === null || incoming.key === held.key || compareRevisions(incoming, held) < 0;
}

function earliest(a: string | null, b: string): string {
  return a !== null && Date.parse(a) <= Date.parse(b) ? a : b;
}

type RowEvent = EventByType<'soc.alert.received.v1' | 'soc.alert.triaged.v1' | 'soc.alert.dispositioned.v1'>;

/** The stable shard of an alert id in [0, SHARDS). */
export function shardOf(alertId: string): number {
  return createHash('sha256').update(alertId).digest().readUInt8(0) % SHARDS;
}

function alertFields(alert: Alert): Pick<ReportRow, 'alertId' | 'tenantId' | 'severity' | 'rule' | 'groupKey' | 'entities' | 'shard'> {
  const seen = new Set<string>();
  const entities: ReportRow['entities'] = [];
  for (const e of alert.entities) {
    const id = `${e.type}:${e.value.toLowerCase()}`;
    if (seen.has(id) || entities.length >= MAX_ROW_ENTITIES) continue;
    seen.add(id);
    entities.push({ type: e.type, value: e.value });
  }
  return {
    alertId: alert.alertId,
    tenantId: alert.tenantId,
    severity: alert.severity,
    rule: alert.rule?.name ?? alert.rule?.id ?? alert.title,
    groupKey: caseGroupKey(alert),
    entities,
    shard: shardOf(alert.alertId),
  };
}

function emptyRow(alertId: string, tenantId: string): ReportRow {
  return {
    alertId,
    tenantId,
    receivedAt: null,
    receivedHour: null,
    receivedMinute: null,
    shard: shardOf(alertId),
    severity: 'informational',
    rule: '(unknown)',
    groupKey: alertId,
    entities: [],
    triagedAt: null,
    verdict: null,
    llm: null,
    disposition: null,
    dispositionedAt: null,
  };
}

/** The paging keys of a receipt time. */
export function timeKeys(receivedAt: string): { receivedHour: string; receivedMinute: string } {
  const iso = new Date(receivedAt).toISOString();
  return { receivedHour: iso.slice(0, 13), receivedMinute: iso.slice(0, 16) };
}

/**
 * Folds one event into an alert's row (pure; any order, any number of redeliveries). Returns undefined when
 * the row would not change, so a redelivery writes nothing.
 */
export function applyToRow(current: ReportRow | undefined, event: RowEvent): ReportRow | undefined {
  let next: ReportRow;
  switch (event.type) {
    case 'soc.alert.received.v1': {
      const { alert } = event.data;
      const base = current ?? emptyRow(alert.alertId, alert.tenantId);
      // The row belongs to the period the alert first arrived in; its fields follow its newest revision.
      const receivedAt = earliest(base.receivedAt, event.data.receivedAt);
      const fields = isCurrent(alert.revision, base.revision) ? { ...alertFields(alert), revision: alert.revision ?? null } : {};
      next = { ...base, ...fields, receivedAt, ...timeKeys(receivedAt) };
      break;
    }
    case 'soc.alert.triaged.v1': {
      const { alert, triage } = event.data;
      const base = current ?? { ...emptyRow(alert.alertId, alert.tenantId), ...alertFields(alert), revision: alert.revision ?? null };
      if (!isCurrent(alert.revision, base.triageRevision)) return undefined;
      const usage = triage.copilot?.usage;
      // A model call of a revision not counted yet (a redelivery of the same revision adds nothing).
      const counted = base.llmCalls !== undefined && base.triageRevision?.key === alert.revision?.key;
      const paid = triage.copilot?.status === 'advised' && !counted;
      const calls = base.llmCalls ?? { calls: 0, promptTokens: 0, completionTokens: 0, cost: 0 };
      next = {
        ...base,
        // Time to triage is to the first triage: a revision re-sent a day later is not a day-long triage.
        triagedAt: base.triagedAt === null ? event.time : earliest(base.triagedAt, event.time),
        llmCalls: paid
          ? { calls: calls.calls + 1, promptTokens: calls.promptTokens + (usage?.promptTokens ?? 0), completionTokens: calls.completionTokens + (usage?.completionTokens ?? 0), cost: calls.cost + (usage?.cost ?? 0) }
          : calls,
        triageRevision: alert.revision ?? null,
        verdict: triage.verdict.class,
        llm: triage.copilot
          ? { status: triage.copilot.status, promptTokens: usage?.promptTokens ?? 0, completionTokens: usage?.completionTokens ?? 0, cost: usage?.cost ?? 0 }
          : null,
      };
      break;
    }
    case 'soc.alert.dispositioned.v1': {
      const d = event.data;
      const base = current ?? emptyRow(d.alertId, d.tenantId);
      // The latest disposition stands, whatever order the events arrive in.
      if (base.dispositionedAt !== null && Date.parse(base.dispositionedAt) > Date.parse(d.at)) return undefined;
      next = { ...base, disposition: d.disposition, dispositionedAt: d.at };
      break;
    }
  }
  return current !== undefined && JSON.stringify(current) === JSON.stringify(next) ? undefined : next;
}
