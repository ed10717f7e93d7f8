import { describe, expect, it } from 'vitest';
import { manualClock } from '@soc/runtime';
import { MemoryStateStore } from '@soc/state';
import { StateAuditTrail } from '../src/index.ts';

describe('lanes: a busy stream spread over several chains', () => {
  it('puts each subject in one lane, chains every lane, lists the stream as its lanes together and verifies', async () => {
    const clock = manualClock('2026-12-06T10:00:00Z');
    const trail = new StateAuditTrail(new MemoryStateStore(), { clock, lanes: { decision: 4 } });
    const subjects = Array.from({ length: 40 }, (_, i) => `alt-${i}`);
    // Concurrent appends, as 64 decisions in flight make them; the subject's second record follows its first.
    await Promise.all(subjects.map((subject) => trail.append({ kind: 'decision.made', actor: 'decision', subject, data: { n: 1 } })));
    clock.advance(1000);
    await Promise.all(subjects.map((subject) => trail.append({ kind: 'decision.made', actor: 'decision', subject, data: { n: 2 } })));
    await trail.append({ kind: 'config.changed', actor: 'decision', subject: 'decision-policy', data: {} });

    const all = await trail.list({ limit: 1000 });
    const lanesOf = new Map<string, Set<string>>();
    for (const r of all.filter((r) => r.kind === 'decision.made')) lanesOf.set(r.subject, (lanesOf.get(r.subject) ?? new Set()).add(r.stream));
    expect([...lanesOf.values()].every((streams) => streams.size === 1)).toBe(true);
    const used = new Set([...lanesOf.values()].flatMap((s) => [...s]));
    expect([...used].sort()).toEqual(['decision-0', 'decision-1', 'decision-2', 'decision-3']);
    expect(all.find((r) => r.kind === 'config.changed')?.stream).toBe('config');

    const decisions = await trail.list({ stream: 'decision', limit: 100 });
    expect(decisions).toHaveLength(80);
    expect(decisions.slice(0, 40).every((r) => r.data['n'] === 2)).toBe(true);

    const verified = await trail.verify();
    expect(verified).toMatchObject({ ok: true, count: 81 });
    expect(verified.streams.map((s) => s.stream).sort()).toEqual(['config', 'decision-0', 'decision-1', 'decision-2', 'decision-3']);
  });
});
