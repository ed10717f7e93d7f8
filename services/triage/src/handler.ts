import { type Alert, AlertTriagedV1, type CopilotNote, type EventByType, type Triage, causedBy } from '@soc/contracts';
import type { CopilotStep } from './copilot-step.ts';
import { dispatch, type EventHandler } from '@soc/bus';
import type { Clock } from '@soc/runtime';
import type { TriageTuningReader } from '@soc/triage-tuning';
import { mapAlertAttack, type PlaybookLookup, type TriageKnowledge, playbookQueryOf, triageAlert } from './engine.ts';
import { boundTriage } from './bound-triage.ts';
import { findBehaviours } from './behaviour.ts';
import { findSigmaHits, withFetchedEvents } from './sigma.ts';
import type { PlaybookRetriever } from './playbooks/index.ts';
import { triageTuned } from './tuning.ts';
import type { TriageWeights } from './weights.ts';

/** What the triage handler needs. */
export interface TriageContext {
  weights: TriageWeights;
  knowledge: TriageKnowledge;
  clock: Clock;
  /** The LLM copilot layer, when one is configured. */
  copilot?: CopilotStep | undefined;
  /** A remote playbook retriever (Azure AI Search); without one the engine asks the embedded index in-process. */
  playbooks?: PlaybookRetriever | undefined;
  /** The tenants' triage tuning; without it nothing is tuned. */
  tuning?: TriageTuningReader | undefined;
}

/** Pure: enriched alert in, triaged alert out (with the copilot's note when there is one). */
export function triage(event: EventByType<'soc.alert.enriched.v1'>, ctx: TriageContext, copilot?: CopilotNote, computed?: Triage): EventByType<'soc.alert.triaged.v1'> {
  const { alert, enrichment } = event.data;
  const result = computed ?? triageAlert(alert, enrichment, ctx.weights, ctx.knowledge);
  return causedBy(
    event,
    AlertTriagedV1,
    { alert, enrichment, triage: boundTriage(copilot === undefined ? result : { ...result, copilot }) },
    { source: '/soc/triage', time: ctx.clock.now() },
  );
}

/** The bus handler of the triage service: the deterministic triage, then the copilot's note (I/O) when configured. */
export function makeTriageHandler(ctx: TriageContext): EventHandler {
  return dispatch('triage', {
    'soc.alert.enriched.v1': async (event) => {
      const { alert, enrichment } = event.data;
      const tuning = await ctx.tuning?.current(alert.tenantId);
      const looked = ctx.playbooks === undefined ? undefined : await lookUpPlaybooks(withFetchedEvents(alert, enrichment), ctx.knowledge, ctx.playbooks);
      if (ctx.copilot === undefined && looked === undefined && tuning === undefined) return { emit: [triage(event, ctx)] };
      // Entries expire by the time of the event, not of the delivery: a redelivered alert is tuned as it was.
      const computed = triageTuned(alert, enrichment, ctx.weights, ctx.knowledge, tuning, new Date(event.time), looked);
      const note = ctx.copilot === undefined ? undefined : await ctx.copilot.note(alert, enrichment, computed);
      return { emit: [triage(event, ctx, note, computed)] };
    },
  });
}

/** The I/O half of the playbook step: map ATT&CK (pure), then ask the retriever for the best playbook. */
async function lookUpPlaybooks(alert: Alert, knowledge: TriageKnowledge, retriever: PlaybookRetriever): Promise<PlaybookLookup> {
  const behaviours = findBehaviours(alert);
  const sigma = findSigmaHits(alert, knowledge.sigma);
  const attack = mapAlertAttack(alert, knowledge.attack, behaviours, sigma);
  return { attack, playbooks: await retriever.find(playbookQueryOf(alert, attack), 1), behaviours, sigma };
}
