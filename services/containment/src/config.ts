import { z } from 'zod';
import { ContainmentRunbook } from '@soc/contracts';

/** The containment service's own settings. */
export const ContainmentConfig = z.object({
  /** Fractions are allowed (0.05 = 3 s) so tests can watch a request expire. */
  CONTAINMENT_APPROVAL_TTL_MINUTES: z.coerce.number().min(1 / 60).max(7 * 24 * 60).default(240),
  /** Real runbooks arrive with the containment issue; until then only dry-run exists and `false` is refused. */
  CONTAINMENT_DRY_RUN: z.literal('true', { message: 'only dry-run containment exists so far; set CONTAINMENT_DRY_RUN=true' }).default('true'),
  /** Runbooks that need two different approvers (four-eyes), comma-separated; the others need one. */
  CONTAINMENT_FOUR_EYES_RUNBOOKS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(ContainmentRunbook)),
  /** Blast radius: containments that may start on one target (address, host, user …) of a tenant per hour. */
  CONTAINMENT_MAX_PER_TARGET_PER_HOUR: z.coerce.number().int().min(1).max(1000).default(3),
  /** Blast radius: containments that may start in one tenant per hour. */
  CONTAINMENT_MAX_PER_TENANT_PER_HOUR: z.coerce.number().int().min(1).max(1000).default(20),
});
export type ContainmentConfig = z.infer<typeof ContainmentConfig>;
