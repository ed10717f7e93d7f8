import { AlertTriagedV1, type EventByType, causedBy } from '@soc/contracts';
import { dispatch, type EventHandler } from '@soc/bus';
import type { Clock } from '@soc/runtime';
import { type TriageKnowledge, triageAlert } from './engine.ts';
import type { TriageWeights } from './weights.ts';

/** What the triage handler needs. */
export interface TriageContext {
  weights: TriageWeights;
  knowledge: TriageKnowledge;
  clock: Clock;
}

/** Pure: enriched alert in, triaged alert out. */
export function triage(event: EventByType<'soc.alert.enriched.v1'>, ctx: TriageContext): EventByType<'soc.alert.triaged.v1'> {
  const { alert, enrichment } = event.data;
  return causedBy(
    event,
    AlertTriagedV1,
    { alert, enrichment, triage: triageAlert(alert, enrichment, ctx.weights, ctx.knowledge) },
    { source: '/soc/triage', time: ctx.clock.now() },
  );
}

/** The bus handler of the triage service. */
export function makeTriageHandler(ctx: TriageContext): EventHandler {
  return dispatch('triage', { 'soc.alert.enriched.v1': (event) => ({ emit: [triage(event, ctx)] }) });
}
