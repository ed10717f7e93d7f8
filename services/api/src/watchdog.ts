import type { CaseView } from './case-view.ts';

/** Where an alert's journey stands before its decision. */
export type PendingStage = Exclude<CaseView['stage'], 'decided'>;

/** The stages an alert can stall at, in journey order (gauge labels and listings use them). */
export const PENDING_STAGES: readonly PendingStage[] = ['received', 'enriched', 'triaged'];

/** What the watchdog needs to know of one alert's journey. */
export interface Journey {
  readonly alertId: string;
  readonly correlationId: string;
  /** When ingestion answered 202 (the alert's `receivedAt`). */
  readonly receivedAt: string;
  readonly stage: CaseView['stage'];
}

/** An alert answered 202 that has had no decision for longer than the threshold. */
export interface StalledAlert {
  readonly alertId: string;
  readonly correlationId: string;
  readonly stage: PendingStage;
  readonly receivedAt: string;
  /** Whole seconds since `receivedAt`. */
  readonly ageSeconds: number;
}

/**
 * The journeys that have stalled: not decided, and received at least `stallAfterMs` before `now`; oldest first
 * (then by alert id).
 * Pure: the clock and the cases come in, so the timer shell, the route and the tests share one rule.
 */
export function findStalled(journeys: readonly Journey[], now: Date, stallAfterMs: number): StalledAlert[] {
  const stalled: StalledAlert[] = [];
  for (const journey of journeys) {
    if (journey.stage === 'decided') continue;
    const received = Date.parse(journey.receivedAt);
    // A journey without a readable receipt time cannot be aged; the case view always writes one.
    if (Number.isNaN(received)) continue;
    const ageMs = now.getTime() - received;
    if (ageMs < stallAfterMs) continue;
    stalled.push({
      alertId: journey.alertId,
      correlationId: journey.correlationId,
      stage: journey.stage,
      receivedAt: journey.receivedAt,
      ageSeconds: Math.floor(ageMs / 1000),
    });
  }
  const order = (a: StalledAlert): string => `${a.receivedAt} ${a.alertId}`;
  return stalled.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
}

/** How many stalled alerts wait at each stage, every stage present (a gauge must fall back to 0). */
export function countByStage(stalled: readonly StalledAlert[]): Record<PendingStage, number> {
  const counts: Record<PendingStage, number> = { received: 0, enriched: 0, triaged: 0 };
  for (const s of stalled) counts[s.stage] += 1;
  return counts;
}
