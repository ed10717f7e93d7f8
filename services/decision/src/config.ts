import { z } from 'zod';

/** The decision service's own settings. */
export const DecisionConfig = z.object({
  /** A policy file of your own; default the bundled libs/guardrails/config/default-policy.json (the containment service reads its containment section too). */
  DECISION_POLICY_FILE: z.string().min(1).optional(),
});
export type DecisionConfig = z.infer<typeof DecisionConfig>;
