import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildOpenApiDocument } from '@soc/api';
import { buildIngestionOpenApiDocument } from '@soc/ingestion';
import { responseChecker } from '@soc/api/testing';
import { type RunningSystem, runServices } from '@soc/platform';
import { ALL_SERVICES } from '../src/services.ts';

/** The SIEM's sending token (sender `siem`): it can only post alerts. */
export const TOKEN = 'test-token-0123456789abcdef';
/** A second sender (`partner`), for tests of what tells senders apart. */
export const PARTNER_TOKEN = 'partner-token-0123456789abcdef';
/** The operator's API token (principal `ops`: viewer, analyst, hunter, admin; not an approver). */
export const OPERATOR_TOKEN = 'ops-token-0123456789abcdef';
/** The approver's API token (principal `alice`). */
export const APPROVER_TOKEN = 'alice-token-0123456789abcdef';

/** The alert route of a source (`/api/v1/alerts/generic`), which senders post to; any other path is the analysts'. */
const SENDER_ROUTE = /^\/api\/v1\/alerts\/[a-z-]+(\?.*)?$/;

/**
 * Starts every service in this process on the embedded default, in a fresh data directory: senders `siem` and
 * `partner` (INGEST_AUTH_FILE), the operator `ops` and the approver `alice` (SOC_API_ROLES).
 */
export async function startSystem(extraEnv: Record<string, string> = {}): Promise<RunningSystem & { dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'soc-system-'));
  const authFile = join(dataDir, 'ingest-auth.json');
  writeFileSync(authFile, JSON.stringify({ credentials: [{ kind: 'bearer', name: 'siem', token: { value: TOKEN } }, { kind: 'bearer', name: 'partner', token: { value: PARTNER_TOKEN } }] }));
  const system = await runServices(ALL_SERVICES, {
    env: {
      SOC_DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      INGEST_AUTH_FILE: authFile,
      SOC_API_TOKENS: `ops:${OPERATOR_TOKEN},alice:${APPROVER_TOKEN}`,
      SOC_API_ROLES: 'ops:viewer+analyst+hunter+admin,alice:approver',
      LOG_LEVEL: 'silent',
      ...extraEnv,
    },
    handleSignals: false,
  });
  return Object.assign(system, { dataDir });
}

/** Checks responses against the analyst API's OpenAPI document and ingestion's (the two the all-in-one serves). */
const checkResponse = (() => {
  const api = buildOpenApiDocument();
  const ingestion = buildIngestionOpenApiDocument();
  return responseChecker({ paths: { ...ingestion.paths, ...api.paths }, components: { schemas: { ...ingestion.components?.schemas, ...api.components?.schemas } } });
})();

/**
 * A fetch against the system with a bearer token. Without one it acts as the SIEM and its operator together:
 * alerts are posted with the sender's token ({@link TOKEN}), everything else with the operator's
 * ({@link OPERATOR_TOKEN}), since no one token may do both. A response of a route the OpenAPI document describes
 * must match it, or the call fails.
 */
export function client(baseUrl: string, token?: string) {
  return async (path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) => {
    const method = init.method ?? (init.body === undefined ? 'GET' : 'POST');
    const bearer = token ?? (method === 'POST' && SENDER_ROUTE.test(path) ? TOKEN : OPERATOR_TOKEN);
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${bearer}`,
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...init.headers,
      },
      ...(init.body === undefined ? {} : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
    });
    const text = await res.text();
    // A response of a route the OpenAPI documents describe must match it (test/security proves the coverage).
    const checked = checkResponse({ method, path, status: res.status, contentType: res.headers.get('content-type'), body: text });
    if (checked.documented && checked.errors.length > 0) throw new Error(`The response does not match the OpenAPI documents:\n${checked.errors.join('\n')}`);
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
