import { z } from 'zod';

/** The triage service's own settings. */
export const TriageConfig = z.object({
  /** A weights file of your own; default the bundled config/weights.v1.json. */
  TRIAGE_WEIGHTS_FILE: z.string().min(1).optional(),
});
export type TriageConfig = z.infer<typeof TriageConfig>;
