/**
 * LLM copilot storm benchmark: 10,000 near-identical alerts (one rule, one host and account, new ids) and 1,000
 * distinct ones go through the triage handler with the copilot pointed at a local OpenAI-compatible recorder.
 * Prints model calls, calls per alert and the largest prompt — the bounds are ≤ 5 calls for the storm,
 * ≤ 0.3 calls per alert in steady state, ≤ 2,500 input tokens per call.
 *
 *   npm run bench:copilot
 */
import { AlertEnrichedV1, type Alert, createEvent } from '@soc/contracts';
import { manualClock } from '@soc/runtime';
import { MemoryStateStore } from '@soc/state';
import { TriageConfig } from '../services/triage/src/config.ts';
import { CopilotStep } from '../services/triage/src/copilot-step.ts';
import { loadTriageKnowledge } from '../services/triage/src/engine.ts';
import { makeTriageHandler } from '../services/triage/src/handler.ts';
import { type ChatMessage, estimateMessagesTokens } from '../services/triage/src/llm/index.ts';
import { openCopilot } from '../services/triage/src/open-copilot.ts';
import { loadWeights } from '../services/triage/src/weights.ts';
import { startOpenAiRecorder } from '../services/triage/test/support/openai-recorder.ts';

const STORM = Number(process.env.BENCH_STORM ?? 10_000);
const STEADY = Number(process.env.BENCH_STEADY ?? 1_000);
/** Steady state: this many distinct case groups (rules × hosts) recurring among the alerts, as a SOC's day does. */
const GROUPS = Number(process.env.BENCH_GROUPS ?? 200);

const recorder = await startOpenAiRecorder(() => ({
  usage: { prompt_tokens: 1500, completion_tokens: 200 },
  content: JSON.stringify({ summary: 'ok', verdict: { class: 'needs-more-information', confidence: 0.2 }, evidence: [], investigationSteps: [], recommendedActions: [], huntQueries: [] }),
}));
const config = TriageConfig.parse({ LLM_PROVIDER: 'openai', OPENAI_BASE_URL: recorder.baseURL, LLM_MODEL: 'bench', LLM_TOKENS_PER_HOUR: '100000000' });
const copilot = openCopilot(config)!;
const clock = manualClock('2026-11-23T10:00:00Z');
const step = new CopilotStep({ copilot, state: new MemoryStateStore(), clock, cacheTtlSeconds: 3600, tokensPerHour: config.LLM_TOKENS_PER_HOUR });
const handle = makeTriageHandler({ weights: loadWeights(), knowledge: loadTriageKnowledge(), clock, copilot: step });
const delivery = { subscription: 'triage', deliveryCount: 1, signal: new AbortController().signal };

const alertOf = (n: number, group: number): Alert => ({
  schemaVersion: 1,
  alertId: `alt-${n}`,
  tenantId: 'contoso',
  source: { name: 'sentinel', vendorAlertId: `v-${n}` },
  title: 'Detected suspicious credentials in commandline',
  description: `A password was found in a command line (occurrence ${n}).`,
  severity: 'high',
  status: 'new',
  detectedAt: '2026-11-23T09:59:00.000Z',
  rule: { id: `RULE-${group % 20}` },
  attack: [],
  entities: [
    { id: `host:ws-${group}`, type: 'host', value: `ws-${group}`, origin: 'source' },
    { id: 'user:svc-build', type: 'user', value: 'svc-build', origin: 'source' },
  ],
  labels: [],
});

async function run(count: number, groupOf: (n: number) => number, offset: number): Promise<number> {
  const before = recorder.requests.length;
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const n = offset + next++;
      const alert = alertOf(n, groupOf(n));
      await handle(createEvent(AlertEnrichedV1, { alert, enrichment: { facts: [], missing: [] } }, { id: `e-${n}`, source: '/soc/enrichment', time: clock.now(), correlationid: `c-${n}`, tenantid: 'contoso' }), delivery);
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  return recorder.requests.length - before;
}

const stormCalls = await run(STORM, () => 0, 0);
const steadyCalls = await run(STEADY, (n) => 1 + (n % GROUPS), STORM);
const maxPromptTokens = Math.max(...recorder.requests.map((r) => estimateMessagesTokens((r.body.messages ?? []) as ChatMessage[])));
copilot.close();
await recorder.close();
console.log(
  JSON.stringify({
    bench: 'copilot-storm',
    storm: { alerts: STORM, calls: stormCalls, target: '≤ 5' },
    steady: { alerts: STEADY, groups: GROUPS, calls: steadyCalls, callsPerAlert: Math.round((steadyCalls / STEADY) * 1000) / 1000, target: '≤ 0.3' },
    maxPromptTokens,
    promptTarget: '≤ 2500',
  }),
);
