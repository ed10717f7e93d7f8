import { describe, expect, it } from 'vitest';
import { Fact } from '@soc/contracts';
import { sampleAlert } from '@soc/contracts/testing';
import { FeedbackMemory } from '../src/eval/feedback-memory.ts';

describe('the evaluation feedback memory builds the facts enrichment would', () => {
  it('ids and statements stay within the contract for long entity ids and rule names', () => {
    const commandLine = `powershell -enc ${'SQBFAFgA'.repeat(250)}`;
    const alert = sampleAlert({ rule: { name: `ASC ${'suspicious command line '.repeat(30)}` }, entities: [{ id: `process:${commandLine}`, type: 'process', value: commandLine, origin: 'source' }] });
    const memory = new FeedbackMemory();
    memory.record(alert, 'true-positive', '2026-11-01T00:00:00.000Z');
    const facts = memory.factsFor({ ...alert, alertId: 'alt-next' }, '2026-11-02T00:00:00.000Z');
    expect(facts.map((f) => f.kind)).toEqual(['history', 'rule-history', 'history']);
    for (const f of facts) expect(Fact.safeParse(f).success, f.id.slice(0, 80)).toBe(true);
  });
});
