import { CliFailure } from './cli-io.ts';

/** What ingestion answers per accepted alert. */
export interface Receipt {
  readonly alertId: string;
  readonly correlationId: string;
}

/** The parts of an RFC 9457 problem the CLI shows; every member is optional because a proxy may answer too. */
export interface IngestProblem {
  readonly title?: string;
  readonly detail?: string;
  readonly errors?: readonly { readonly path: string; readonly message: string }[];
}

/** The verdict on one batch: accepted whole, or refused whole (ingestion never accepts part of a batch). */
export type BatchResult =
  | { readonly ok: true; readonly receipts: readonly Receipt[] }
  | { readonly ok: false; readonly status: number; readonly problem: IngestProblem };

/** Where and how to post. */
export interface IngestTarget {
  /** The full endpoint, e.g. `http://localhost:8080/api/v1/alerts/generic`. */
  readonly endpoint: URL;
  /** Sent as a bearer token; never part of any message this module produces. */
  readonly token: string;
  readonly timeoutMs: number;
}

/**
 * POSTs one batch as a JSON array. An array is sent even for one alert so the answer always has the
 * `{ items }` shape, in order. A refusal comes back as a value; only a request that got no answer throws.
 */
export async function postBatch(target: IngestTarget, alerts: readonly unknown[]): Promise<BatchResult> {
  let res: Response;
  try {
    res = await fetch(target.endpoint, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${target.token}`,
        'content-type': 'application/json',
        accept: 'application/json, application/problem+json',
      },
      body: JSON.stringify(alerts),
      signal: AbortSignal.timeout(target.timeoutMs),
    });
  } catch (error) {
    throw new CliFailure(`Cannot reach ${displayUrl(target.endpoint)}: ${networkReason(error, target.timeoutMs)}`, {
      cause: error,
    });
  }
  const text = await res.text();
  if (!res.ok) return { ok: false, status: res.status, problem: problemOf(text) };
  const receipts = receiptsOf(text);
  if (receipts === undefined || receipts.length !== alerts.length) {
    throw new CliFailure(
      `Unexpected answer from ${displayUrl(target.endpoint)} (HTTP ${res.status}): expected ${alerts.length} receipts; is --url a SOC Copilot instance?`,
    );
  }
  return { ok: true, receipts };
}

/** The URL without user info, for messages: credentials someone put in a URL must not reach a terminal log. */
export function displayUrl(url: URL): string {
  const copy = new URL(url);
  copy.username = '';
  copy.password = '';
  return copy.toString();
}

function networkReason(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${timeoutMs / 1000} s`;
  // undici wraps the socket error: `TypeError: fetch failed` with the useful part (ECONNREFUSED …) as its cause.
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

function receiptsOf(text: string): Receipt[] | undefined {
  const body = tryJson(text) as { items?: unknown } | undefined;
  if (!Array.isArray(body?.items)) return undefined;
  const items: unknown[] = body.items;
  return items.every(isReceipt) ? items : undefined;
}

function isReceipt(x: unknown): x is Receipt {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as { alertId?: unknown }).alertId === 'string' &&
    typeof (x as { correlationId?: unknown }).correlationId === 'string'
  );
}

function problemOf(text: string): IngestProblem {
  const body = tryJson(text);
  if (typeof body !== 'object' || body === null) return {};
  const { title, detail, errors } = body as Record<string, unknown>;
  return {
    ...(typeof title === 'string' ? { title } : {}),
    ...(typeof detail === 'string' ? { detail } : {}),
    ...(Array.isArray(errors)
      ? {
          errors: errors
            .filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null)
            .map((e) => ({ path: String(e.path ?? '(root)'), message: String(e.message ?? '') })),
        }
      : {}),
  };
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
