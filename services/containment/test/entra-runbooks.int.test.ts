import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '@soc/runtime';
import { type EntraRunbooks, entraRunbooks } from '../src/adapters/entra/entra-runbooks.ts';
import type { ContainmentRequest, RunbookAdapter, RunbookEffect } from '../src/ports.ts';

/**
 * The Entra ID runbooks against a local stand-in of Microsoft Graph v1.0 (wire format per Microsoft's
 * documentation: `GET /v1.0/users/{id | userPrincipalName}?$select=…`, `PATCH /v1.0/users/{id}` → 204,
 * `POST /v1.0/users/{id}/revokeSignInSessions` → 200 `{"value": true}`, errors as `{"error":{"code","message"}}`).
 * The stand-in keeps the users' state, so redelivery, verify and undo read back what the calls changed. Every call
 * is asserted: method, path and query, the bearer token, the body.
 */

interface Seen {
  method: string;
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}
interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Answer this late (a timeout). */
  delayMs?: number;
}
interface StandInUser {
  id: string;
  userPrincipalName: string;
  accountEnabled: boolean;
  signInSessionsValidFromDateTime: string;
}

const TOKEN = 'eyJ0eXAiOiJKV1Qi.graph-token.sig';
const ALICE_ID = '6e7b768e-07e2-4810-8459-485f84f8f204';
const BREAKGLASS_ID = '0d3c2a1b-aaaa-4bbb-8ccc-111111111111';
const OUTSIDER_ID = '9f9f9f9f-1234-4abc-9def-222222222222';
const SELECT = '$select=id,userPrincipalName,accountEnabled,signInSessionsValidFromDateTime';
const ALICE_GET = `/v1.0/users/alice@contoso.com?${SELECT}`;
const ALICE_GET_BY_ID = `/v1.0/users/${ALICE_ID}?${SELECT}`;
const ALICE_PATCH = `/v1.0/users/${ALICE_ID}`;
const ALICE_REVOKE = `/v1.0/users/${ALICE_ID}/revokeSignInSessions`;
const EARLIER = '2026-11-01T08:00:00Z';

let server: Server;
let base: string;
let seen: Seen[];
let users: Map<string, StandInUser>;
/** Scripted answers taking precedence over the stand-in's behaviour, one per call, by `METHOD path`. */
let scripted: Map<string, Answer[]>;
/** Our clock, and Graph's (the same unless a test moves one). */
let clock: Date;

function findUser(key: string): StandInUser | undefined {
  const k = decodeURIComponent(key).toLowerCase();
  return [...users.values()].find((u) => u.id === k || u.userPrincipalName.toLowerCase() === k);
}

function notFound(key: string): Answer {
  return { status: 404, body: { error: { code: 'Request_ResourceNotFound', message: `Resource '${decodeURIComponent(key)}' does not exist or one of its queried reference-property objects are not present.` } } };
}

/** The stand-in's own behaviour: what Graph does with these calls. */
function graph(method: string, url: URL, body: string): Answer {
  const read = /^\/v1\.0\/users\/([^/]+)$/.exec(url.pathname);
  const revoke = /^\/v1\.0\/users\/([^/]+)\/revokeSignInSessions$/.exec(url.pathname);
  if (method === 'GET' && read?.[1]) {
    const user = findUser(read[1]);
    if (!user) return notFound(read[1]);
    const select = (url.searchParams.get('$select') ?? '').split(',');
    const picked = Object.fromEntries(Object.entries(user).filter(([k]) => select.includes(k)));
    return { status: 200, body: { '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users(id,userPrincipalName,accountEnabled,signInSessionsValidFromDateTime)/$entity', ...picked } };
  }
  if (method === 'PATCH' && read?.[1]) {
    const user = findUser(read[1]);
    if (!user) return notFound(read[1]);
    const patch = JSON.parse(body) as { accountEnabled?: boolean };
    if (typeof patch.accountEnabled === 'boolean') user.accountEnabled = patch.accountEnabled;
    return { status: 204 };
  }
  if (method === 'POST' && revoke?.[1]) {
    const user = findUser(revoke[1]);
    if (!user) return notFound(revoke[1]);
    // Graph keeps whole seconds.
    user.signInSessionsValidFromDateTime = `${clock.toISOString().slice(0, 19)}Z`;
    return { status: 200, body: { '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#Edm.Boolean', value: true } };
  }
  return { status: 400, body: { error: { code: 'BadRequest', message: `stand-in: no ${method} ${url.pathname}` } } };
}

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const path = req.url ?? '';
      seen.push({ method: req.method ?? '', path, authorization: req.headers.authorization, contentType: req.headers['content-type'], body });
      const script = scripted.get(`${req.method} ${path}`);
      const a: Answer =
        req.headers.authorization !== `Bearer ${TOKEN}`
          ? { status: 401, body: { error: { code: 'InvalidAuthenticationToken', message: 'Access token is empty.' } } }
          : script && script.length > 0
            ? (script.shift() as Answer)
            : graph(req.method ?? '', new URL(path, 'http://stand-in'), body);
      const send = () => {
        res.writeHead(a.status, { ...(a.body !== undefined ? { 'content-type': 'application/json' } : {}), ...a.headers });
        res.end(a.body === undefined ? '' : JSON.stringify(a.body));
      };
      if (a.delayMs === undefined) send();
      else setTimeout(send, a.delayMs).unref();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  seen = [];
  scripted = new Map();
  clock = new Date('2026-12-07T08:00:00.250Z');
  users = new Map(
    [
      { id: ALICE_ID, userPrincipalName: 'alice@contoso.com', accountEnabled: true, signInSessionsValidFromDateTime: EARLIER },
      { id: BREAKGLASS_ID, userPrincipalName: 'breakglass1@contoso.com', accountEnabled: true, signInSessionsValidFromDateTime: EARLIER },
      { id: OUTSIDER_ID, userPrincipalName: 'mallory@fabrikam.com', accountEnabled: true, signInSessionsValidFromDateTime: EARLIER },
    ].map((u) => [u.id, u]),
  );
});

/** A fixed-token credential (production passes DefaultAzureCredential); it records the scopes asked for. */
const scopes: string[] = [];
const credential = {
  async getToken(scope: string | string[]) {
    scopes.push(...(Array.isArray(scope) ? scope : [scope]));
    return { token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 };
  },
};

function runbooks(extra: { protectedPrincipals?: string[]; timeoutMs?: number; token?: string } = {}): EntraRunbooks {
  return entraRunbooks({
    credential: extra.token === undefined ? credential : { getToken: async () => ({ token: extra.token as string, expiresOnTimestamp: Date.now() + 3_600_000 }) },
    ...(extra.timeoutMs !== undefined ? { timeoutMs: extra.timeoutMs } : {}),
    baseUrl: base,
    protectedPrincipals: extra.protectedPrincipals ?? ['breakglass1@contoso.com', 'b0b0b0b0-0000-4000-8000-000000000000'],
    allowedUpnDomains: ['contoso.com', 'corp.contoso.com'],
    now: () => clock,
  });
}

function request(runbook: 'disable-user' | 'revoke-sessions', value: string, extra: Partial<ContainmentRequest> = {}): ContainmentRequest {
  return {
    requestId: 'cr-entra-1',
    tenantId: 'contoso',
    alertId: 'alert-1',
    actionId: 'action-1',
    correlationId: 'corr-1',
    // 'revoke-sessions' joins the contract's runbook names with the widened event versions.
    runbook: runbook as ContainmentRequest['runbook'],
    target: { entityId: 'ent-1', type: 'user', value },
    arguments: {},
    reason: 'impossible travel',
    sender: null,
    approvalsRequired: 1,
    requestedAt: '2026-12-07T07:00:00Z',
    expiresAt: '2026-12-07T11:00:00Z',
    bindingHash: 'h',
    status: 'executing',
    approvals: [{ approver: 'carol@contoso.com', at: '2026-12-07T07:30:00Z', comment: 'ok', bindingHash: 'h' }],
    executionStartedAt: clock.toISOString(),
    ...extra,
  };
}

/** The calls the stand-in received, each checked for the bearer token and (with a body) the JSON content type. */
function calls(): { method: string; path: string; body?: unknown }[] {
  return seen.map((s) => {
    expect(s.authorization).toBe(`Bearer ${TOKEN}`);
    if (s.body !== '') expect(s.contentType).toBe('application/json');
    return { method: s.method, path: s.path, ...(s.body !== '' ? { body: JSON.parse(s.body) as unknown } : {}) };
  });
}

async function refusal(p: Promise<unknown>): Promise<{ code: string; retryable: boolean; message: string; details: Record<string, unknown> | undefined }> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isAppError(error)) throw new Error(`expected an AppError, got ${String(error)}`);
  expect(error.message).not.toContain(TOKEN);
  expect(JSON.stringify(error.details ?? {})).not.toContain(TOKEN);
  return { code: error.code, retryable: error.retryable, message: error.message, details: error.details as Record<string, unknown> | undefined };
}

const alice = () => users.get(ALICE_ID) as StandInUser;

function undoWith(rb: RunbookAdapter, req: ContainmentRequest, effect: RunbookEffect): Promise<string> {
  if (!rb.undo) throw new Error('this runbook has no undo');
  return rb.undo(req, effect);
}

describe('disable-user', () => {
  it('dry run: one read, and the exact PATCH and revoke execute would send', async () => {
    const text = await runbooks()['disable-user'].dryRun(request('disable-user', 'alice@contoso.com', { status: 'approved', executionStartedAt: undefined }));
    expect(calls()).toEqual([{ method: 'GET', path: ALICE_GET }]);
    expect(text).toContain(`alice@contoso.com (object id ${ALICE_ID}) has accountEnabled true`);
    expect(text).toContain(`PATCH /v1.0/users/${ALICE_ID} {"accountEnabled":false}`);
    expect(text).toContain(`POST /v1.0/users/${ALICE_ID}/revokeSignInSessions`);
    expect(alice().accountEnabled).toBe(true);
    expect(scopes).toContain('https://graph.microsoft.com/.default');
  });

  it('dry run of an already disabled user: no PATCH would be sent, undo would not re-enable', async () => {
    alice().accountEnabled = false;
    const text = await runbooks()['disable-user'].dryRun(request('disable-user', ALICE_ID));
    expect(calls()).toEqual([{ method: 'GET', path: ALICE_GET_BY_ID }]);
    expect(text).toContain('already disabled');
    expect(text).not.toContain('PATCH');
    expect(text).toContain('undo would not re-enable it');
  });

  it('execute: PATCH accountEnabled false, then revoke; the effect records the object id, UPN and previous value', async () => {
    const done = await runbooks()['disable-user'].execute(request('disable-user', 'Alice@Contoso.com'));
    expect(calls()).toEqual([
      { method: 'GET', path: `/v1.0/users/Alice@Contoso.com?${SELECT}` },
      { method: 'PATCH', path: ALICE_PATCH, body: { accountEnabled: false } },
      { method: 'POST', path: ALICE_REVOKE },
    ]);
    expect(done.effect).toEqual({
      objectId: ALICE_ID,
      userPrincipalName: 'alice@contoso.com',
      previousAccountEnabled: 'true',
      disabled: 'by-this-request',
      executedAt: clock.toISOString(),
      sessionsRevokedAt: clock.toISOString(),
      revocation: 'posted',
    });
    expect(done.summary).toContain('accountEnabled true → false');
    expect(alice()).toMatchObject({ accountEnabled: false, signInSessionsValidFromDateTime: '2026-12-07T08:00:00Z' });
  });

  it('redelivered execute: one PATCH and one revoke in all; the second delivery cannot tell the disable was its own', async () => {
    const rb = runbooks()['disable-user'];
    const req = request('disable-user', 'alice@contoso.com');
    const first = await rb.execute(req);
    clock = new Date(clock.getTime() + 5_000);
    const second = await rb.execute(req);
    expect(calls().map((c) => `${c.method} ${c.path}`)).toEqual([`GET ${ALICE_GET}`, `PATCH ${ALICE_PATCH}`, `POST ${ALICE_REVOKE}`, `GET ${ALICE_GET}`]);
    expect(first.effect.previousAccountEnabled).toBe('true');
    // Fail-safe: the redelivery records "already disabled", so its effect never re-enables.
    expect(second.effect).toMatchObject({ previousAccountEnabled: 'false', disabled: 'already-disabled', revocation: 'found', sessionsRevokedAt: '2026-12-07T08:00:00.000Z' });
    expect(second.summary).toContain('already disabled');
  });

  it('a user someone else disabled: no PATCH, sessions revoked, undo refuses to re-enable it', async () => {
    alice().accountEnabled = false;
    const rb = runbooks()['disable-user'];
    const done = await rb.execute(request('disable-user', ALICE_ID));
    expect(calls().map((c) => `${c.method} ${c.path}`)).toEqual([`GET ${ALICE_GET_BY_ID}`, `POST ${ALICE_REVOKE}`]);
    expect(done.effect).toMatchObject({ previousAccountEnabled: 'false', disabled: 'already-disabled', revocation: 'posted' });
    seen = [];
    const e = await refusal(undoWith(rb, request('disable-user', ALICE_ID), done.effect));
    expect(e).toMatchObject({ code: 'PRECONDITION_FAILED', retryable: false });
    expect(e.message).toContain('re-enable it by hand');
    expect(calls()).toEqual([]);
    expect(alice().accountEnabled).toBe(false);
  });

  it('verify: accountEnabled false is in effect; true within the replication grace is not yet, later not in effect', async () => {
    const rb = runbooks()['disable-user'];
    const req = request('disable-user', 'alice@contoso.com');
    const { effect } = await rb.execute(req);
    seen = [];
    expect(await rb.verify(req, effect)).toMatchObject({ outcome: 'in-effect' });
    expect(calls()).toEqual([{ method: 'GET', path: ALICE_GET_BY_ID }]);
    alice().accountEnabled = true;
    clock = new Date(clock.getTime() + 30_000);
    expect(await rb.verify(req, effect)).toMatchObject({ outcome: 'not-yet' });
    clock = new Date(clock.getTime() + 10 * 60_000);
    const later = await rb.verify(req, effect);
    expect(later.outcome).toBe('not-in-effect');
    expect(later.finding).toContain('accountEnabled true');
  });

  it('undo: PATCH accountEnabled true once; the sessions stay revoked; a second undo sends nothing', async () => {
    const rb = runbooks()['disable-user'];
    const req = request('disable-user', 'alice@contoso.com');
    const { effect } = await rb.execute(req);
    const revokedFrom = alice().signInSessionsValidFromDateTime;
    seen = [];
    const text = await undoWith(rb, req, effect);
    expect(calls()).toEqual([
      { method: 'GET', path: ALICE_GET_BY_ID },
      { method: 'PATCH', path: ALICE_PATCH, body: { accountEnabled: true } },
    ]);
    expect(text).toContain('sessions stay revoked');
    expect(alice()).toMatchObject({ accountEnabled: true, signInSessionsValidFromDateTime: revokedFrom });
    seen = [];
    expect(await undoWith(rb, req, effect)).toContain('already enabled');
    expect(calls()).toEqual([{ method: 'GET', path: ALICE_GET_BY_ID }]);
  });

  it('undo refuses an effect it did not write, before any call', async () => {
    const rb = runbooks()['disable-user'];
    const forged: RunbookEffect = { objectId: '../../me', userPrincipalName: 'x@contoso.com', previousAccountEnabled: 'true' };
    expect(await refusal(undoWith(rb, request('disable-user', ALICE_ID), forged))).toMatchObject({ code: 'VALIDATION_FAILED', retryable: false });
    expect(await refusal(rb.verify(request('disable-user', ALICE_ID), {}))).toMatchObject({ code: 'VALIDATION_FAILED', retryable: false });
    expect(calls()).toEqual([]);
  });
});

describe('protected accounts and allowed domains', () => {
  it('a protected UPN is refused at dry run and execute before any call', async () => {
    const rb = runbooks();
    for (const run of [() => rb['disable-user'].dryRun(request('disable-user', 'BreakGlass1@contoso.com')), () => rb['disable-user'].execute(request('disable-user', 'breakglass1@contoso.com')), () => rb['revoke-sessions'].execute(request('revoke-sessions', 'breakglass1@contoso.com'))]) {
      const e = await refusal(run());
      expect(e).toMatchObject({ code: 'POLICY_VIOLATION', retryable: false });
      expect(e.message).toContain('protected account');
    }
    expect(calls()).toEqual([]);
  });

  it('a protected account addressed by its object id is refused once resolved: nothing is changed', async () => {
    const rb = runbooks();
    const e = await refusal(rb['disable-user'].execute(request('disable-user', BREAKGLASS_ID)));
    expect(e).toMatchObject({ code: 'POLICY_VIOLATION', retryable: false });
    expect(e.message).toContain('breakglass1@contoso.com is a protected account');
    expect(calls()).toEqual([{ method: 'GET', path: `/v1.0/users/${BREAKGLASS_ID}?${SELECT}` }]);
    expect(users.get(BREAKGLASS_ID)?.accountEnabled).toBe(true);
  });

  it('a protected object id is refused before any call', async () => {
    const e = await refusal(runbooks({ protectedPrincipals: [BREAKGLASS_ID.toUpperCase()] })['disable-user'].dryRun(request('disable-user', BREAKGLASS_ID)));
    expect(e).toMatchObject({ code: 'POLICY_VIOLATION', retryable: false });
    expect(calls()).toEqual([]);
  });

  it('a UPN outside the allowed domains is refused before any call; an object id resolving outside them after the read', async () => {
    const rb = runbooks();
    const byUpn = await refusal(rb['disable-user'].execute(request('disable-user', 'mallory@fabrikam.com')));
    expect(byUpn).toMatchObject({ code: 'POLICY_VIOLATION', retryable: false });
    expect(byUpn.message).toContain('not in an allowed UPN domain');
    expect(calls()).toEqual([]);
    const byId = await refusal(rb['revoke-sessions'].dryRun(request('revoke-sessions', OUTSIDER_ID)));
    expect(byId).toMatchObject({ code: 'POLICY_VIOLATION', retryable: false });
    expect(calls()).toEqual([{ method: 'GET', path: `/v1.0/users/${OUTSIDER_ID}?${SELECT}` }]);
    // A subdomain is not its parent.
    expect(await refusal(rb['disable-user'].dryRun(request('disable-user', 'eve@evil.contoso.com')))).toMatchObject({ code: 'POLICY_VIOLATION' });
  });

  it('targets that are not a strict UPN or object id, or not a user, never reach a URL', async () => {
    const rb = runbooks();
    const bad = [
      'alice',
      'alice@contoso.com/../../groups',
      'alice@contoso.com?$select=passwordProfile',
      '../users/alice@contoso.com',
      "o'brien@contoso.com",
      'guest_gmail.com#EXT#@contoso.com',
      'alice@@contoso.com',
      'a..b@contoso.com',
      '.alice@contoso.com',
      'alice@contoso.com ',
      'alice%40contoso.com',
      '$alice@contoso.com',
      '6e7b768e-07e2-4810-8459-485f84f8f20',
      '6e7b768e07e248108459485f84f8f204',
      'alice@contoso.com\nPATCH',
    ];
    for (const value of bad) {
      const e = await refusal(rb['disable-user'].execute(request('disable-user', value)));
      expect(e, value).toMatchObject({ code: 'VALIDATION_FAILED', retryable: false });
    }
    const host = await refusal(rb['revoke-sessions'].execute({ ...request('revoke-sessions', 'alice@contoso.com'), target: { entityId: 'e', type: 'host', value: 'alice@contoso.com' } }));
    expect(host).toMatchObject({ code: 'VALIDATION_FAILED', retryable: false });
    const account = await rb['revoke-sessions'].dryRun({ ...request('revoke-sessions', 'alice@contoso.com'), target: { entityId: 'e', type: 'account', value: 'alice@contoso.com' } });
    expect(account).toContain('revokeSignInSessions');
    expect(calls()).toEqual([{ method: 'GET', path: ALICE_GET }]);
  });
});

describe('Graph error answers', () => {
  it('429 on the PATCH: retryable with Retry-After', async () => {
    scripted.set(`PATCH ${ALICE_PATCH}`, [{ status: 429, headers: { 'retry-after': '7' }, body: { error: { code: 'TooManyRequests', message: 'Please retry again later.' } } }]);
    const e = await refusal(runbooks()['disable-user'].execute(request('disable-user', 'alice@contoso.com')));
    expect(e).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
    expect(e.details?.retryAfterSeconds).toBe(7);
    expect(calls().map((c) => c.method)).toEqual(['GET', 'PATCH']);
  });

  it('403 on the PATCH names User.EnableDisableAccount.All and the Privileged Authentication Administrator role', async () => {
    scripted.set(`PATCH ${ALICE_PATCH}`, [{ status: 403, body: { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } } }]);
    const e = await refusal(runbooks()['disable-user'].execute(request('disable-user', 'alice@contoso.com')));
    expect(e).toMatchObject({ code: 'FORBIDDEN', retryable: false });
    expect(e.message).toContain('Authorization_RequestDenied');
    expect(e.message).toContain('User.EnableDisableAccount.All');
    expect(e.message).toContain('Privileged Authentication Administrator');
    expect(e.details).toMatchObject({ status: 403, graphCode: 'Authorization_RequestDenied', permission: 'User.EnableDisableAccount.All' });
  });

  it('403 on the read names User.Read.All', async () => {
    scripted.set(`GET ${ALICE_GET}`, [{ status: 403, body: { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } } }]);
    const e = await refusal(runbooks()['disable-user'].dryRun(request('disable-user', 'alice@contoso.com')));
    expect(e).toMatchObject({ code: 'FORBIDDEN', retryable: false });
    expect(e.message).toContain('User.Read.All');
  });

  it('404: the user does not exist, not retryable', async () => {
    const e = await refusal(runbooks()['disable-user'].execute(request('disable-user', 'nobody@contoso.com')));
    expect(e).toMatchObject({ code: 'NOT_FOUND', retryable: false });
    expect(e.message).toContain('Request_ResourceNotFound');
    expect(calls()).toEqual([{ method: 'GET', path: `/v1.0/users/nobody@contoso.com?${SELECT}` }]);
  });

  it('5xx: retryable, with Retry-After when Graph sends one', async () => {
    scripted.set(`GET ${ALICE_GET}`, [{ status: 503, headers: { 'retry-after': '30' }, body: { error: { code: 'serviceNotAvailable', message: 'Service unavailable' } } }]);
    const e = await refusal(runbooks()['revoke-sessions'].execute(request('revoke-sessions', 'alice@contoso.com')));
    expect(e).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', retryable: true });
    expect(e.details?.retryAfterSeconds).toBe(30);
  });

  it('a revoke refused after our PATCH says the account is off by this request; the retry revokes and records it already disabled', async () => {
    scripted.set(`POST ${ALICE_REVOKE}`, [{ status: 429, headers: { 'retry-after': '3' }, body: { error: { code: 'TooManyRequests', message: 'Please retry again later.' } } }]);
    const rb = runbooks()['disable-user'];
    const req = request('disable-user', 'alice@contoso.com');
    const e = await refusal(rb.execute(req));
    expect(e).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
    expect(e.details).toMatchObject({ retryAfterSeconds: 3, objectId: ALICE_ID, accountDisabledByThisRequest: true });
    expect(e.message).toContain('re-enable by hand');
    clock = new Date(clock.getTime() + 3_000);
    const retry = await rb.execute(req);
    expect(calls().map((c) => `${c.method} ${c.path}`)).toEqual([`GET ${ALICE_GET}`, `PATCH ${ALICE_PATCH}`, `POST ${ALICE_REVOKE}`, `GET ${ALICE_GET}`, `POST ${ALICE_REVOKE}`]);
    expect(retry.effect).toMatchObject({ previousAccountEnabled: 'false', revocation: 'posted' });
  });

  it('a call that times out is retryable: its outcome is unknown, and the retry reads first', async () => {
    scripted.set(`PATCH ${ALICE_PATCH}`, [{ status: 204, delayMs: 1_000 }]);
    const e = await refusal(runbooks({ timeoutMs: 100 })['disable-user'].execute(request('disable-user', 'alice@contoso.com')));
    expect(e).toMatchObject({ code: 'TIMEOUT', retryable: true });
    expect(e.message).toContain('outcome is unknown');
  });

  it('401 (a token Graph does not take) is not retryable', async () => {
    const e = await refusal(runbooks({ token: 'expired-token' })['revoke-sessions'].dryRun(request('revoke-sessions', 'alice@contoso.com')));
    expect(e).toMatchObject({ code: 'UNAUTHORIZED', retryable: false });
    expect(e.message).toContain('InvalidAuthenticationToken');
    expect(e.message).not.toContain('expired-token');
  });

  it('a read answered with another user than the one asked for changes nothing', async () => {
    scripted.set(`GET ${ALICE_GET}`, [{ status: 200, body: { id: OUTSIDER_ID, userPrincipalName: 'bob@contoso.com', accountEnabled: true, signInSessionsValidFromDateTime: EARLIER } }]);
    const e = await refusal(runbooks()['disable-user'].execute(request('disable-user', 'alice@contoso.com')));
    expect(e).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', retryable: false });
    expect(calls().map((c) => c.method)).toEqual(['GET']);
  });

  it('403 on the revoke names User.RevokeSessions.All', async () => {
    scripted.set(`POST ${ALICE_REVOKE}`, [{ status: 403, body: { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } } }]);
    const e = await refusal(runbooks()['revoke-sessions'].execute(request('revoke-sessions', 'alice@contoso.com')));
    expect(e).toMatchObject({ code: 'FORBIDDEN', retryable: false });
    expect(e.message).toContain('User.RevokeSessions.All');
  });

  it('a credential that fails gives a retryable error without its message; no call is sent', async () => {
    const failing = entraRunbooks({
      credential: { getToken: async () => Promise.reject(new Error(`AADSTS700016 secret=${TOKEN}`)) },
      baseUrl: base,
      protectedPrincipals: ['breakglass1@contoso.com'],
      allowedUpnDomains: ['contoso.com'],
    });
    const e = await refusal(failing['disable-user'].dryRun(request('disable-user', 'alice@contoso.com')));
    expect(e).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', retryable: true });
    expect(seen).toEqual([]);
  });
});

describe('revoke-sessions', () => {
  it('has no undo: a revocation cannot be taken back', () => {
    expect(runbooks()['revoke-sessions'].undo).toBeUndefined();
  });

  it('dry run: one read, the exact POST, and that it is irreversible', async () => {
    const text = await runbooks()['revoke-sessions'].dryRun(request('revoke-sessions', 'alice@contoso.com', { executionStartedAt: undefined }));
    expect(calls()).toEqual([{ method: 'GET', path: ALICE_GET }]);
    expect(text).toContain(`POST /v1.0/users/${ALICE_ID}/revokeSignInSessions`);
    expect(text).toContain('Irreversible');
    expect(alice().signInSessionsValidFromDateTime).toBe(EARLIER);
  });

  it('execute posts once; a redelivery finds the revocation after the execution started and sends nothing; verify is in effect', async () => {
    const rb = runbooks()['revoke-sessions'];
    const req = request('revoke-sessions', 'alice@contoso.com');
    const first = await rb.execute(req);
    expect(calls()).toEqual([
      { method: 'GET', path: ALICE_GET },
      { method: 'POST', path: ALICE_REVOKE },
    ]);
    expect(first.effect).toEqual({ objectId: ALICE_ID, userPrincipalName: 'alice@contoso.com', sessionsRevokedAt: clock.toISOString(), revocation: 'posted' });
    clock = new Date(clock.getTime() + 2_000);
    const second = await rb.execute(req);
    expect(second.effect.revocation).toBe('found');
    expect(calls().filter((c) => c.method === 'POST')).toHaveLength(1);
    seen = [];
    const v = await rb.verify(req, first.effect);
    expect(v.outcome).toBe('in-effect');
    expect(calls()).toEqual([{ method: 'GET', path: ALICE_GET_BY_ID }]);
  });

  it('verify: sessions still valid from before the revocation is not yet', async () => {
    const rb = runbooks()['revoke-sessions'];
    // Graph accepted the revoke but still shows the old time (it has not applied it yet).
    scripted.set(`POST ${ALICE_REVOKE}`, [{ status: 200, body: { value: true } }]);
    const req = request('revoke-sessions', ALICE_ID);
    const { effect } = await rb.execute(req);
    const v = await rb.verify(req, effect);
    expect(v.outcome).toBe('not-yet');
    expect(v.finding).toContain(EARLIER);
  });

  it('a revoke answered without value true is retryable', async () => {
    scripted.set(`POST ${ALICE_REVOKE}`, [{ status: 200, body: { value: false } }]);
    const e = await refusal(runbooks()['revoke-sessions'].execute(request('revoke-sessions', 'alice@contoso.com')));
    expect(e).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', retryable: true });
  });
});
