import { z } from 'zod';
import { defineEvent } from '../envelope.ts';

/**
 * Where an analyst's work on a case stands: `new` (nobody has worked it), `in-progress`, `on-hold` (waiting on
 * someone outside the SOC) and `resolved` (closed, with a disposition). Distinct from the alert's own `status` in its
 * source, which the case view shows per revision.
 */
export const CaseStatus = z.enum(['new', 'in-progress', 'on-hold', 'resolved']);
export type CaseStatus = z.infer<typeof CaseStatus>;

/** Emitted by the analyst API when an analyst moves a case (one alert) to another status. Consumed by the case view. */
export const CaseStatusChangedV1 = defineEvent(
  'soc.case.status-changed.v1',
  z.object({
    alertId: z.string().min(1).max(128),
    tenantId: z.string().min(1).max(128),
    status: CaseStatus,
    previous: CaseStatus,
    /** The authenticated principal who made the change. */
    by: z.string().min(1).max(256),
    at: z.iso.datetime({ offset: true }),
    /** Why, in the analyst's words (e.g. what an on-hold case waits for). */
    reason: z.string().min(1).max(1000).optional(),
  }),
  'Emitted by the analyst API when a case (alert) moves to another status (new, in-progress, on-hold, resolved). Consumed by the case view.',
);
