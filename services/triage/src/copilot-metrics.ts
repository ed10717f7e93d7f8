import { Counter, type Registry } from 'prom-client';
import { COPILOT_OUTCOMES, type CopilotOutcome } from './copilot-step.ts';

/** `soc_llm_calls_total{outcome}`, every outcome's series present from the start so a rate never starts from nothing. */
export function countLlmCalls(registry: Registry): (outcome: CopilotOutcome) => void {
  const calls = new Counter({
    name: 'soc_llm_calls_total',
    help: 'Alerts through the LLM copilot step, by outcome: advised (a model call answered), cached, skipped (token budget), failed, breaker-open (no call made)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  for (const outcome of COPILOT_OUTCOMES) calls.inc({ outcome }, 0);
  return (outcome) => calls.inc({ outcome });
}
