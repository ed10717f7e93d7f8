import { type Alert, type CopilotNote, type Enrichment, type Triage, caseGroupKey, clipText } from '@soc/contracts';
import { type Clock, breakerFailFastOf, describeError, isAppError } from '@soc/runtime';
import { type StateStore, updateWithRetry } from '@soc/state';
import { type ChatAdvice, type CopilotAdvice, type CopilotFacts, type CopilotUsage, DEFAULT_BUDGET_TOKENS, DEFAULT_MAX_OUTPUT_TOKENS, copilotFailureOf } from './llm/index.ts';

/** The model behind the step (an `OpenAiCopilot`, wrapped in a circuit breaker by the composition root). */
export interface Copilot {
  readonly model: string;
  /**
   * The most one call about these facts may cost in tokens (prompt estimate plus output cap), reserved from the
   * hourly budget before the call; without it (or when it throws) {@link DEFAULT_CALL_RESERVATION} is reserved.
   */
  estimateTokens?(facts: CopilotFacts): number;
  advise(facts: CopilotFacts): Promise<CopilotAdvice>;
  /** Case chat: the most one question may cost, and the answer (see `OpenAiCopilot.ask`). */
  estimateChatTokens?(facts: CopilotFacts, question: string): number;
  ask?(facts: CopilotFacts, question: string): Promise<ChatAdvice>;
}

/** What a call is assumed to cost when the copilot cannot estimate it: the default prompt budget and output cap. */
export const DEFAULT_CALL_RESERVATION = DEFAULT_BUDGET_TOKENS + DEFAULT_MAX_OUTPUT_TOKENS;

/** Options of {@link CopilotStep}. */
export interface CopilotStepOptions {
  copilot: Copilot;
  state: StateStore;
  clock: Clock;
  /** How long a case group's advice is reused. */
  cacheTtlSeconds: number;
  /**
   * Model tokens (prompt + completion) allowed per clock hour, across replicas. Each call reserves its estimate
   * atomically before it is made (a call that does not fit is skipped), then is charged what it used — a failed call
   * too: its reported usage, or the whole reservation when the provider reported none.
   */
  tokensPerHour: number;
  /**
   * The KQL guard, grounded in the table schemas, for the model's hunt queries: only accepted ones reach the case,
   * as they would run (row cap appended); the rest are listed as removed with the guard's reasons. Without it the
   * model's hunt queries are dropped, never kept unchecked.
   */
  groundHuntQuery?: HuntQueryGrounder | undefined;
  /** Where a copilot failure is reported, at `warn`, with its reason (never the prompt, the answer or a secret). */
  log?: CopilotLog | undefined;
  /** Called once per alert with its outcome, e.g. to count `soc_llm_calls_total{outcome}`. */
  onOutcome?: ((outcome: CopilotOutcome) => void) | undefined;
}

/** What the step needs of a logger (pino's `warn(fields, message)`). */
export interface CopilotLog {
  warn(fields: object, message: string): void;
}

/**
 * What the copilot step did for one alert: `advised` (a model call answered), `cached` (the case group's earlier
 * or concurrent advice), `skipped` (hourly token budget spent), `failed` (the call failed, or could not be made),
 * `breaker-open` (the breaker failed fast: no call was made).
 */
export type CopilotOutcome = (typeof COPILOT_OUTCOMES)[number];
/** Every {@link CopilotOutcome}, e.g. to initialise a metric's series. */
export const COPILOT_OUTCOMES = ['advised', 'cached', 'skipped', 'failed', 'breaker-open'] as const;

interface Noted {
  note: CopilotNote;
  outcome: CopilotOutcome;
}

/** A hunt query from the model after the guard and schema grounding. */
export interface GroundedHuntQuery {
  accepted: boolean;
  query: string;
  problems: readonly string[];
  /** The tables it reads, as the guard resolved them. */
  tables?: readonly string[];
}

/** Checks one hunt query from the model (see `groundKqlCandidate` in `@soc/hunt`); may throw when the guard is unavailable. */
export type HuntQueryGrounder = (query: string) => GroundedHuntQuery | Promise<GroundedHuntQuery>;

const ADVICE = 'llm-advice';
const BUDGET = 'llm-budget';
/** The case group an alert belongs to for the copilot (see `caseGroupKey`): one model call per group. */
export const groupFingerprint = caseGroupKey;

interface StoredAdvice {
  note: CopilotNote;
}

interface Budget {
  tokens: number;
}

/**
 * Reserves `tokens` of the hour's LLM budget (`LLM_TOKENS_PER_HOUR`, shared by triage's advice and case chat) with a
 * compare-and-swap on the budget document (etag; a lost race re-reads and decides again), so concurrent calls — in
 * this process or another replica — never together pass a budget that each alone fits. Answers whether it was made.
 */
export async function reserveTokens(state: StateStore, hour: string, tokens: number, tokensPerHour: number): Promise<boolean> {
  let isReserved = false;
  await updateWithRetry<Budget>(
    state,
    BUDGET,
    hour,
    (b) => {
      const spent = b?.tokens ?? 0;
      isReserved = spent + tokens <= tokensPerHour;
      return isReserved ? { tokens: spent + tokens } : undefined;
    },
    { ttlSeconds: 7200, maxAttempts: 50 },
  );
  return isReserved;
}

/** Replaces a reservation by what the call used (more or less than reserved; 0 when no call was made). */
export async function settleTokens(state: StateStore, hour: string, reserved: number, used: number): Promise<void> {
  if (used === reserved) return;
  await updateWithRetry<Budget>(state, BUDGET, hour, (b) => ({ tokens: Math.max(0, (b?.tokens ?? 0) - reserved + used) }), { ttlSeconds: 7200, maxAttempts: 50 });
}

/** The usage a failed call reported (a bad or filtered answer carries its usage; a breaker may wrap the error). */
export function failedCallUsage(error: unknown): CopilotUsage | undefined {
  for (const e of [error, (error as { cause?: unknown } | undefined)?.cause]) {
    const usage = isAppError(e) ? e.details?.['usage'] : undefined;
    const total = typeof usage === 'object' && usage !== null ? (usage as { totalTokens?: unknown }).totalTokens : undefined;
    if (typeof total === 'number' && total >= 0) return usage as CopilotUsage;
  }
  return undefined;
}

/** Tokens a failed call reported using. */
const usedTokensOf = (error: unknown): number | undefined => failedCallUsage(error)?.totalTokens;

/** Whether a failed call never reached the model: the breaker failed fast, or the prompt could not be built. */
export function madeNoCall(error: unknown): boolean {
  const fast = breakerFailFastOf(error);
  const failure = copilotFailureOf(error) ?? copilotFailureOf((error as { cause?: unknown } | undefined)?.cause);
  return fast === 'open' || fast === 'opened' || failure === 'over-budget';
}

/** The model's hunt queries that pass the guard, as they would run, and what was removed and why. */
async function groundedHunts(queries: readonly string[], ground: HuntQueryGrounder | undefined): Promise<{ kept: string[]; removed: CopilotAdvice['removed'] }> {
  const kept: string[] = [];
  const removed: CopilotAdvice['removed'] = [];
  for (const [i, query] of queries.entries()) {
    let verdict: GroundedHuntQuery | undefined;
    let unchecked: string | undefined;
    try {
      verdict = await ground?.(query);
    } catch (error) {
      // A busy or failed guard costs the suggestion, never the triage (and never lets it through unchecked).
      unchecked = `the KQL guard could not check it (${error instanceof Error ? clipText(error.message, 300) : 'unknown error'})`;
    }
    if (verdict?.accepted === true && verdict.query.length <= 4000) kept.push(verdict.query);
    else {
      const why = unchecked ?? (verdict === undefined ? 'no KQL guard configured' : verdict.accepted ? 'longer than 4000 characters with the row cap' : verdict.problems.join('; '));
      removed.push({ path: `huntQueries[${i}]`, reason: 'hunt-query-denied', value: `${why.slice(0, 1000)} :: ${query}` });
    }
  }
  return { kept, removed };
}

/** A log-safe reason: our errors' messages (and the copilot error a breaker wrapped), a bug's type and message. */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return 'the model call failed';
  const cause = error.cause;
  const inner = isAppError(error) && isAppError(cause) && cause.message !== error.message ? `: ${cause.message}` : '';
  // A bug is named by its type, so the note and the log say it is ours, not the model's.
  return clipText(isAppError(error) ? `${error.message}${inner}` : describeError(error), 300);
}

/** A copilot note from checked advice: the model's words on top of the deterministic triage, never instead of it. */
async function noteOf(advice: CopilotAdvice, fingerprint: string, alertId: string, ground: HuntQueryGrounder | undefined): Promise<CopilotNote> {
  const { output, usage } = advice;
  const hunts = await groundedHunts(output.huntQueries, ground);
  const removed = [...advice.removed, ...hunts.removed];
  return {
    status: 'advised',
    model: usage.model.slice(0, 128),
    fingerprint,
    scope: 'alert',
    writtenFor: alertId,
    summary: output.summary,
    verdict: output.verdict,
    evidence: output.evidence,
    investigationSteps: output.investigationSteps,
    recommendedActions: output.recommendedActions,
    huntQueries: hunts.kept,
    removed: removed.slice(0, 100).map((r) => ({ path: r.path.slice(0, 256), reason: r.reason, value: r.value.slice(0, 2100) })),
    usage: { promptTokens: usage.promptTokens, completionTokens: usage.completionTokens, ...(usage.cost === undefined ? {} : { cost: usage.cost }) },
  };
}

/**
 * The group's advice as another alert of the group sees it: marked as the group's, naming the alert it was written
 * for (a redelivery of that same alert gets it back as its own). Advice stored before notes named their alert is
 * the group's too.
 */
function reused(note: CopilotNote, alertId: string): CopilotNote {
  return { ...note, status: 'cached', scope: note.writtenFor === alertId ? 'alert' : 'case-group' };
}

/**
 * The copilot layer of triage: one model call per case group (cached in the state store for `cacheTtlSeconds`,
 * concurrent alerts of one group share the call), within an hourly token budget. Whatever happens — budget spent,
 * model slow or down, breaker open — the deterministic triage stands and the note says why nothing was added.
 */
export class CopilotStep {
  private readonly o: CopilotStepOptions;
  private readonly inFlight = new Map<string, Promise<Noted>>();

  constructor(options: CopilotStepOptions) {
    this.o = options;
  }

  async note(alert: Alert, enrichment: Enrichment, triage: Triage): Promise<CopilotNote> {
    const { note, outcome } = await this.noted(alert, enrichment, triage);
    this.o.onOutcome?.(outcome);
    return note;
  }

  private async noted(alert: Alert, enrichment: Enrichment, triage: Triage): Promise<Noted> {
    const fingerprint = groupFingerprint(alert);
    const cached = await this.o.state.get<StoredAdvice>(ADVICE, fingerprint);
    if (cached !== undefined) return { note: reused(cached.value.note, alert.alertId), outcome: 'cached' };
    const pending = this.inFlight.get(fingerprint);
    if (pending !== undefined) {
      // Another alert of the group is asking right now: share its answer instead of a second call.
      const shared = await pending;
      return shared.outcome === 'advised' ? { note: reused(shared.note, alert.alertId), outcome: 'cached' } : shared;
    }
    const call = this.advise(fingerprint, { alert, enrichment, triage }).finally(() => this.inFlight.delete(fingerprint));
    this.inFlight.set(fingerprint, call);
    return call;
  }

  /** What to reserve for a call about these facts: the copilot's estimate, else the default. */
  private reservationFor(facts: CopilotFacts): number {
    try {
      const estimate = this.o.copilot.estimateTokens?.(facts);
      return estimate !== undefined && Number.isFinite(estimate) && estimate > 0 ? Math.ceil(estimate) : DEFAULT_CALL_RESERVATION;
    } catch {
      // The call itself will fail the same way, before it is sent, and the reservation is then released.
      return DEFAULT_CALL_RESERVATION;
    }
  }

  private reserve(hour: string, tokens: number): Promise<boolean> {
    return reserveTokens(this.o.state, hour, tokens, this.o.tokensPerHour);
  }

  private settle(hour: string, reserved: number, used: number): Promise<void> {
    return settleTokens(this.o.state, hour, reserved, used);
  }

  private async advise(fingerprint: string, facts: CopilotFacts): Promise<Noted> {
    const hour = this.o.clock.now().toISOString().slice(0, 13);
    const reservation = this.reservationFor(facts);
    if (!(await this.reserve(hour, reservation))) {
      const note: CopilotNote = { status: 'skipped', fingerprint, reason: `The hourly LLM token budget (${this.o.tokensPerHour}) has no room for this call (up to ${reservation} tokens); the deterministic triage stands`, evidence: [], investigationSteps: [], recommendedActions: [], huntQueries: [], removed: [] };
      return { note, outcome: 'skipped' };
    }
    let advice: CopilotAdvice;
    try {
      advice = await this.o.copilot.advise(facts);
    } catch (error) {
      // A failed call is charged too: what it reported using, else the whole reservation (a timed-out or cut
      // call may have used all of it); only a call that was never made is free.
      await this.settle(hour, reservation, usedTokensOf(error) ?? (madeNoCall(error) ? 0 : reservation));
      const reason = reasonOf(error);
      const outcome: CopilotOutcome = breakerFailFastOf(error) === 'open' ? 'breaker-open' : 'failed';
      const model = this.o.copilot.model.slice(0, 128);
      this.o.log?.warn(
        { outcome, alertId: facts.alert.alertId, fingerprint, model, failure: copilotFailureOf(error) ?? copilotFailureOf((error as { cause?: unknown }).cause), code: isAppError(error) ? error.code : undefined, reason },
        'LLM copilot gave no advice; the deterministic triage stands',
      );
      const note: CopilotNote = { status: 'failed', fingerprint, model, reason: `${reason}; the deterministic triage stands`, evidence: [], investigationSteps: [], recommendedActions: [], huntQueries: [], removed: [] };
      return { note, outcome };
    }
    await this.settle(hour, reservation, advice.usage.totalTokens);
    const note = await noteOf(advice, fingerprint, facts.alert.alertId, this.o.groundHuntQuery);
    await this.o.state.put<StoredAdvice>(ADVICE, fingerprint, { note }, { ttlSeconds: this.o.cacheTtlSeconds });
    return { note, outcome: 'advised' };
  }
}
