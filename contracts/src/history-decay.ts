import type { Disposition } from './events/alert-dispositioned.v1.ts';

/**
 * How long until an analyst's disposition counts half as much in the priors history states, in days. Activity that
 * was benign last quarter may be an attacker's today: recent judgements should outweigh old ones.
 */
export const DEFAULT_DISPOSITION_HALF_LIFE_DAYS = 90;

/** Judged alerts a history document remembers (newest first), and so the most any one prior counts. */
export const MAX_JUDGED_ALERTS = 500;

/** Analysts' dispositions per class, possibly weighed by age (then fractional). */
export interface DispositionTally {
  truePositives: number;
  benignPositives: number;
  falsePositives: number;
}

const KEY: Readonly<Record<Disposition, keyof DispositionTally>> = {
  'true-positive': 'truePositives',
  'benign-positive': 'benignPositives',
  'false-positive': 'falsePositives',
};

const DAY_MS = 86_400_000;

/**
 * The dispositions of the judged alerts (at most {@link MAX_JUDGED_ALERTS}, the newest a history keeps) each weighed
 * `0.5^(age / halfLifeDays)` at `now` (a disposition from the future weighs 1), rounded to 1/1000 so the store and
 * `soc eval`'s feedback memory state the same numbers. Bounded: never more than the judged alerts counted. Pure.
 */
export function decayedDispositions(judged: readonly { disposition: Disposition; at: string }[], now: Date, halfLifeDays: number): DispositionTally {
  const sums: DispositionTally = { truePositives: 0, benignPositives: 0, falsePositives: 0 };
  for (const d of judged.slice(0, MAX_JUDGED_ALERTS)) {
    const ageDays = Math.max(0, now.getTime() - Date.parse(d.at)) / DAY_MS;
    sums[KEY[d.disposition]] += Number.isFinite(ageDays) ? 0.5 ** (ageDays / halfLifeDays) : 1;
  }
  const round = (n: number): number => Math.round(n * 1000) / 1000;
  return { truePositives: round(sums.truePositives), benignPositives: round(sums.benignPositives), falsePositives: round(sums.falsePositives) };
}
