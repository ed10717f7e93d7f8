import { z } from 'zod';
import { ContainmentRunbookV1 } from './actions.ts';
import { AttackRef, MAX_SOURCE_EVENTS, SourceEvent } from './alert.ts';

/** A verdict class; `needs-more-information` when the evidence does not support any other. */
export const VerdictClass = z.enum(['true-positive', 'benign-positive', 'false-positive', 'needs-more-information']);
export type VerdictClass = z.infer<typeof VerdictClass>;

/** A piece of deterministic evidence found by enrichment, with its provenance. */
export const Fact = z.object({
  /** Stable within the case, so verdicts and factors can cite it. */
  id: z.string().min(1).max(256),
  kind: z.enum(['history', 'asset', 'user', 'threat-intel', 'allowlist', 'rule-history']),
  entityId: z.string().max(2100).optional(),
  source: z.string().min(1).max(128),
  observedAt: z.iso.datetime({ offset: true }),
  confidence: z.number().min(0).max(1).optional(),
  cacheHit: z.boolean().optional(),
  /** Human-readable statement of the fact. */
  statement: z.string().max(2048),
  attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).default({}),
});
export type Fact = z.infer<typeof Fact>;

/**
 * A raw event enrichment fetched for an alert that carries none (a Sentinel incident names a host but no event): a
 * row of the host's logs near the alert's time, read by a guarded, audited KQL query and mapped onto Sigma's taxonomy
 * like the events an alert carries. It is a nearby event, not proven to be the one that fired the alert. Added as an
 * optional field of `Enrichment`.
 */
export const FetchedSourceEvent = SourceEvent.extend({
  /** Provenance: the audit id of the guarded KQL run that fetched it (`kqa-000000000042`; `GET /api/v1/hunt/audit/{id}`). */
  fetchedBy: z.string().min(1).max(64),
  /** When the event was logged (the row's `TimeGenerated`). */
  loggedAt: z.iso.datetime({ offset: true }).optional(),
});
export type FetchedSourceEvent = z.infer<typeof FetchedSourceEvent>;

/** The enrichment attached to an alert. */
export const Enrichment = z.object({
  facts: z.array(Fact).max(1000),
  /** Sources that could not answer; the alert was enriched without them. */
  missing: z.array(z.object({ source: z.string(), reason: z.string().max(1024) })).default([]),
  /**
   * Raw events fetched for an alert that carries none (`sourceEvents` of the alert is empty), within the
   * enrichment budget; events left out are said in `missing`. Absent when nothing was fetched.
   */
  sourceEvents: z.array(FetchedSourceEvent).max(MAX_SOURCE_EVENTS).optional(),
});
export type Enrichment = z.infer<typeof Enrichment>;

/** One named, weighted contributor to the risk score. */
export const RiskFactor = z.object({
  name: z.string().min(1).max(128),
  /** Signed points added to the score (negative for mitigating factors). */
  points: z.number(),
  evidence: z.string().max(2048),
  factIds: z.array(z.string()).default([]),
});
export type RiskFactor = z.infer<typeof RiskFactor>;

/** An ATT&CK mapping with how sure the mapper is. */
export const AttackMapping = AttackRef.extend({
  confidence: z.number().min(0).max(1),
  basis: z.enum(['source', 'rule', 'text']),
});

const copilotReason = z.string().max(1024);
const entityRef = z.string().min(1).max(2100);

/**
 * An action the LLM copilot recommends, in the action-contract vocabulary. Targets are entity ids of the case;
 * destinations and recipients are never the model's to choose — the decision policy fills and validates them.
 */
export const CopilotRecommendation = z.discriminatedUnion('kind', [
  // The copilot recommends from the version 1 runbooks only (alert.triaged.v1 is frozen); the policy orders any runbook.
  z.object({ kind: z.literal('RunContainment'), runbook: ContainmentRunbookV1, target: entityRef, reason: copilotReason }),
  z.object({ kind: z.literal('GenerateHunt'), entityIds: z.array(entityRef).max(50), reason: copilotReason }),
  z.object({ kind: z.literal('CreateTicket'), priority: z.number().int().min(1).max(5), reason: copilotReason }),
  z.object({ kind: z.literal('Suppress'), reason: copilotReason }),
  z.object({ kind: z.literal('SendEmail'), reason: copilotReason }),
  z.object({ kind: z.literal('PostChat'), reason: copilotReason }),
]);
export type CopilotRecommendation = z.infer<typeof CopilotRecommendation>;

/**
 * What the LLM copilot added to a triage, or why it added nothing. The copilot only advises: the deterministic
 * score and verdict stand, and the decision policy validates anything it recommends.
 */
export const CopilotNote = z.object({
  /** `advised`: a model call for this case group; `cached`: the group's earlier advice; `skipped`/`failed`: none. */
  status: z.enum(['advised', 'cached', 'skipped', 'failed']),
  reason: z.string().max(1024).optional(),
  model: z.string().max(128).optional(),
  /** The case group (rule plus key entities) the advice was given for. */
  fingerprint: z.string().max(128).optional(),
  /**
   * Whose advice this is: `alert`, written for this alert; `case-group`, written for an earlier alert of the same case
   * group (`writtenFor`) and reused (one model call per group), so its summary and actions were not written about
   * this alert's own entities and must be shown as the group's. Absent on notes written before it existed.
   */
  scope: z.enum(['alert', 'case-group']).optional(),
  /** The alert id the model wrote the advice for. */
  writtenFor: z.string().max(128).optional(),
  summary: z.string().max(4000).optional(),
  verdict: z.object({ class: VerdictClass, confidence: z.number().min(0).max(1) }).optional(),
  /** Fact, entity or factor ids the verdict cites. */
  evidence: z.array(entityRef).max(50).default([]),
  investigationSteps: z.array(z.string().max(1024)).max(20).default([]),
  recommendedActions: z.array(CopilotRecommendation).max(20).default([]),
  huntQueries: z.array(z.string().max(4000)).max(10).default([]),
  /** What the safety check removed from the model's answer, and why. */
  removed: z.array(z.object({ path: z.string().max(256), reason: z.string().max(64), value: z.string().max(2100) })).max(100).default([]),
  usage: z.object({ promptTokens: z.number().int().min(0), completionTokens: z.number().int().min(0), cost: z.number().min(0).optional() }).optional(),
});
export type CopilotNote = z.infer<typeof CopilotNote>;

/** The triage outcome: explainable score, verdict likelihoods and what to do next. */
export const Triage = z.object({
  engine: z.object({ name: z.enum(['deterministic', 'llm']), version: z.string().max(64) }),
  risk: z.object({
    score: z.number().int().min(0).max(100),
    level: z.enum(['low', 'medium', 'high', 'critical']),
    factors: z.array(RiskFactor).max(64),
  }),
  verdict: z.object({
    class: VerdictClass,
    likelihoods: z.object({
      truePositive: z.number().min(0).max(1),
      benignPositive: z.number().min(0).max(1),
      falsePositive: z.number().min(0).max(1),
    }),
  }),
  summary: z.string().max(8192),
  nextSteps: z.array(z.string().max(1024)).max(32),
  attack: z.array(AttackMapping).max(64).default([]),
  /** The LLM copilot's advice on top of the facts, when one is configured. */
  copilot: CopilotNote.optional(),
});
export type Triage = z.infer<typeof Triage>;
