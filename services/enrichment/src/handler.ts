import { AlertEnrichedV1, type Alert, type Enrichment, type EventByType, type Fact, type FetchedSourceEvent, MAX_ENRICHMENT_BYTES, boundedId, causedBy, clipText, jsonBytes } from '@soc/contracts';
import { NOTHING, dispatch, type EventHandler } from '@soc/bus';
import type { Clock } from '@soc/runtime';
import { type ContextSources, lookUpContext } from './context/index.ts';
import { EVENT_FETCH_SOURCE, type EventFetchDeps, fetchSourceEvents } from './event-fetch/index.ts';
import { type IntelSource, lookUpIntel } from './intel-lookup.ts';
import type { AlertHistory, DispositionCounts, DispositionRecord, HistorySnapshot } from './ports.ts';

/** The rule key history is kept under: the rule id, else its name, else the title. */
export function ruleKeyOf(alert: Alert): string {
  return ruleKeyFrom({ source: alert.source.name, id: alert.rule?.id, name: alert.rule?.name, title: alert.title });
}

/** The same key from a disposition's rule reference. */
export function ruleKeyFrom(rule: { source: string; id?: string | undefined; name?: string | undefined; title: string }): string {
  return `${rule.source}:${rule.id ?? rule.name ?? rule.title}`.toLowerCase();
}

/**
 * The only producer whose dispositions history counts: the analyst API's disposition route, which only principals
 * with the analyst role may call. A disposition event from anywhere else on the bus (a replay tool, another service,
 * a forged publish) would let its writer lower future scores of a rule, an entity or a tenant, so it is ignored.
 */
export const DISPOSITION_SOURCE = '/soc/api';

/** What history records of a `soc.alert.dispositioned.v1`; nothing for one the analyst API did not emit. Pure. */
export function dispositionRecordOf(event: EventByType<'soc.alert.dispositioned.v1'>): DispositionRecord | undefined {
  if (event.source !== DISPOSITION_SOURCE) return undefined;
  const d = event.data;
  return { alertId: d.alertId, tenantId: d.tenantId, ruleKey: ruleKeyFrom(d.rule), ...(d.shape !== undefined ? { shape: d.shape } : {}), entityIds: d.entityIds, disposition: d.disposition, at: d.at };
}

const judged = (c: DispositionCounts | undefined): number => (c ? c.truePositives + c.benignPositives + c.falsePositives : 0);
const countsOf = (c: DispositionCounts | undefined): DispositionCounts => ({
  truePositives: c?.truePositives ?? 0,
  benignPositives: c?.benignPositives ?? 0,
  falsePositives: c?.falsePositives ?? 0,
});

/** Turns a history snapshot into citeable facts, with analysts' dispositions of the earlier alerts. Pure. */
export function historyFacts(history: HistorySnapshot, now: Date): Fact[] {
  const observedAt = now.toISOString();
  const facts: Fact[] = history.entities
    .filter((s) => s.priorAlertCount > 0 || judged(s.dispositions) > 0)
    .map((s) => ({
      id: boundedId('history:', s.entityId),
      kind: 'history' as const,
      entityId: s.entityId,
      source: 'soc-history',
      observedAt,
      confidence: 1,
      statement: `${clipText(s.entityId, 512)} appeared in ${s.priorAlertCount} earlier alert(s), first ${s.firstSeenAt}, last ${s.lastSeenAt}${judgedText(s.dispositions)}`,
      attributes: { priorAlertCount: s.priorAlertCount, firstSeenAt: s.firstSeenAt, lastSeenAt: s.lastSeenAt, ...countsOf(s.dispositions) },
    }));
  if (history.rule && (history.rule.priorAlertCount > 0 || judged(history.rule.dispositions) > 0)) {
    const { shape } = history.rule;
    facts.push({
      id: boundedId('rule-history:', history.rule.ruleKey),
      kind: 'rule-history',
      source: 'soc-history',
      observedAt,
      confidence: 1,
      statement: `This detection fired ${history.rule.priorAlertCount} time(s) before, last ${history.rule.lastSeenAt}${judgedText(history.rule.dispositions)}${shape ? shapeText(shape.shape, shape.dispositions) : ''}`,
      attributes: { priorAlertCount: history.rule.priorAlertCount, lastSeenAt: history.rule.lastSeenAt, ...countsOf(history.rule.dispositions), ...(shape ? shapeAttributes(shape.shape, shape.dispositions) : {}) },
    });
  }
  if (history.tenant && judged(history.tenant.dispositions) > 0) {
    facts.push({
      id: boundedId('tenant-history:', history.tenant.tenantId),
      kind: 'history',
      source: 'soc-history',
      observedAt,
      confidence: 1,
      statement: `Analysts of this tenant dispositioned earlier alerts${judgedText(history.tenant.dispositions)}`,
      attributes: { scope: 'tenant', ...countsOf(history.tenant.dispositions) },
    });
  }
  return facts;
}

/**
 * The rule-history fact's attributes for the alert's event shape: `shape` and the dispositions of earlier alerts
 * of the rule with that shape (`shapeTruePositives`, `shapeBenignPositives`, `shapeFalsePositives`), zeros when none.
 */
function shapeAttributes(shape: string, c: DispositionCounts | undefined): Record<string, string | number> {
  const n = countsOf(c);
  return { shape, shapeTruePositives: n.truePositives, shapeBenignPositives: n.benignPositives, shapeFalsePositives: n.falsePositives };
}

/** A count weighed by age, as people read it: to one decimal. */
const shown = (n: number): number => Math.round(n * 10) / 10;

function shapeText(shape: string, c: DispositionCounts | undefined): string {
  return judged(c) === 0 || !c ? `; none judged of event shape ${clipText(shape, 200)}` : `; of event shape ${clipText(shape, 200)}, ${shown(c.truePositives)} true, ${shown(c.benignPositives)} benign and ${shown(c.falsePositives)} false positive(s) (weighed by age)`;
}

function judgedText(c: DispositionCounts | undefined): string {
  return judged(c) === 0 || !c ? '' : `; analysts judged ${shown(c.truePositives)} true, ${shown(c.benignPositives)} benign and ${shown(c.falsePositives)} false positive(s) (weighed by age)`;
}

const MAX_FACTS = 1000;
/** Unavailable sources listed one by one; the rest are counted in one line. */
const MAX_MISSING = 20;

/** Which facts stay when an alert's enrichment must be cut to its budget: the rarer, weightier kinds first. */
const KEEP_ORDER: Readonly<Record<Fact['kind'], number>> = { allowlist: 0, 'threat-intel': 1, asset: 2, user: 3, 'rule-history': 4, history: 5 };

/** The share of the enrichment budget fetched source events may take; facts have the rest. */
export const MAX_FETCHED_EVENTS_BYTES = MAX_ENRICHMENT_BYTES / 2;

/** Fetched events in their order while they fit {@link MAX_FETCHED_EVENTS_BYTES}; the count of those left out. */
function boundEvents(events: readonly FetchedSourceEvent[]): { kept: FetchedSourceEvent[]; left: number } {
  const kept: FetchedSourceEvent[] = [];
  let budget = MAX_FETCHED_EVENTS_BYTES - 2;
  for (const e of events) {
    const size = jsonBytes(e) + 1;
    if (size > budget) break;
    kept.push(e);
    budget -= size;
  }
  return { kept, left: events.length - kept.length };
}

/**
 * Bounds an enrichment to {@link MAX_ENRICHMENT_BYTES} and the contract's fact count (an alert of 500 entities
 * with several facts each has more): fetched source events take at most {@link MAX_FETCHED_EVENTS_BYTES}, in their
 * order (nearest to the detection first); facts are kept by kind (allowlist, threat intel, asset, user, rule history,
 * entity history), in their order within a kind, and the output keeps the original order; what was left out is
 * said in `missing`, never silently. Pure.
 */
export function boundEnrichment(facts: readonly Fact[], missing: readonly { source: string; reason: string }[], sourceEvents: readonly FetchedSourceEvent[] = []): Enrichment {
  const events = boundEvents(sourceEvents);
  const eventsNote = events.left > 0 ? [{ source: EVENT_FETCH_SOURCE, reason: `${events.left} fetched event(s) left out: fetched events take at most ${MAX_FETCHED_EVENTS_BYTES / 1024} KiB of an alert's enrichment` }] : [];
  const all = [...eventsNote, ...missing];
  const listed = all.slice(0, MAX_MISSING).map((m) => ({ source: clipText(m.source, 128), reason: clipText(m.reason, 1024) }));
  const more = all.length - listed.length;
  const bounded = more > 0 ? [...listed, { source: 'enrichment', reason: `${more} more unavailable source(s) not listed` }] : listed;
  const withEvents = events.kept.length > 0 ? { sourceEvents: events.kept } : {};
  const noteRoom = 256;
  let budget = MAX_ENRICHMENT_BYTES - jsonBytes(bounded) - noteRoom - (events.kept.length > 0 ? jsonBytes(events.kept) + 20 : 0);
  if (facts.length <= MAX_FACTS && jsonBytes(facts) <= budget) return { facts: [...facts], missing: bounded, ...withEvents };
  const ranked = facts.map((f, i) => ({ f, i })).sort((a, b) => KEEP_ORDER[a.f.kind] - KEEP_ORDER[b.f.kind] || a.i - b.i);
  const kept = new Set<number>();
  for (const { f, i } of ranked) {
    const size = jsonBytes(f) + 1;
    if (kept.size >= MAX_FACTS || size > budget) continue;
    kept.add(i);
    budget -= size;
  }
  const left = facts.length - kept.size;
  return {
    facts: facts.filter((_, i) => kept.has(i)),
    missing: [...bounded, { source: 'enrichment', reason: `${left} fact(s) left out: one alert's enrichment is capped at ${MAX_FACTS} facts and ${MAX_ENRICHMENT_BYTES / 1024} KiB (the bus message budget)` }],
    ...withEvents,
  };
}

/** Pure: the enriched event for a received alert, what history knew about it, and what the other sources said (threat intel, assets, users, allowlists). */
export function enrich(
  event: EventByType<'soc.alert.received.v1'>,
  history: HistorySnapshot,
  now: Date,
  intel: { facts: Fact[]; missing: { source: string; reason: string }[] } = { facts: [], missing: [] },
  sourceEvents: readonly FetchedSourceEvent[] = [],
): EventByType<'soc.alert.enriched.v1'> {
  return causedBy(
    event,
    AlertEnrichedV1,
    // The contract and the bus bound an alert's enrichment; history comes first, as every alert has it.
    { alert: event.data.alert, enrichment: boundEnrichment([...historyFacts(history, now), ...intel.facts], intel.missing, sourceEvents) },
    { source: '/soc/enrichment', time: now },
  );
}

/** Dependencies of the enrichment handler. */
export interface EnrichmentDeps {
  history: AlertHistory;
  /** Threat-intel sources (local feeds, VirusTotal …); none configured is fine. */
  intel?: readonly IntelSource[] | undefined;
  /** Asset directories, user directories and allowlists; none configured is fine. */
  context?: ContextSources | undefined;
  /** The guarded fetch of the raw events of an alert that carries none (`ENRICHMENT_FETCH_EVENTS`); off when absent. */
  events?: EventFetchDeps | undefined;
  clock: Clock;
}

/** Looks up history (I/O at the edge), enriches (pure), then records the sighting for later alerts; counts analysts' dispositions. */
export function makeEnrichmentHandler(deps: EnrichmentDeps): EventHandler {
  return dispatch('enrichment', {
    'soc.alert.received.v1': async (event) => {
      const alert = event.data.alert;
      const [history, intel, context, fetched] = await Promise.all([
        deps.history.lookup(alert, deps.clock.now()),
        lookUpIntel(alert.entities, deps.intel ?? []),
        lookUpContext(alert, deps.context ?? {}),
        deps.events ? fetchSourceEvents(alert, deps.events, event.correlationid) : { events: [], missing: [] },
      ]);
      const enriched = enrich(event, history, deps.clock.now(), { facts: [...intel.facts, ...context.facts], missing: [...intel.missing, ...context.missing, ...fetched.missing] }, fetched.events);
      await deps.history.record(alert, new Date(event.data.receivedAt));
      return { emit: [enriched] };
    },
    'soc.alert.dispositioned.v1': async (event) => {
      const record = dispositionRecordOf(event);
      if (record) await deps.history.recordDisposition(record);
      return NOTHING;
    },
  });
}
