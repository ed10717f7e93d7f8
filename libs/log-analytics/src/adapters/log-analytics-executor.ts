import { setTimeout as sleepFor } from 'node:timers/promises';
import { LogsQueryClient, type LogsQueryClientOptions, type LogsQueryResult, type LogsTable } from '@azure/monitor-query-logs';
import { ErrorCode } from '@soc/runtime';
import { describeServiceError, isThrottled, retryAfterMsOf, runErrorOf } from '../errors.ts';
import type { KqlExecutor, KqlRunRequest, KqlRunResult, ResultTable, RunError } from '../executor.ts';
import { type BackendOutcome, type GuardedRunDeps, runGuarded } from '../guarded-run.ts';
import type { KqlVerdict } from '../kql-guard.ts';

/** A Microsoft Entra ID credential (`DefaultAzureCredential` in production, a fake in tests). */
export type LogsCredential = ConstructorParameters<typeof LogsQueryClient>[0];

/** The public cloud's Log Analytics query endpoint. */
export const PUBLIC_LOGS_ENDPOINT = 'https://api.loganalytics.io/v1';

/** Options of {@link LogAnalyticsExecutor}. */
export interface LogAnalyticsExecutorOptions extends GuardedRunDeps {
  readonly workspaceId: string;
  readonly credential: LogsCredential;
  /** Query API base, `…/v1` added when missing; default the public cloud. Sovereign clouds: e.g. `https://api.loganalytics.azure.cn`. */
  readonly endpoint?: string;
  /** The server-side limit (`Prefer: wait=`); the request is also abandoned client-side shortly after it. */
  readonly timeoutSeconds: number;
  /** Retries after a throttled (429) answer; then the run fails with a retryable RATE_LIMITED error. */
  readonly maxThrottleRetries: number;
  /** Longest wait a throttled answer may ask for; a longer Retry-After fails the run at once (retryable). */
  readonly maxRetryWaitSeconds: number;
  /** Extra client options (tests: `tlsOptions` trusting a local CA); never retry or credential settings. */
  readonly clientOptions?: Pick<LogsQueryClientOptions, 'tlsOptions' | 'httpClient' | 'proxyOptions' | 'agent'>;
  /** Waits between throttled attempts; tests record the waits instead. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** The query API base with its version segment, as `LogsQueryClient` expects it. */
export function logsEndpointOf(endpoint: string | undefined): string {
  if (endpoint === undefined) return PUBLIC_LOGS_ENDPOINT;
  const base = endpoint.replace(/\/+$/, '');
  return base.endsWith('/v1') ? base : `${base}/v1`;
}

/** The token scope of an endpoint: its origin's `.default` (`https://api.loganalytics.azure.cn/.default`). */
export function logsScopeOf(endpoint: string): string {
  return `${new URL(endpoint).origin}/.default`;
}

// Slack over the server timeout before the client gives up on a silent connection.
const CLIENT_GRACE_SECONDS = 15;

/**
 * Runs guarded KQL in a Log Analytics workspace through `@azure/monitor-query-logs`: the guard's `query` (row cap
 * appended) over the policy's lookback as `timespan`, with a server timeout. Partial results come back with their
 * error; throttling is retried a bounded number of times (the SDK's own retries are off: it would wait for any
 * Retry-After the server sends, however long). The identity needs only the Log Analytics Reader role.
 */
export class LogAnalyticsExecutor implements KqlExecutor {
  readonly backend = 'log-analytics' as const;
  readonly #options: LogAnalyticsExecutorOptions;
  readonly #client: LogsQueryClient;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(options: LogAnalyticsExecutorOptions) {
    this.#options = options;
    const endpoint = logsEndpointOf(options.endpoint);
    this.#client = new LogsQueryClient(options.credential, {
      ...options.clientOptions,
      endpoint,
      credentials: { scopes: [logsScopeOf(endpoint)] },
      retryOptions: { maxRetries: 0 },
    });
    this.#sleep = options.sleep ?? ((ms, signal) => sleepFor(ms, undefined, signal ? { signal } : {}));
  }

  run(request: KqlRunRequest): Promise<KqlRunResult> {
    return runGuarded(request, this.#options, { kind: this.backend, workspaceId: this.#options.workspaceId, run: (verdict, signal) => this.#query(verdict, signal) });
  }

  async #query(verdict: KqlVerdict, signal: AbortSignal | undefined): Promise<BackendOutcome> {
    const { timeoutSeconds, maxThrottleRetries, maxRetryWaitSeconds, clock } = this.#options;
    for (let attempt = 0; ; attempt++) {
      const timeout = AbortSignal.timeout((timeoutSeconds + CLIENT_GRACE_SECONDS) * 1000);
      const abortSignal = signal ? AbortSignal.any([signal, timeout]) : timeout;
      try {
        const result = await this.#client.queryWorkspace(this.#options.workspaceId, verdict.query, { duration: verdict.maxLookback }, { serverTimeoutInSeconds: timeoutSeconds, abortSignal });
        return outcomeOf(result);
      } catch (error) {
        const context = { timeoutSeconds, now: clock.now() };
        if (!isThrottled(error)) return { status: 'failed', error: runErrorOf(error, context) };
        const asked = retryAfterMsOf(error, context.now);
        // Without a Retry-After, back off exponentially from one second.
        const wait = asked ?? 1000 * 2 ** attempt;
        if (attempt >= maxThrottleRetries || wait > maxRetryWaitSeconds * 1000) return { status: 'failed', error: throttledError(error, context, attempt) };
        try {
          await this.#sleep(wait, signal);
        } catch {
          return { status: 'failed', error: { code: ErrorCode.TIMEOUT, message: 'The caller cancelled the run while it waited out Log Analytics throttling.', retryable: true } };
        }
      }
    }
  }
}

function throttledError(error: unknown, context: { timeoutSeconds: number; now: Date }, retries: number): RunError {
  const base = runErrorOf(error, context);
  return { ...base, code: ErrorCode.RATE_LIMITED, message: `${base.message} Gave up after ${retries} ${retries === 1 ? 'retry' : 'retries'}.` };
}

/** The SDK's result as ours: success, or partial tables with the service's error. */
export function outcomeOf(result: LogsQueryResult): BackendOutcome {
  if (result.status === 'Success') return { status: 'succeeded', tables: result.tables.map(tableOf) };
  return {
    status: 'partial',
    tables: result.partialTables.map(tableOf),
    error: { code: ErrorCode.DEPENDENCY_UNAVAILABLE, message: `Partial result: ${describeServiceError(result.partialError).slice(0, 1000)}`, retryable: true },
  };
}

/** One table; datetimes back to ISO strings (the SDK parses them into Dates), an unparseable one to null. */
function tableOf(table: LogsTable): ResultTable {
  return {
    name: table.name,
    columns: table.columnDescriptors.map((c) => ({ name: c.name ?? '', type: c.type ?? 'string' })),
    rows: table.rows.map((row) => row.map((cell) => (cell instanceof Date ? (Number.isNaN(cell.getTime()) ? null : cell.toISOString()) : cell))),
  };
}
