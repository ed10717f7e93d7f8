import { describe, expect, it } from 'vitest';
import { KeyedRateLimiter } from '../src/index.ts';

describe('KeyedRateLimiter', () => {
  it('takes a cost all at once or not at all, and says when it can be paid', () => {
    const limiter = new KeyedRateLimiter(10, 20);
    expect(limiter.take('siem', 0, 15)).toBe(0);
    // 5 left: 15 more need 10 more tokens, 1 s at 10 per second; nothing was taken by the refusal.
    expect(limiter.take('siem', 0, 15)).toBe(1);
    expect(limiter.take('siem', 0, 5)).toBe(0);
    expect(limiter.take('siem', 0)).toBe(1);
    expect(limiter.take('other', 0, 20)).toBe(0);
    expect(limiter.take('siem', 2_000, 20)).toBe(0);
  });
});
