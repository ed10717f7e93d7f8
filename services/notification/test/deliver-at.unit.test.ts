import { MAX_DELIVERY_DELAY_MS } from '@soc/contracts';
import { describe, expect, it } from 'vitest';
import { deliverAtOf } from '../src/handler.ts';

describe('when the bus delivers a case group timer', () => {
  const now = new Date('2026-12-07T06:00:00.000Z');
  it('at its time when the bus accepts it', () => {
    expect(deliverAtOf('2026-12-07T07:00:00.000Z', now).toISOString()).toBe('2026-12-07T07:00:00.000Z');
  });
  it('a policy\'s longest escalation (7 days after a decision stamped by a clock running ahead) is brought inside the bus\'s bound', () => {
    const at = new Date(now.getTime() + MAX_DELIVERY_DELAY_MS + 5_000).toISOString();
    const deliverAt = deliverAtOf(at, now);
    expect(deliverAt.getTime() - now.getTime()).toBeLessThan(MAX_DELIVERY_DELAY_MS);
    expect(deliverAt.getTime() - now.getTime()).toBeGreaterThan(MAX_DELIVERY_DELAY_MS - 120_000);
  });
});
