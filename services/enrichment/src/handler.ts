import { AlertEnrichedV1, type Alert, type EventByType, type Fact, causedBy } from '@soc/contracts';
import { dispatch, type EventHandler } from '@soc/bus';
import type { Clock } from '@soc/runtime';
import { type ContextSources, lookUpContext } from './context/index.ts';
import { type IntelSource, lookUpIntel } from './intel-lookup.ts';
import type { AlertHistory, HistorySnapshot } from './ports.ts';

/** The rule key history is kept under: the rule id, else its name, else the title. */
export function ruleKeyOf(alert: Alert): string {
  return `${alert.source.name}:${alert.rule?.id ?? alert.rule?.name ?? alert.title}`.toLowerCase();
}

/** Turns a history snapshot into citeable facts. Pure. */
export function historyFacts(history: HistorySnapshot, now: Date): Fact[] {
  const observedAt = now.toISOString();
  const facts: Fact[] = history.entities
    .filter((s) => s.priorAlertCount > 0)
    .map((s) => ({
      id: `history:${s.entityId}`,
      kind: 'history' as const,
      entityId: s.entityId,
      source: 'soc-history',
      observedAt,
      confidence: 1,
      statement: `${s.entityId} appeared in ${s.priorAlertCount} earlier alert(s), first ${s.firstSeenAt}, last ${s.lastSeenAt}`,
      attributes: { priorAlertCount: s.priorAlertCount, firstSeenAt: s.firstSeenAt, lastSeenAt: s.lastSeenAt },
    }));
  if (history.rule && history.rule.priorAlertCount > 0) {
    facts.push({
      id: `rule-history:${history.rule.ruleKey}`,
      kind: 'rule-history',
      source: 'soc-history',
      observedAt,
      confidence: 1,
      statement: `This detection fired ${history.rule.priorAlertCount} time(s) before, last ${history.rule.lastSeenAt}`,
      attributes: { priorAlertCount: history.rule.priorAlertCount, lastSeenAt: history.rule.lastSeenAt },
    });
  }
  return facts;
}

const MAX_FACTS = 1000;

/** Pure: the enriched event for a received alert, what history knew about it, and what the other sources said (threat intel, assets, users, allowlists). */
export function enrich(
  event: EventByType<'soc.alert.received.v1'>,
  history: HistorySnapshot,
  now: Date,
  intel: { facts: Fact[]; missing: { source: string; reason: string }[] } = { facts: [], missing: [] },
): EventByType<'soc.alert.enriched.v1'> {
  return causedBy(
    event,
    AlertEnrichedV1,
    // The contract bounds facts per alert; history comes first, as every alert has it.
    { alert: event.data.alert, enrichment: { facts: [...historyFacts(history, now), ...intel.facts].slice(0, MAX_FACTS), missing: intel.missing } },
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
  clock: Clock;
}

/** Looks up history (I/O at the edge), enriches (pure), then records the sighting for later alerts. */
export function makeEnrichmentHandler(deps: EnrichmentDeps): EventHandler {
  return dispatch('enrichment', {
    'soc.alert.received.v1': async (event) => {
      const alert = event.data.alert;
      const [history, intel, context] = await Promise.all([
        deps.history.lookup(alert),
        lookUpIntel(alert.entities, deps.intel ?? []),
        lookUpContext(alert, deps.context ?? {}),
      ]);
      const enriched = enrich(event, history, deps.clock.now(), { facts: [...intel.facts, ...context.facts], missing: [...intel.missing, ...context.missing] });
      await deps.history.record(alert, new Date(event.data.receivedAt));
      return { emit: [enriched] };
    },
  });
}
