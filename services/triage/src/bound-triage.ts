import { MAX_TRIAGE_BYTES, type Triage, clipText, jsonBytes } from '@soc/contracts';

/** Shrinking steps, gentlest first: each cuts text shown to people (with a marker) or the tail of a long list. */
const STEPS: readonly ((t: Triage) => Triage)[] = [
  (t) => (t.copilot === undefined ? t : { ...t, copilot: { ...t.copilot, removed: t.copilot.removed.map((r) => ({ ...r, value: clipText(r.value, 128) })) } }),
  (t) => ({ ...t, risk: { ...t.risk, factors: t.risk.factors.map((f) => ({ ...f, evidence: clipText(f.evidence, 512), factIds: f.factIds.slice(0, 8) })) }, nextSteps: t.nextSteps.map((s) => clipText(s, 512)) }),
  (t) =>
    t.copilot === undefined
      ? t
      : { ...t, copilot: { ...t.copilot, huntQueries: t.copilot.huntQueries.slice(0, 3), investigationSteps: t.copilot.investigationSteps.map((s) => clipText(s, 256)), removed: t.copilot.removed.slice(0, 10) } },
  (t) => ({ ...t, summary: clipText(t.summary, 1024), nextSteps: t.nextSteps.slice(0, 10), attack: t.attack.slice(0, 16) }),
  // The copilot cites entities by id, and an id may be 2,100 characters: its lists of ids are cut (never an id).
  (t) =>
    t.copilot === undefined
      ? t
      : {
          ...t,
          copilot: {
            ...t.copilot,
            summary: t.copilot.summary === undefined ? undefined : clipText(t.copilot.summary, 1024),
            evidence: t.copilot.evidence.slice(0, 10),
            recommendedActions: t.copilot.recommendedActions.map((r) => (r.kind === 'GenerateHunt' ? { ...r, entityIds: r.entityIds.slice(0, 5) } : r)),
          },
        },
  // Last: the copilot keeps its status, verdict and usage and says its lists did not fit; the engine's factors keep
  // their names, points and evidence's head. The score, the verdict and the engine's own next steps never go.
  (t) => ({
    ...t,
    risk: { ...t.risk, factors: t.risk.factors.map((f) => ({ ...f, evidence: clipText(f.evidence, 128), factIds: f.factIds.slice(0, 2) })) },
    copilot:
      t.copilot === undefined
        ? undefined
        : { ...t.copilot, reason: OVERSIZED_NOTE, evidence: [], investigationSteps: [], recommendedActions: [], huntQueries: [], removed: [] },
  }),
];

/** Why a copilot note lost its lists (the last step of {@link boundTriage}). */
export const OVERSIZED_NOTE = "the copilot's answer did not fit the event budget: its evidence, steps, recommendations and hunts were left out";

/**
 * Bounds a triage to {@link MAX_TRIAGE_BYTES}, its share of the bus budget in the events that carry it
 * (`soc.alert.triaged.v1`, `soc.decision.made.v2`). The engine's own output stays well below it; a copilot note
 * or an alert with many long values can push it over, and then text is cut with a marker — never a score, a
 * verdict or a recommendation. Pure.
 */
export function boundTriage(triage: Triage): Triage {
  let t = triage;
  for (const step of STEPS) {
    if (jsonBytes(t) <= MAX_TRIAGE_BYTES) return t;
    t = step(t);
  }
  return t;
}
