import { describe, expect, it } from 'vitest';
import { ReplayGuard } from '../src/http/replay-guard.ts';

describe('ReplayGuard', () => {
  it('refuses a nonce seen before until its time is over, per credential', () => {
    let now = 1_000_000;
    const guard = new ReplayGuard({ maxEntriesPerCredential: 10, now: () => now });
    expect(guard.admit('siem', 'nonce-aaaaaaaaaaaaaaaa', now + 300_000)).toBe('fresh');
    expect(guard.admit('siem', 'nonce-aaaaaaaaaaaaaaaa', now + 300_000)).toBe('replayed');
    // Another credential's nonces are its own.
    expect(guard.admit('other', 'nonce-aaaaaaaaaaaaaaaa', now + 300_000)).toBe('fresh');
    now += 299_999;
    expect(guard.admit('siem', 'nonce-aaaaaaaaaaaaaaaa', now + 300_000)).toBe('replayed');
    // Once its timestamp is outside the skew window the request is refused for that anyway; the entry may go.
    now += 2;
    expect(guard.admit('siem', 'nonce-aaaaaaaaaaaaaaaa', now + 300_000)).toBe('fresh');
  });

  it('never evicts a live entry to make room: a full cache refuses new nonces until entries expire', () => {
    let now = 5_000;
    const guard = new ReplayGuard({ maxEntriesPerCredential: 3, now: () => now });
    for (const n of ['n1', 'n2', 'n3']) expect(guard.admit('siem', n, 6_000)).toBe('fresh');
    expect(guard.admit('siem', 'n4', 6_000)).toBe('full');
    // The oldest is still remembered: evicting it would have made its request replayable.
    expect(guard.admit('siem', 'n1', 6_000)).toBe('replayed');
    now = 6_001;
    expect(guard.admit('siem', 'n4', 7_000)).toBe('fresh');
  });
});
