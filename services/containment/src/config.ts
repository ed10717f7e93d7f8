import { z } from 'zod';

/** The containment service's own settings. */
export const ContainmentConfig = z.object({
  CONTAINMENT_APPROVAL_TTL_MINUTES: z.coerce.number().int().min(1).max(7 * 24 * 60).default(240),
  /** Real runbooks arrive with the containment issue; until then only dry-run exists and `false` is refused. */
  CONTAINMENT_DRY_RUN: z.literal('true', { message: 'only dry-run containment exists so far; set CONTAINMENT_DRY_RUN=true' }).default('true'),
});
export type ContainmentConfig = z.infer<typeof ContainmentConfig>;
