import { z } from 'zod';

/** The containment service's own settings. */
export const ContainmentConfig = z.object({
  /** Fractions are allowed (0.05 = 3 s) so tests can watch a request expire. */
  CONTAINMENT_APPROVAL_TTL_MINUTES: z.coerce.number().min(1 / 60).max(7 * 24 * 60).default(240),
  /** Real runbooks arrive with the containment issue; until then only dry-run exists and `false` is refused. */
  CONTAINMENT_DRY_RUN: z.literal('true', { message: 'only dry-run containment exists so far; set CONTAINMENT_DRY_RUN=true' }).default('true'),
  /**
   * The decision policy file (the same variable and file as the decision service's): its `containment` section gives
   * the four-eyes runbooks, the hourly blast-radius caps and the target rules the pre-execution re-check applies.
   * Default the bundled policy.
   */
  DECISION_POLICY_FILE: z.string().min(1).optional(),
});
export type ContainmentConfig = z.infer<typeof ContainmentConfig>;
