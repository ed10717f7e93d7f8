import { describe, expect, it } from 'vitest';
import type { Alert } from '@soc/contracts';
import { AppError, ErrorCode, manualClock } from '@soc/runtime';
import { MemoryStateStore } from '@soc/state';
import { type Copilot, CopilotStep } from '../src/copilot-step.ts';
import { type CopilotAdvice, type CopilotFacts, copilotError } from '../src/llm/index.ts';
import { alertOf, caseOf, securityAlertRows } from './support/llm-cases.ts';

const row = securityAlertRows().get('Detected suspicious credentials in commandline')!;
/** Alerts of distinct case groups (one rule each), so every one asks the model. */
const caseNo = (i: number): CopilotFacts => {
  const base = alertOf(row);
  return caseOf({ ...base, alertId: `alt-budget-${i}`, rule: { id: `RULE-${i}` } } satisfies Alert);
};

function adviceOf(totalTokens: number): CopilotAdvice {
  return {
    output: { summary: 'ok', verdict: { class: 'needs-more-information', confidence: 0.1 }, evidence: [], investigationSteps: [], recommendedActions: [], huntQueries: [] },
    removed: [],
    usage: { model: 'fake-model', promptTokens: totalTokens, completionTokens: 0, totalTokens, cost: undefined },
    prompt: { estimatedTokens: totalTokens, budgetTokens: 2500, cut: [] },
  };
}

/** A model that estimates every call at `estimate` tokens and answers (or fails) as scripted, counting its calls. */
class ScriptedCopilot implements Copilot {
  readonly model = 'fake-model';
  calls = 0;
  release: () => void = () => {};
  private readonly gate: Promise<void>;
  private readonly estimate: number;
  private readonly answer: (call: number) => CopilotAdvice | Error;
  constructor(estimate: number, answer: (call: number) => CopilotAdvice | Error, { gated = false } = {}) {
    this.estimate = estimate;
    this.answer = answer;
    this.gate = gated ? new Promise((r) => (this.release = r)) : Promise.resolve();
  }
  estimateTokens(): number {
    return this.estimate;
  }
  async advise(): Promise<CopilotAdvice> {
    const call = this.calls++;
    await this.gate;
    const a = this.answer(call);
    if (a instanceof Error) throw a;
    return a;
  }
}

const stepWith = (copilot: Copilot, tokensPerHour: number, state = new MemoryStateStore()) =>
  ({ state, step: new CopilotStep({ copilot, state, clock: manualClock('2026-11-23T10:00:00Z'), cacheTtlSeconds: 3600, tokensPerHour }) });
const noteFor = (step: CopilotStep, facts: CopilotFacts) => step.note(facts.alert, facts.enrichment, facts.triage);

describe('the hourly LLM token budget', () => {
  it('reserves atomically: of concurrent calls that together exceed the budget, only the ones that fit run', async () => {
    const copilot = new ScriptedCopilot(1000, () => adviceOf(1000), { gated: true });
    const { step } = stepWith(copilot, 2500);
    const notes = Array.from({ length: 6 }, (_, i) => noteFor(step, caseNo(i)));
    // Every alert has decided whether it may call before any call answers.
    await new Promise((r) => setTimeout(r, 50));
    copilot.release();
    const statuses = (await Promise.all(notes)).map((n) => n.status);
    expect(copilot.calls).toBe(2);
    expect(statuses.filter((s) => s === 'advised')).toHaveLength(2);
    expect(statuses.filter((s) => s === 'skipped')).toHaveLength(4);
  });

  it('settles a reservation to what the call used, so the unused part is free for the next call', async () => {
    const copilot = new ScriptedCopilot(2000, () => adviceOf(500));
    const { step } = stepWith(copilot, 2600);
    expect((await noteFor(step, caseNo(1))).status).toBe('advised');
    // 500 used, so a second call estimated at 2000 fits (2500 ≤ 2600); then a third does not.
    expect((await noteFor(step, caseNo(2))).status).toBe('advised');
    expect((await noteFor(step, caseNo(3))).status).toBe('skipped');
  });

  it('charges failed calls: their reported usage, else the reservation; a call never made is free', async () => {
    const failures: Error[] = [
      new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'llm is unavailable; the circuit breaker failed fast', { retryable: true, details: { breaker: 'open' } }),
      copilotError('timeout', 'The model did not answer in time'),
      copilotError('bad-output', 'The answer does not match the schema', { details: { usage: { model: 'fake-model', promptTokens: 1400, completionTokens: 100, totalTokens: 1500 } } }),
    ];
    const copilot = new ScriptedCopilot(1000, (call) => failures[call] ?? adviceOf(1000));
    const { step, state } = stepWith(copilot, 2500);
    for (let i = 0; i < failures.length; i++) expect((await noteFor(step, caseNo(i))).status).toBe('failed');
    // Breaker-open 0 + timeout 1000 (the reservation) + bad output 1500 (reported): the budget is spent.
    expect((await state.get<{ tokens: number }>('llm-budget', '2026-11-23T10'))?.value.tokens).toBe(2500);
    expect((await noteFor(step, caseNo(9))).status).toBe('skipped');
    expect(copilot.calls).toBe(3);
  });
});
