import { z } from 'zod';
import { AttackRef } from './alert.ts';

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

/** The enrichment attached to an alert. */
export const Enrichment = z.object({
  facts: z.array(Fact).max(1000),
  /** Sources that could not answer; the alert was enriched without them. */
  missing: z.array(z.object({ source: z.string(), reason: z.string().max(1024) })).default([]),
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
});
export type Triage = z.infer<typeof Triage>;
