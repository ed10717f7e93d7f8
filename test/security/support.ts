import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { ALL_SERVICES } from '@soc/all-in-one';
import { type OpenApiDocument, buildOpenApiDocument } from '@soc/api';
import { type IngestionOpenApiDocument, buildIngestionOpenApiDocument } from '@soc/ingestion';
import { type ObservedResponse, responseChecker, templateMatcher } from '@soc/api/testing';
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
      // Tests sign in from one address many times a minute; session-limits.e2e.test.ts sets the limits it tests.
      SOC_SIGN_IN_PER_ADDRESS_PER_MINUTE: '1000',
      SOC_SIGN_IN_GLOBAL_PER_MINUTE: '10000',
      ...extraEnv,
    },
    handleSignals: false,
  });
  return Object.assign(system, { dataDir });
}
/** The analyst API's OpenAPI document (`GET /api/v1/openapi.json` serves the same), and a checker of responses against it. */
export const OPENAPI_DOCUMENT: OpenApiDocument = buildOpenApiDocument();
/** Ingestion's own document (the senders' intake and the quarantine), served at /api/v1/ingestion/openapi.json. */
export const INGESTION_OPENAPI_DOCUMENT: IngestionOpenApiDocument = buildIngestionOpenApiDocument();
/** What the all-in-one serves under /api: both documents' paths (no path is in both: the coverage test proves it). */
export const SYSTEM_OPENAPI_PATHS: Record<string, object | undefined> = { ...INGESTION_OPENAPI_DOCUMENT.paths, ...OPENAPI_DOCUMENT.paths };
const checkAgainstDocument = responseChecker({
  paths: SYSTEM_OPENAPI_PATHS,
  components: { schemas: { ...INGESTION_OPENAPI_DOCUMENT.components?.schemas, ...OPENAPI_DOCUMENT.components?.schemas } },
});

/**
 * The `/api` routes neither OpenAPI document describes. Empty: every route of the all-in-one is in the api's document
 * or in ingestion's. `openapi-coverage.e2e.test.ts` proves every `/api` route of the running system is documented or
 * listed here (a route listed must say why).
 */
export const UNDOCUMENTED_ROUTES: readonly { route: string; why: string }[] = [];
const undocumented = UNDOCUMENTED_ROUTES.map(({ route }) => {
  const [method = '', template = ''] = route.split(' ');
  return { method, matcher: templateMatcher(template) };
});

/**
 * Checks a response of the system against the OpenAPI document: a documented route's response must match it (status,
 * content type, body); an `/api` path neither documented nor in {@link UNDOCUMENTED_ROUTES} may only be refused (401)
 * or unknown (404). Throws what differs.
 */
export function checkApiResponse(response: ObservedResponse): void {
  const path = response.path.split('?')[0] ?? '';
  if (!path.startsWith('/api/')) return;
  const result = checkAgainstDocument(response);
  if (result.documented) {
    if (result.errors.length > 0) throw new Error(`The response does not match the OpenAPI documents:\n${result.errors.join('\n')}`);
    return;
  }
  const listed = undocumented.some((u) => u.method === response.method.toUpperCase() && u.matcher.test(path));
  if (!listed && response.status !== 401 && response.status !== 404) {
    throw new Error(`${response.method} ${path} answered ${response.status} but is neither in the OpenAPI documents nor in UNDOCUMENTED_ROUTES`);
  }
}

/** Every route of a running process, found by walking its Express router stack (nested routers included). */
export function routesOf(server: Server): { method: string; path: string; role: string | undefined }[] {
  const app = server.listeners('request')[0] as unknown as { router: { stack: RouteLayer[] } };
  const found: { method: string; path: string; role: string | undefined }[] = [];
  const walk = (stack: RouteLayer[]): void => {
    for (const layer of stack) {
      if (layer.route) {
        const role = layer.route.stack.map((l) => l.handle.requiredRole).find((r) => typeof r === 'string') as string | undefined;
        for (const method of Object.keys(layer.route.methods)) found.push({ method: method.toUpperCase(), path: layer.route.path, role });
      } else if (layer.handle.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk(app.router.stack);
  return found;
}

/** One route as Express holds it: its path, methods and handlers (a role check is a handler with `requiredRole`). */
interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean>; stack: { handle: { requiredRole?: unknown } }[] };
  handle: { stack?: RouteLayer[] };
}

/**
 * A fetch against the system with a bearer token; answers with status, headers and parsed JSON. Every `/api`
 * response is checked against the OpenAPI document first ({@link checkApiResponse}): a mismatch fails the call.
 */
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
    const method = init.method ?? (init.body === undefined ? 'GET' : 'POST');
    checkApiResponse({ method, path, status: res.status, contentType: res.headers.get('content-type'), body: text });
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
