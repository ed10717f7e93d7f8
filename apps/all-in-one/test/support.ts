import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningSystem, runServices } from '@soc/platform';
import { ALL_SERVICES } from '../src/services.ts';

export const TOKEN = 'test-token-0123456789abcdef';
export const APPROVER_TOKEN = 'alice-token-0123456789abcdef';

/** Starts every service in this process on the embedded default, in a fresh data directory. */
export async function startSystem(extraEnv: Record<string, string> = {}): Promise<RunningSystem & { dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'soc-system-'));
  const system = await runServices(ALL_SERVICES, {
    env: {
      SOC_DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      SOC_API_TOKENS: `siem:${TOKEN},alice:${APPROVER_TOKEN}`,
      LOG_LEVEL: 'silent',
      CONTAINMENT_APPROVERS: 'alice',
      ...extraEnv,
    },
    handleSignals: false,
  });
  return Object.assign(system, { dataDir });
}

/** A fetch against the system with a bearer token. */
export function client(baseUrl: string, token = TOKEN) {
  return async (path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: {
        authorization: `Bearer ${token}`,
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...init.headers,
      },
      ...(init.body === undefined ? {} : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
    });
    const text = await res.text();
    // Black-box tests read response JSON field by field; the assertions are the type check.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as any) : undefined };
  };
}

/** Polls until `check` returns a value (not undefined) or the time runs out. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 5_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits until the case of `alertId` is decided and returns it (the api's case view). */
export function decidedCase(api: ReturnType<typeof client>, alertId: string, timeoutMs = 5_000) {
  return eventually(async () => {
    const res = await api(`/api/v1/alerts/${alertId}`);
    return res.status === 200 && res.body.stage === 'decided' ? res.body : undefined;
  }, timeoutMs, `decision of ${alertId}`);
}
