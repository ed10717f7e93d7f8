import type { Alert, Enrichment, Entity, Triage } from '@soc/contracts';

/** Everything the copilot may see about one case: the alert, its deterministic facts and the engine's triage. */
export interface CopilotFacts {
  alert: Alert;
  enrichment: Enrichment;
  triage: Triage;
}

/** The evidence id of an engine factor; factors have unique names within one triage. */
export const factorId = (name: string): string => `factor:${name}`;

/** Ids the copilot may cite as evidence: entity ids, fact ids and engine factor ids. */
export function evidenceIds(facts: CopilotFacts): Set<string> {
  return new Set([
    ...facts.alert.entities.map((e) => e.id),
    ...facts.enrichment.facts.map((f) => f.id),
    ...facts.triage.risk.factors.map((f) => factorId(f.name)),
  ]);
}

/** The alert's entities by id: the only targets an action may name. */
export function entitiesById(facts: CopilotFacts): Map<string, Entity> {
  return new Map(facts.alert.entities.map((e) => [e.id, e]));
}

/**
 * Evidence ids of a redacted copy → the ids of the original case. Redaction keeps the order of entities and facts,
 * and ids are mapped whole: restoring the placeholder inside an id would not give back the id's own casing.
 */
export function originalIds(redacted: CopilotFacts, original: CopilotFacts): Map<string, string> {
  const ids = new Map<string, string>();
  redacted.alert.entities.forEach((e, i) => ids.set(e.id, original.alert.entities[i]?.id ?? e.id));
  redacted.enrichment.facts.forEach((f, i) => ids.set(f.id, original.enrichment.facts[i]?.id ?? f.id));
  redacted.triage.risk.factors.forEach((f, i) => ids.set(factorId(f.name), factorId(original.triage.risk.factors[i]?.name ?? f.name)));
  return ids;
}
