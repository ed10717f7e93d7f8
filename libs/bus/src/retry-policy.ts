import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './port.ts';

/** Share of the computed delay that jitter may add or remove, so retries of one failure burst spread out. */
const JITTER = 0.2;

/** Fills a partial retry policy with {@link DEFAULT_RETRY_POLICY} and rejects values that cannot work. */
export function resolveRetryPolicy(partial: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...definedOnly(partial) };
  if (!Number.isInteger(policy.maxDeliveryCount) || policy.maxDeliveryCount < 1) {
    throw new RangeError(`maxDeliveryCount must be an integer ≥ 1, got ${policy.maxDeliveryCount}`);
  }
  for (const key of ['initialBackoffMs', 'maxBackoffMs', 'lockDurationMs'] as const) {
    if (!Number.isFinite(policy[key]) || policy[key] < 0)
      throw new RangeError(`${key} must be ≥ 0, got ${policy[key]}`);
  }
  if (policy.lockDurationMs === 0) throw new RangeError('lockDurationMs must be > 0');
  return policy;
}

function definedOnly<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * The delay before delivery number `deliveryCount + 1`, after delivery `deliveryCount` failed: exponential
 * (initial × 2^(n−1)), capped at `maxBackoffMs`, with ±20 % jitter so a burst of failures does not retry in lockstep.
 */
export function retryDelayMs(policy: RetryPolicy, deliveryCount: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.min(deliveryCount - 1, 30));
  const base = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** exponent);
  const jittered = base * (1 - JITTER + 2 * JITTER * random());
  return Math.max(0, Math.round(Math.min(policy.maxBackoffMs, jittered)));
}
