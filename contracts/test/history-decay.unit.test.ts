import { describe, expect, it } from 'vitest';
import { DEFAULT_DISPOSITION_HALF_LIFE_DAYS, MAX_JUDGED_ALERTS, decayedDispositions } from '../src/index.ts';

const now = new Date('2026-11-23T00:00:00.000Z');
const daysAgo = (d: number): string => new Date(now.getTime() - d * 86_400_000).toISOString();

describe('decayedDispositions: analysts dispositions weighed by their age', () => {
  it('halves a disposition per half-life, and a disposition from the future weighs 1', () => {
    expect(DEFAULT_DISPOSITION_HALF_LIFE_DAYS).toBe(90);
    const judged = [
      { disposition: 'benign-positive' as const, at: daysAgo(0) },
      { disposition: 'benign-positive' as const, at: daysAgo(90) },
      { disposition: 'false-positive' as const, at: daysAgo(180) },
      { disposition: 'true-positive' as const, at: daysAgo(-3) },
    ];
    expect(decayedDispositions(judged, now, 90)).toEqual({ truePositives: 1, benignPositives: 1.5, falsePositives: 0.25 });
    expect(decayedDispositions(judged, now, 180)).toEqual({ truePositives: 1, benignPositives: 1.707, falsePositives: 0.5 });
  });

  it('counts at most the newest judged alerts a history keeps', () => {
    const many = Array.from({ length: MAX_JUDGED_ALERTS + 200 }, () => ({ disposition: 'false-positive' as const, at: daysAgo(0) }));
    expect(decayedDispositions(many, now, 90)).toEqual({ truePositives: 0, benignPositives: 0, falsePositives: MAX_JUDGED_ALERTS });
  });
});
