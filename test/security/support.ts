import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALL_SERVICES } from '@soc/all-in-one';
import { type RunningSystem, runServices } from '@soc/platform';

/**
 * The principals of a security test, one token each: a SIEM that can only send alerts, and analyst principals of
 * each role. Tests use these constants; only `startSystem` knows how they are configured.
 */
export const SENDER_TOKEN = 'sender-token-0123456789abcdef';
export const VIEWER_TOKEN = 'viewer-token-0123456789abcdef';
export const ANALYST_TOKEN = 'analyst-token-0123456789abcdef';
export const APPROVER_TOKEN = 'approver-token-0123456789abcdef';
export const SECOND_APPROVER_TOKEN = 'approver2-token-0123456789abcdef';
export const HUNTER_TOKEN = 'hunter-token-0123456789abcdef';
export const ADMIN_TOKEN = 'admin-token-0123456789abcdef';
/** An API token whose principal has no role: authenticated, allowed nothing. */
export const NO_ROLE_TOKEN = 'norole-token-0123456789abcdef';

/** The principal names the tokens above authenticate as. */
export const PRINCIPALS = { sender: 'siem', viewer: 'vera', analyst: 'ana', approver: 'alice', secondApprover: 'bob', hunter: 'hugo', admin: 'root' } as const;
/** The principal of {@link NO_ROLE_TOKEN}. */
export const NO_ROLE_PRINCIPAL = 'nemo';

/**
 * Starts every service in this process on the embedded default, in a fresh data directory, with the principals
 * above: the SIEM is an ingestion credential (INGEST_AUTH_FILE, it can only send), the others API tokens with their
 * roles in SOC_API_ROLES.
 */
export async function startSystem(extraEnv: Record<string, string> = {}): Promise<RunningSystem & { dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'soc-security-'));
  const p = PRINCIPALS;
  const authFile = join(dataDir, 'ingest-auth.json');
  writeFileSync(authFile, JSON.stringify({ credentials: [{ kind: 'bearer', name: p.sender, token: { value: SENDER_TOKEN } }] }), { mode: 0o600 });
  const system = await runServices(ALL_SERVICES, {
    env: {
      SOC_DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      INGEST_AUTH_FILE: authFile,
      SOC_API_TOKENS: [
        `${p.viewer}:${VIEWER_TOKEN}`,
        `${p.analyst}:${ANALYST_TOKEN}`,
        `${p.approver}:${APPROVER_TOKEN}`,
        `${p.secondApprover}:${SECOND_APPROVER_TOKEN}`,
        `${p.hunter}:${HUNTER_TOKEN}`,
        `${p.admin}:${ADMIN_TOKEN}`,
        `${NO_ROLE_PRINCIPAL}:${NO_ROLE_TOKEN}`,
      ].join(','),
      SOC_API_ROLES: [
        `${p.viewer}:viewer`,
        `${p.analyst}:analyst`,
        `${p.approver}:approver`,
        `${p.secondApprover}:approver`,
        `${p.hunter}:hunter`,
        `${p.admin}:admin`,
      ].join(','),
      ...extraEnv,
    },
    handleSignals: false,
  });
  return Object.assign(system, { dataDir });
}
/** A fetch against the system with a bearer token; answers with status, headers and parsed JSON. */
export function client(baseUrl: string, token: string) {
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
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits until the case of `alertId` is decided and returns it (the api's case view). */
export function decidedCase(api: ReturnType<typeof client>, alertId: string, timeoutMs = 10_000) {
  return eventually(async () => {
    const res = await api(`/api/v1/alerts/${alertId}`);
    return res.status === 200 && res.body.stage === 'decided' ? res.body : undefined;
  }, timeoutMs, `decision of ${alertId}`);
}
