import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { VerdictClass } from '@soc/contracts';
import { ContainmentPolicy, DEFAULT_POLICY_URL, RiskLevel } from '@soc/guardrails';

const Level = RiskLevel;

export type Level = z.infer<typeof Level>;

/** The decision policy: which actions are allowed, when, and to which destinations. Versioned, loaded from a file. */
export const DecisionPolicy = z
  .object({
    id: z.string().min(1),
    version: z.string().min(1),
    suppress: z.object({ verdicts: z.array(VerdictClass), minLikelihood: z.number().min(0).max(1) }),
    email: z.object({
      enabled: z.boolean(),
      minLevel: Level,
      to: z.array(z.email()).max(50),
      /** Every recipient must be in one of these domains, whoever recommends the email. */
      allowedDomains: z.array(z.string().min(1)),
    }),
    chat: z.object({
      enabled: z.boolean(),
      minLevel: Level,
      destinations: z.array(z.object({ name: z.string().min(1), channel: z.enum(['teams', 'slack']) })),
    }),
    ticket: z.object({
      enabled: z.boolean(),
      minLevel: Level,
      system: z.enum(['local', 'servicenow']),
      priorityByLevel: z.record(Level, z.number().int().min(1).max(5)),
    }),
    /** When containment is proposed and the targets it may never touch (schema and checks: `@soc/guardrails`). */
    containment: ContainmentPolicy,
    hunt: z.object({ enabled: z.boolean(), minLevel: Level }),
    /**
     * The LLM copilot's recommended actions. They pass the same checks as the policy's own, plus: the copilot can
     * never suppress (suppression follows the deterministic verdict), and destinations always come from this policy.
     */
    copilot: z.object({ acceptRecommendations: z.boolean() }).default({ acceptRecommendations: true }),
  })
  .strict();
export type DecisionPolicy = z.infer<typeof DecisionPolicy>;

/** The bundled policy file (kept with the guardrails, whose containment section the containment service reads too). */
export const DEFAULT_POLICY_PATH = DEFAULT_POLICY_URL;

/** Reads and validates a policy file; a bad file stops start-up with the reasons. */
export function loadPolicy(path: string | URL = DEFAULT_POLICY_PATH): DecisionPolicy {
  const parsed = DecisionPolicy.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    throw new Error(
      `Invalid decision policy ${String(path)}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

const RANK: Readonly<Record<Level, number>> = { low: 0, medium: 1, high: 2, critical: 3 };

/** True when `level` is at least `min`. */
export function atLeast(level: Level, min: Level): boolean {
  return RANK[level] >= RANK[min];
}
