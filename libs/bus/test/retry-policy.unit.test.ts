import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY, resolveRetryPolicy, retryDelayMs } from '@soc/bus';

describe('resolveRetryPolicy', () => {
  it('fills omitted fields with the defaults and ignores undefined overrides', () => {
    expect(resolveRetryPolicy()).toEqual(DEFAULT_RETRY_POLICY);
    expect(resolveRetryPolicy({ maxDeliveryCount: 2, initialBackoffMs: undefined })).toEqual({
      ...DEFAULT_RETRY_POLICY,
      maxDeliveryCount: 2,
    });
  });

  it('rejects values that cannot work', () => {
    expect(() => resolveRetryPolicy({ maxDeliveryCount: 0 })).toThrow(/maxDeliveryCount/);
    expect(() => resolveRetryPolicy({ maxDeliveryCount: 1.5 })).toThrow(/maxDeliveryCount/);
    expect(() => resolveRetryPolicy({ lockDurationMs: 0 })).toThrow(/lockDurationMs/);
    expect(() => resolveRetryPolicy({ initialBackoffMs: -1 })).toThrow(/initialBackoffMs/);
  });
});

describe('retryDelayMs', () => {
  const policy = { ...DEFAULT_RETRY_POLICY, initialBackoffMs: 100, maxBackoffMs: 1_000 };

  it('doubles per delivery from the initial backoff, without jitter at the midpoint', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(policy, n, () => 0.5))).toEqual([100, 200, 400, 800]);
  });

  it('never exceeds the cap', () => {
    expect(retryDelayMs(policy, 10, () => 0.999)).toBe(1_000);
    expect(retryDelayMs(policy, 1_000, () => 0.5)).toBe(1_000);
  });

  it('stays within ±20 % of the exponential delay and within [0, max] for any input', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (count, initial, max, r) => {
          const p = { ...DEFAULT_RETRY_POLICY, initialBackoffMs: initial, maxBackoffMs: max };
          const base = Math.min(max, initial * 2 ** Math.min(count - 1, 30));
          const d = retryDelayMs(p, count, () => r);
          expect(d).toBeGreaterThanOrEqual(0);
          expect(d).toBeLessThanOrEqual(max);
          expect(d).toBeGreaterThanOrEqual(Math.floor(base * 0.8) - 1);
          expect(d).toBeLessThanOrEqual(Math.ceil(base * 1.2) + 1);
        },
      ),
    );
  });
});
