import { type Alert, type Enrichment, type RiskFactor, type Triage, clipText } from '@soc/contracts';
import { type TriageTuning, type TuningEntry, isEntryActive } from '@soc/triage-tuning';
import { type BehaviourFinding, findBehaviours } from './behaviour.ts';
import { type PlaybookLookup, type TriageKnowledge, mapAlertAttack, playbookQueryOf, triageAlert } from './engine.ts';
import { type SigmaFinding, citeHit, findSigmaHits, sigmaEventsOf, withFetchedEvents } from './sigma.ts';
import type { TriageWeights } from './weights.ts';

/**
 * A tenant's triage tuning (`@soc/triage-tuning`) applied to what the engine found, before it scores: a disabled or
 * excepted finding is not scored and is named in a `tuned-out` factor of 0 points, so the analyst sees what tuning
 * hid. Guardrails: a critical Sigma hit is never tuned out, and no entry applies to an alert in which threat intel
 * found an entity the source named malicious; the factor then says which entries did not apply and why. Pure.
 */

/** What the engine found in an alert, before scoring. */
export interface TuningInput {
  alert: Alert;
  enrichment: Enrichment;
  behaviours: readonly BehaviourFinding[];
  sigma: readonly SigmaFinding[];
}

/** The findings left to score, and the factor that names what tuning hid or declined to hide. */
export interface TunedFindings {
  enrichment: Enrichment;
  behaviours: readonly BehaviourFinding[];
  sigma: readonly SigmaFinding[];
  factor: RiskFactor | undefined;
}

type Events = readonly { readonly event: Readonly<Record<string, unknown>> }[];

const fieldText = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined);

/**
 * Whether an exception's field condition holds for the alert: at least one event carries the field, and every event
 * that carries it matches. A finding is not tied to one event, so an alert with one excepted process and one other
 * is not excepted: the other process may be what the rule saw.
 */
function fieldHolds(entry: Extract<TuningEntry, { kind: 'exception' }>, events: Events): boolean {
  const values = events.map((e) => fieldText(e.event[entry.field])).filter((v): v is string => v !== undefined);
  if (values.length === 0) return false;
  const want = entry.value.toLowerCase();
  return values.every((v) => (entry.match === 'equals' ? v.toLowerCase() === want : v.toLowerCase().endsWith(want)));
}

const describeEntry = (e: TuningEntry): string => {
  const why = clipText(e.reason, 160);
  switch (e.kind) {
    case 'rule-influence':
      return `entry "${e.id}" (rule-influence ${e.source}/${clipText(e.ruleId, 80)}: ${why})`;
    case 'sigma-rule':
      return `entry "${e.id}" (sigma-rule: ${why})`;
    case 'exception':
      return `entry "${e.id}" (exception ${e.field} ${e.match} "${clipText(e.value, 120)}": ${why})`;
  }
};

/** The source rule's analysts' history (rule prior, noisy and recurring rule) is what a rule-influence entry removes. */
const isRuleInfluenceOf = (e: TuningEntry, alert: Alert): boolean =>
  e.kind === 'rule-influence' && alert.rule?.id !== undefined && e.ruleId === alert.rule.id && e.source.toLowerCase() === alert.source.name.toLowerCase();

/** Applies the tuning as it stands at `at` (expired entries do not apply). Pure. */
export function applyTuning(input: TuningInput, tuning: TriageTuning, at: Date): TunedFindings {
  const { alert, enrichment } = input;
  const active = tuning.entries.filter((e) => isEntryActive(e, at));
  const sourceNamed = new Set(alert.entities.filter((e) => e.origin !== 'extracted').map((e) => e.id));
  const malicious = enrichment.facts.filter((f) => f.kind === 'threat-intel' && f.attributes.verdict === 'malicious' && f.entityId !== undefined && sourceNamed.has(f.entityId));
  const blocked = malicious.length > 0 ? `threat intel found ${malicious.slice(0, 3).map((f) => f.entityId).join(', ')} malicious, so no tuning applies to this alert` : undefined;

  const hidden: string[] = [];
  const declined: string[] = [];
  const decide = (what: string, entry: TuningEntry, guard: string | undefined): boolean => {
    const reason = guard ?? blocked;
    if (reason === undefined) hidden.push(`${what} by ${describeEntry(entry)}`);
    else declined.push(`${describeEntry(entry)} on ${what}: ${reason}`);
    return reason === undefined;
  };

  let sigmaEvents: Events | undefined;
  const sigma = input.sigma.filter((f) => {
    const id = f.hit.id.toLowerCase();
    const entry = active.find((e) => (e.kind === 'sigma-rule' && e.sigmaRuleId === id) || (e.kind === 'exception' && e.sigmaRuleId === id && fieldHolds(e, (sigmaEvents ??= sigmaEventsOf(alert)))));
    if (entry === undefined) return true;
    return !decide(`Sigma ${citeHit(f.hit)}`, entry, f.hit.level === 'critical' ? 'a critical Sigma hit is never tuned out' : undefined);
  });

  // Behaviours are read from the alert's process entities, so their exceptions look at those entities' fields.
  let entityEvents: Events | undefined;
  const behaviours = input.behaviours.filter((b) => {
    const entry = active.find((e) => e.kind === 'exception' && e.behaviour === b.kind && fieldHolds(e, (entityEvents ??= sigmaEventsOf({ entities: alert.entities }))));
    if (entry === undefined) return true;
    return !decide(`behaviour ${b.kind}`, entry, undefined);
  });

  const ruleEntry = active.find((e) => isRuleInfluenceOf(e, alert));
  const hasRuleHistory = enrichment.facts.some((f) => f.kind === 'rule-history');
  const dropRuleHistory = ruleEntry !== undefined && hasRuleHistory && decide(`the analysts' history of rule ${alert.source.name}/${clipText(alert.rule?.id ?? '', 80)}`, ruleEntry, undefined);
  const tunedEnrichment = dropRuleHistory ? { ...enrichment, facts: enrichment.facts.filter((f) => f.kind !== 'rule-history') } : enrichment;

  if (hidden.length === 0 && declined.length === 0) return { enrichment, behaviours: input.behaviours, sigma: input.sigma, factor: undefined };
  const parts = [
    ...(hidden.length > 0 ? [`hidden (not scored): ${hidden.join('; ')}`] : []),
    ...(declined.length > 0 ? [`did not apply: ${declined.join('; ')}`] : []),
  ];
  return {
    enrichment: tunedEnrichment,
    behaviours,
    sigma,
    factor: { name: 'tuned-out', points: 0, evidence: clipText(`Tenant tuning v${tuning.version} (${tuning.sha256.slice(0, 12)}) — ${parts.join('. ')}`, 2048), factIds: [] },
  };
}

/** The engine version with the tuning version it used: `1.5.0+weights.1.6.0+tuning.3`. */
export const tunedEngineVersion = (version: string, tuning: TriageTuning): string => clipText(`${version}+tuning.${tuning.version}`, 64);

/**
 * The deterministic triage with the tenant's tuning applied at one place: the findings are tuned, then scored by
 * the engine as they are; the result names the tuning version and carries the `tuned-out` factor. Without tuning
 * it is the engine's triage. Pure.
 */
export function triageTuned(received: Alert, enrichment: Enrichment, weights: TriageWeights, knowledge: TriageKnowledge, tuning: TriageTuning | undefined, at: Date, looked?: PlaybookLookup): Triage {
  if (tuning === undefined) return triageAlert(received, enrichment, weights, knowledge, looked);
  const alert = withFetchedEvents(received, enrichment);
  const behaviours = looked?.behaviours ?? findBehaviours(alert);
  const sigma = looked?.sigma ?? findSigmaHits(alert, knowledge.sigma);
  const tuned = applyTuning({ alert, enrichment, behaviours, sigma }, tuning, at);
  // A hidden finding's ATT&CK techniques are not the alert's either.
  const unchanged = tuned.behaviours.length === behaviours.length && tuned.sigma.length === sigma.length;
  const attack = unchanged && looked !== undefined ? looked.attack : mapAlertAttack(alert, knowledge.attack, tuned.behaviours, tuned.sigma);
  const playbooks = looked?.playbooks ?? knowledge.playbooks.findPlaybooks(playbookQueryOf(alert, attack), 1);
  const result = triageAlert(alert, tuned.enrichment, weights, knowledge, { attack, playbooks, behaviours: tuned.behaviours, sigma: tuned.sigma });
  return {
    ...result,
    engine: { ...result.engine, version: tunedEngineVersion(result.engine.version, tuning) },
    risk: tuned.factor === undefined ? result.risk : { ...result.risk, factors: [...result.risk.factors, tuned.factor] },
  };
}
