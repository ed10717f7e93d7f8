import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '@soc/runtime';
import { type KeyVaultRunbookOptions, keyVaultRunbooks } from '../src/adapters/automation/keyvault-rotate-secret.ts';
import type { ContainmentRequest, RunbookAdapter } from '../src/ports.ts';
import { FixedTokenCredential, type HttpsStandIn, startHttpsStandIn } from './support/https-stand-in.ts';

/**
 * rotate-secret against a local HTTPS stand-in of Key Vault's secrets API (api-version 2026-04-01, the SDK's
 * default): the challenge-based auth (an unauthenticated first request answered 401 with `WWW-Authenticate`), then
 * every call asserted with its bearer token, path, query and body. The new value never leaves the PUT body.
 */

const TOKEN = 'eyJ0eXAi.vault-token.sig';
// The SDK (4.12) writes the query name percent-encoded (`api%2Dversion`, from its URL template); `%2D` is `-`, the
// same query to Key Vault (RFC 3986 §2.3). Asserted as sent on the wire.
const API = 'api%2Dversion=2026-04-01';
const REQUEST_ID = 'cr-kv-1';
const SECRET = 'db-password';
const VERSIONS = `/secrets/${SECRET}/versions?${API}`;
const PUT = `/secrets/${SECRET}?${API}`;
const CHALLENGE = 'Bearer authorization="https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47", resource="https://vault.azure.net"';

let kv: HttpsStandIn;
let credential: FixedTokenCredential;

beforeAll(async () => {
  kv = await startHttpsStandIn();
});
afterAll(async () => kv.close());

function item(version: string, created: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: `${kv.base}/secrets/${SECRET}/${version}`,
    attributes: { enabled: true, created, updated: created, recoveryLevel: 'Recoverable+Purgeable', ...((extra.attributes as object | undefined) ?? {}) },
    contentType: 'text/plain',
    tags: { owner: 'payments' },
    ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== 'attributes')),
  };
}

const V1 = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const V2 = 'b2c3d4e5f60718293a4b5c6d7e8f90a1';
const V3 = 'c3d4e5f60718293a4b5c6d7e8f90a1b2';

beforeEach(() => {
  kv.seen.length = 0;
  kv.routes.clear();
  credential = new FixedTokenCredential(TOKEN);
  // Key Vault answers any request without a bearer token with its challenge.
  kv.gate = (req) => (req.headers.authorization ? undefined : { status: 401, headers: { 'www-authenticate': CHALLENGE }, body: { error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' } } });
  kv.routes.set(`GET ${VERSIONS}`, { status: 200, body: { value: [item(V1, 1_700_000_000), item(V2, 1_750_000_000)], nextLink: null } });
  kv.routes.set(`PUT ${PUT}`, (req) => {
    const sent = JSON.parse(req.body) as { value: string; tags: Record<string, string>; contentType?: string };
    return { status: 200, body: { value: sent.value, id: `${kv.base}/secrets/${SECRET}/${V3}`, attributes: { enabled: true, created: 1_765_000_000, updated: 1_765_000_000, recoveryLevel: 'Recoverable+Purgeable' }, tags: sent.tags, contentType: sent.contentType } };
  });
});

function runbook(opts: Partial<KeyVaultRunbookOptions> = {}): RunbookAdapter {
  return keyVaultRunbooks({
    credential,
    vaultUrls: [kv.base, 'https://other.vault.azure.net'],
    // The stand-in is 127.0.0.1, not under vault.azure.net: the SDK's challenge-domain check would refuse it (see the test below).
    clientOptions: { tlsOptions: { ca: kv.ca }, disableChallengeResourceVerification: true },
    ...opts,
  })['rotate-secret'];
}

function request(overrides: Partial<ContainmentRequest> = {}): ContainmentRequest {
  return {
    requestId: REQUEST_ID,
    tenantId: 'contoso',
    alertId: 'a-1',
    actionId: 'act-1',
    correlationId: 'corr-1',
    runbook: 'rotate-secret',
    target: { entityId: 'e-1', type: 'azure-resource', value: `${kv.base}/secrets/${SECRET}` },
    arguments: {},
    reason: 'secret read by an unknown principal',
    sender: null,
    approvalsRequired: 2,
    requestedAt: '2026-12-07T08:00:00Z',
    expiresAt: '2026-12-07T12:00:00Z',
    bindingHash: 'h',
    status: 'approved',
    approvals: [
      { approver: 'alice@example.com', at: '2026-12-07T08:01:00Z', comment: 'ok', bindingHash: 'h' },
      { approver: 'bob@example.com', at: '2026-12-07T08:02:00Z', comment: 'ok', bindingHash: 'h' },
    ],
    ...overrides,
  };
}

/** The authenticated calls: each carries our token. The challenge round trip (no token) is checked separately. */
function calls(): { method: string; path: string; body: unknown }[] {
  return kv.seen
    .filter((s) => s.headers.authorization !== undefined)
    .map((s) => {
      expect(s.headers.authorization).toBe(`Bearer ${TOKEN}`);
      return { method: s.method, path: s.path, body: s.body === '' ? undefined : JSON.parse(s.body) };
    });
}

async function failure(p: Promise<unknown>): Promise<{ code: string; retryable: boolean; message: string; details: Record<string, unknown> }> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isAppError(error)) throw new Error(`expected an AppError, got ${String(error)}`);
  expect(error.message).not.toContain(TOKEN);
  expect(error.cause).toBeUndefined();
  return { code: error.code, retryable: error.retryable, message: error.message, details: (error.details ?? {}) as Record<string, unknown> };
}

describe('rotate-secret: Key Vault challenge authentication', () => {
  it('sends a first request without a token, then the same request with the token for https://vault.azure.net', async () => {
    await runbook().dryRun(request());
    expect(kv.seen[0]).toMatchObject({ method: 'GET', path: VERSIONS });
    expect(kv.seen[0]?.headers.authorization).toBeUndefined();
    expect(credential.scopes).toEqual(['https://vault.azure.net/.default']);
    expect(calls()).toEqual([{ method: 'GET', path: VERSIONS, body: undefined }]);
  });

  it('without disableChallengeResourceVerification the SDK refuses a challenge for another domain than the vault', async () => {
    const e = await failure(runbook({ clientOptions: { tlsOptions: { ca: kv.ca } } }).dryRun(request()));
    expect(e).toMatchObject({ code: 'CONFIGURATION_INVALID', retryable: false });
    expect(credential.scopes).toEqual([]);
    expect(calls()).toEqual([]);
  });
});

describe('rotate-secret: dry run', () => {
  it('lists the versions (properties only) and shows the PUT it would send; reads no value, changes nothing', async () => {
    const text = await runbook().dryRun(request());
    expect(text).toContain(`would add a new version to secret ${SECRET} in ${kv.base}`);
    expect(text).toContain(`PUT ${kv.base}/secrets/${SECRET}`);
    expect(text).toContain(`replaces current version ${V2}`);
    expect(text).toContain('content type "text/plain"');
    expect(text).toContain(`"soc-copilot-request":"${REQUEST_ID}"`);
    expect(text).toContain('Irreversible');
    expect(calls().map((c) => `${c.method} ${c.path}`)).toEqual([`GET ${VERSIONS}`]);
  });

  it('refuses a vault outside the allow-list and a bad secret name before any call', async () => {
    expect((await failure(runbook().dryRun(request({ target: { entityId: 'e', type: 'azure-resource', value: `https://evil.vault.azure.net/secrets/${SECRET}` } })))).code).toBe('VALIDATION_FAILED');
    expect((await failure(runbook().dryRun(request({ arguments: { vault: kv.base, secret: 'db_password' } })))).message).toContain('1 to 127 letters, digits and -');
    expect((await failure(runbook().dryRun(request({ arguments: { vault: kv.base, secret: '../keys/k' } })))).code).toBe('VALIDATION_FAILED');
    expect((await failure(runbook().dryRun(request({ arguments: { secret: SECRET } })))).message).toContain('needs the argument vault');
    expect(kv.seen).toEqual([]);
  });
});

describe('rotate-secret: execute', () => {
  it('PUTs a new version: a random base64url value, content type and tags kept, our request tag; the effect holds no value', async () => {
    const done = await runbook().execute(request({ arguments: { vault: `${kv.base}/`, secret: SECRET }, target: { entityId: 'e', type: 'azure-resource', value: 'ignored' } }));
    const sent = calls();
    expect(sent.map((c) => `${c.method} ${c.path}`)).toEqual([`GET ${VERSIONS}`, `PUT ${PUT}`]);
    const body = sent[1]?.body as { value: string };
    expect(body).toEqual({ value: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), tags: { owner: 'payments', 'soc-copilot-request': REQUEST_ID }, contentType: 'text/plain', attributes: { enabled: true } });
    expect(kv.seen.find((s) => s.method === 'PUT')?.headers['content-type']).toBe('application/json');
    expect(done.effect).toEqual({ vaultUrl: kv.base, secretName: SECRET, version: V3, previousVersion: V2, origin: 'created' });
    expect(done.summary).toBe(`rotated secret ${SECRET} in ${kv.base}: new version ${V3} replaces ${V2} (the value is in the vault only)`);
    expect(JSON.stringify(done)).not.toContain(body.value);
  });

  it('a value of the configured size, different every time', async () => {
    await runbook({ secretBytes: 64 }).execute(request());
    await runbook({ secretBytes: 64 }).execute(request());
    const values = calls()
      .filter((c) => c.method === 'PUT')
      .map((c) => (c.body as { value: string }).value);
    expect(values).toHaveLength(2);
    expect(values[0]).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(values[0]).not.toBe(values[1]);
  });

  it('a redelivery finds its own tagged version (on a later page) and never rotates twice', async () => {
    const next = `/secrets/${SECRET}/versions?${API}&$skiptoken=page2&maxresults=25`;
    kv.routes.set(`GET ${VERSIONS}`, { status: 200, body: { value: [item(V1, 1_700_000_000), item(V2, 1_750_000_000)], nextLink: `${kv.base}${next}` } });
    kv.routes.set(`GET ${next}`, { status: 200, body: { value: [item(V3, 1_765_000_000, { tags: { owner: 'payments', 'soc-copilot-request': REQUEST_ID } })], nextLink: null } });
    const done = await runbook().execute(request());
    expect(done.effect).toEqual({ vaultUrl: kv.base, secretName: SECRET, version: V3, previousVersion: V2, origin: 'redelivered' });
    expect(calls().map((c) => `${c.method} ${c.path}`)).toEqual([`GET ${VERSIONS}`, `GET ${next}`]);
    const dry = await runbook().dryRun(request());
    expect(dry).toContain(`already rotated by this request: version ${V3}`);
  });

  it('a secret that does not exist (404 SecretNotFound) is not found, not retried', async () => {
    kv.routes.set(`GET ${VERSIONS}`, { status: 404, body: { error: { code: 'SecretNotFound', message: `A secret with (name/id) ${SECRET} was not found in this key vault.` } } });
    const e = await failure(runbook().execute(request()));
    expect(e).toMatchObject({ code: 'NOT_FOUND', retryable: false });
    expect(calls().filter((c) => c.method === 'PUT')).toEqual([]);
  });

  it('a secret with no versions listed is not found', async () => {
    kv.routes.set(`GET ${VERSIONS}`, { status: 200, body: { value: [], nextLink: null } });
    expect(await failure(runbook().execute(request()))).toMatchObject({ code: 'NOT_FOUND', retryable: false });
  });

  it('a certificate-backed (managed) secret is refused', async () => {
    kv.routes.set(`GET ${VERSIONS}`, { status: 200, body: { value: [item(V2, 1_750_000_000, { managed: true, kid: `${kv.base}/keys/${SECRET}/${V2}` })], nextLink: null } });
    expect((await failure(runbook().execute(request()))).message).toContain('rotate the certificate instead');
    expect(calls().filter((c) => c.method === 'PUT')).toEqual([]);
  });

  it('403 on set names the permission; nothing retried', async () => {
    kv.routes.set(`PUT ${PUT}`, { status: 403, body: { error: { code: 'Forbidden', message: 'Caller is not authorized to perform action on resource.', innererror: { code: 'ForbiddenByRbac' } } } });
    const e = await failure(runbook().execute(request()));
    expect(e).toMatchObject({ code: 'FORBIDDEN', retryable: false });
    expect(e.message).toContain('secrets set');
    expect(e.message).toContain('Key Vault Secrets Officer');
    expect(e.message).toContain('Forbidden');
    const sent = (JSON.parse(kv.seen.find((s) => s.method === 'PUT')?.body ?? '{}') as { value?: string }).value ?? '';
    expect(sent).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify({ m: e.message, d: e.details })).not.toContain(sent);
  });

  it('403 on the version list names the list permission', async () => {
    kv.routes.set(`GET ${VERSIONS}`, { status: 403, body: { error: { code: 'Forbidden', message: 'The user, group or application does not have secrets list permission on key vault.', innererror: { code: 'AccessDenied' } } } });
    const e = await failure(runbook().dryRun(request()));
    expect(e).toMatchObject({ code: 'FORBIDDEN', retryable: false });
    expect(e.message).toContain('secrets list');
  });

  it('a token Key Vault rejects (401 again after the challenge) is unauthorized, not retried', async () => {
    kv.gate = () => ({ status: 401, headers: { 'www-authenticate': CHALLENGE }, body: { error: { code: 'Unauthorized', message: 'AKV10032: Invalid issuer.' } } });
    const e = await failure(runbook().dryRun(request()));
    expect(e).toMatchObject({ code: 'UNAUTHORIZED', retryable: false });
    expect(kv.seen.some((s) => s.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  it('503 is retryable', async () => {
    kv.routes.set(`PUT ${PUT}`, { status: 503, body: { error: { code: 'ServiceUnavailable', message: 'The service is unavailable.' } } });
    expect(await failure(runbook().execute(request()))).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', retryable: true });
  });

  it('429 is retryable with Retry-After (the SDK does not retry it itself)', async () => {
    kv.routes.set(`GET ${VERSIONS}`, { status: 429, headers: { 'retry-after': '11' }, body: { error: { code: 'Throttled', message: 'Request was not allowed because the request rate exceeded.' } } });
    const e = await failure(runbook().execute(request()));
    expect(e).toMatchObject({ code: 'RATE_LIMITED', retryable: true, details: { status: 429, retryAfterSeconds: 11 } });
    expect(calls()).toHaveLength(1);
  });

  it('has no undo: a rotation cannot be taken back', () => {
    expect(runbook().undo).toBeUndefined();
  });
});

describe('rotate-secret: verify', () => {
  const effect = { vaultUrl: '', secretName: SECRET, version: V3, previousVersion: V2, origin: 'created' };

  it('in effect when our version is the latest', async () => {
    kv.routes.set(`GET ${VERSIONS}`, { status: 200, body: { value: [item(V2, 1_750_000_000), item(V3, 1_765_000_000)], nextLink: null } });
    const v = await runbook().verify(request(), { ...effect, vaultUrl: kv.base });
    expect(v).toEqual({ outcome: 'in-effect', finding: `version ${V3} is the latest version of secret ${SECRET} in ${kv.base}` });
    expect(calls().map((c) => `${c.method} ${c.path}`)).toEqual([`GET ${VERSIONS}`]);
  });

  it('not in effect when our version is disabled or missing, or the secret is gone', async () => {
    kv.routes.set(`GET ${VERSIONS}`, [
      { status: 200, body: { value: [item(V2, 1_750_000_000), item(V3, 1_765_000_000, { attributes: { enabled: false } })], nextLink: null } },
      { status: 200, body: { value: [item(V2, 1_750_000_000)], nextLink: null } },
      { status: 404, body: { error: { code: 'SecretNotFound', message: 'not found' } } },
    ]);
    const rb = runbook();
    expect((await rb.verify(request(), { ...effect, vaultUrl: kv.base })).outcome).toBe('not-in-effect');
    expect((await rb.verify(request(), { ...effect, vaultUrl: kv.base })).finding).toContain(`has no version ${V3}`);
    expect((await rb.verify(request(), { ...effect, vaultUrl: kv.base })).finding).toContain('no longer exists');
  });

  it('a newer rotation by someone else still leaves the compromised version out of use', async () => {
    kv.routes.set(`GET ${VERSIONS}`, { status: 200, body: { value: [item(V2, 1_750_000_000), item(V3, 1_765_000_000), item(V1, 1_766_000_000)], nextLink: null } });
    const v = await runbook().verify(request(), { ...effect, vaultUrl: kv.base });
    expect(v.outcome).toBe('in-effect');
    expect(v.finding).toContain(`a newer version ${V1} has replaced ours`);
  });

  it('refuses an effect naming a vault outside the allow-list', async () => {
    expect((await failure(runbook().verify(request(), { ...effect, vaultUrl: 'https://evil.vault.azure.net' }))).code).toBe('VALIDATION_FAILED');
    expect(kv.seen).toEqual([]);
  });
});
