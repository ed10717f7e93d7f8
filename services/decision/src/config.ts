import { z } from 'zod';

/** The decision service's own settings. */
export const DecisionConfig = z.object({
  /** A policy file of your own; default the bundled config/default-policy.json. */
  DECISION_POLICY_FILE: z.string().min(1).optional(),
});
export type DecisionConfig = z.infer<typeof DecisionConfig>;
