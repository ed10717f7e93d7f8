import type { VerdictClass } from '@soc/contracts';
import type { Clock } from '@soc/runtime';
import { MemoryStateStore } from '@soc/state';
import { type Copilot, CopilotStep, failedCallUsage, madeNoCall } from '../copilot-step.ts';
import type { CopilotFacts, CopilotUsage } from '../llm/index.ts';
import { type ClassificationReport, type EvalReport, type TriageFn, classify, evaluate } from './evaluate.ts';
import type { LabelledAlert } from './labelled.ts';
import {
  type ModeReport,
  NO_VERDICT,
  type PayloadParser,
  type SourceEvalReport,
  type SourceMode,
  type SourceOutcome,
  type SourcePayload,
  evaluateSourcePayloads,
  scoreSourceOutcomes,
} from './source-payloads.ts';

/** What asking the copilot about a set of alerts used, and how many it gave no verdict. */
export interface CopilotUsageTotals {
  /** Alerts given to the copilot step. */
  alerts: number;
  /** Alerts it gave a verdict (any class, `needs-more-information` included). */
  answered: number;
  /**
   * Alerts given no verdict, by why: the copilot failure (`bad-output`: the answer did not validate;
   * `content-filtered`, `rejected`, `unauthorized`: refusals; `timeout`, `rate-limited`, `unavailable`,
   * `over-budget`), `breaker-open`, or `failed` for anything else. They count as no verdict, never as the engine's.
   */
  noVerdict: Record<string, number>;
  /** Model calls made (a failed call that reached the model counts; a breaker's fail-fast does not). */
  calls: number;
  promptTokens: number;
  completionTokens: number;
  /** From the configured prices (`LLM_PRICE_*_PER_1K`); undefined without them. */
  cost: number | undefined;
  /** The copilot step's wall time per alert, in ms (calls run `concurrency` at once). */
  msPerAlert: { mean: number; p50: number; p95: number };
}

/** The copilot's column of `soc eval`: its verdicts scored like the engine's, with what they cost. */
export interface CopilotReport extends ClassificationReport, CopilotUsageTotals {
  model: string;
  /** Wall time of asking about every alert. */
  wallMs: number;
}

/** The copilot's verdicts on labelled source payloads, in both modes of {@link evaluateSourcePayloads}. */
export interface SourceCopilotReport {
  model: string;
  wallMs: number;
  zeroShot: ModeReport & { usage: CopilotUsageTotals };
  online: ModeReport & { usage: CopilotUsageTotals };
}

/** How the copilot is asked during an evaluation. */
export interface CopilotEvalOptions {
  /** The model, as the triage service opens it (`openCopilot`: breaker and concurrency limit included). */
  copilot: Copilot;
  /** Alerts asked at once. */
  concurrency: number;
  clock: Clock;
  /** Milliseconds from a monotonic clock (`performance.now`), for the wall times. */
  now: () => number;
  /** As `EvaluateOptions.poolRulesAcrossTenants`, for the labelled-alert replay. */
  poolRulesAcrossTenants?: boolean;
}

/** The copilot's answer about one alert, as the evaluation scores it. */
interface Answer {
  /** The verdict on the copilot's note; undefined when the step gave none. */
  verdict: VerdictClass | undefined;
  /** Why there is no verdict. */
  noVerdict: string | undefined;
  calls: number;
  promptTokens: number;
  completionTokens: number;
  cost: number | undefined;
  ms: number;
}

/**
 * The engine's replay of {@link evaluate}, then every alert given to the copilot step as the triage service gives
 * it — the alert, the enrichment facts the engine saw (history and fed-back dispositions so far) and the engine's
 * triage — and the verdict of the note it writes scored as a third column.
 */
export async function evaluateWithCopilot(items: readonly LabelledAlert[], triage: TriageFn, options: CopilotEvalOptions): Promise<EvalReport> {
  const cases: CopilotFacts[] = [];
  const report = evaluate(items, triage, { onTriaged: (index, facts) => (cases[index] = facts), poolRulesAcrossTenants: options.poolRulesAcrossTenants });
  const started = options.now();
  const answers = await askAll(cases, options);
  const wallMs = options.now() - started;
  return {
    ...report,
    copilot: {
      model: options.copilot.model,
      wallMs,
      ...classify(
        answers.map((a) => a.verdict),
        items.map((i) => i.label),
      ),
      ...totals(answers),
    },
  };
}

/**
 * {@link evaluateSourcePayloads}, then every alert of both replays given to the copilot step with that replay's facts
 * (zero-shot: sightings only; online: the dispositions fed back so far), scored per mode and source as the engine is.
 */
export async function evaluateSourcePayloadsWithCopilot(
  payloads: readonly SourcePayload[],
  parse: PayloadParser,
  triage: TriageFn,
  options: CopilotEvalOptions,
): Promise<SourceEvalReport> {
  const cases: Record<SourceMode, (CopilotFacts[] | undefined)[]> = { zeroShot: [], online: [] };
  const report = evaluateSourcePayloads(payloads, parse, triage, { onPayload: (mode, index, alerts) => (cases[mode][index] = alerts) });
  const flat = [...cases.zeroShot, ...cases.online].flatMap((c) => c ?? []);
  const started = options.now();
  const answers = await askAll(flat, options);
  const wallMs = options.now() - started;
  let next = 0;
  const mode = (m: SourceMode): ModeReport & { usage: CopilotUsageTotals } => {
    const asked: Answer[] = [];
    const outcomes: SourceOutcome[] = payloads.map((payload, index) => {
      const alerts = cases[m][index];
      if (alerts === undefined) return { source: payload.source, label: payload.label, parsed: false, predictions: [NO_VERDICT] };
      const mine = answers.slice(next, next + alerts.length);
      next += alerts.length;
      asked.push(...mine);
      return { source: payload.source, label: payload.label, parsed: true, predictions: mine.map((a) => (a.verdict === undefined ? NO_VERDICT : { ...NO_VERDICT, cls: a.verdict })) };
    });
    return { ...scoreSourceOutcomes(outcomes), usage: totals(asked) };
  };
  const zeroShot = mode('zeroShot');
  const online = mode('online');
  return { ...report, copilot: { model: options.copilot.model, wallMs, zeroShot, online } };
}

/** Asks about every case, `concurrency` at once; answers in the order of the cases. */
async function askAll(cases: readonly CopilotFacts[], options: CopilotEvalOptions): Promise<Answer[]> {
  const answers: Answer[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      const index = next++;
      const facts = cases[index];
      if (facts !== undefined) answers[index] = await askOne(facts, options);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, cases.length)) }, worker));
  return answers;
}

/**
 * One alert through its own copilot step: a fresh cache, so each alert's verdict is the model's answer about that
 * alert (the service would reuse a case group's advice), and no hourly budget (`--copilot-limit` bounds the cost).
 * Everything else — redaction, fenced prompt, output validation and checks, the note — is the service's code.
 */
async function askOne(facts: CopilotFacts, options: CopilotEvalOptions): Promise<Answer> {
  const answer: Answer = { verdict: undefined, noVerdict: undefined, calls: 0, promptTokens: 0, completionTokens: 0, cost: undefined, ms: 0 };
  const charge = (usage: CopilotUsage | undefined): void => {
    if (usage === undefined) return;
    answer.promptTokens += usage.promptTokens;
    answer.completionTokens += usage.completionTokens;
    if (usage.cost !== undefined) answer.cost = (answer.cost ?? 0) + usage.cost;
  };
  const { copilot } = options;
  const metered: Copilot = {
    model: copilot.model,
    ...(copilot.estimateTokens === undefined ? {} : { estimateTokens: (f: CopilotFacts) => copilot.estimateTokens?.(f) ?? 0 }),
    async advise(f) {
      try {
        const advice = await copilot.advise(f);
        answer.calls += 1;
        charge(advice.usage);
        return advice;
      } catch (error) {
        if (!madeNoCall(error)) answer.calls += 1;
        charge(failedCallUsage(error));
        throw error;
      }
    },
  };
  const step = new CopilotStep({
    copilot: metered,
    state: new MemoryStateStore(),
    clock: options.clock,
    cacheTtlSeconds: 60,
    tokensPerHour: Number.MAX_SAFE_INTEGER,
    log: {
      warn(fields) {
        const f = fields as { outcome?: string; failure?: string };
        answer.noVerdict = f.failure ?? (f.outcome === 'breaker-open' ? 'breaker-open' : 'failed');
      },
    },
  });
  const started = options.now();
  const note = await step.note(facts.alert, facts.enrichment, facts.triage);
  answer.ms = options.now() - started;
  if ((note.status === 'advised' || note.status === 'cached') && note.verdict !== undefined) answer.verdict = note.verdict.class;
  else answer.noVerdict ??= note.status;
  return answer;
}

function totals(answers: readonly Answer[]): CopilotUsageTotals {
  const noVerdict: Record<string, number> = {};
  let cost: number | undefined;
  for (const a of answers) {
    if (a.noVerdict !== undefined && a.verdict === undefined) noVerdict[a.noVerdict] = (noVerdict[a.noVerdict] ?? 0) + 1;
    if (a.cost !== undefined) cost = (cost ?? 0) + a.cost;
  }
  const ms = answers.map((a) => a.ms).sort((x, y) => x - y);
  const at = (q: number): number => ms[Math.min(ms.length - 1, Math.max(0, Math.ceil(q * ms.length) - 1))] ?? 0;
  return {
    alerts: answers.length,
    answered: answers.filter((a) => a.verdict !== undefined).length,
    noVerdict,
    calls: answers.reduce((s, a) => s + a.calls, 0),
    promptTokens: answers.reduce((s, a) => s + a.promptTokens, 0),
    completionTokens: answers.reduce((s, a) => s + a.completionTokens, 0),
    cost: cost === undefined ? undefined : Math.round(cost * 1e6) / 1e6,
    msPerAlert: { mean: ms.length === 0 ? 0 : ms.reduce((s, x) => s + x, 0) / ms.length, p50: at(0.5), p95: at(0.95) },
  };
}

