import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '@soc/runtime';
import { ClientSecretDefenderCredential, DefenderClient, filterQuery, odataString } from '../src/adapters/defender/defender-client.ts';
import { DefenderIndicatorRunbook } from '../src/adapters/defender/defender-indicator-runbook.ts';
import { DefenderIsolateHostRunbook, type HostIsolated } from '../src/adapters/defender/defender-runbook.ts';

/**
 * The Defender isolate-host runbook against a local stand-in of Entra ID's token endpoint and the Defender for
 * Endpoint API (wire format per Microsoft's documentation). Every call is asserted: method, path and query, the
 * bearer token, the body; and the token request's form.
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
}

const TENANT = 'contoso.onmicrosoft.com';
const CLIENT_ID = '11111111-2222-3333-4444-555555555555';
const SECRET = 'super-secret-value~42';
const TOKEN = 'eyJ0eXAi.defender-token.sig';
const MACHINE = '1e5bc9d7e413ddd7902c2932e418702b84d0cc07';
const HOST = 'ws-0042.corp.example.com';
const CONTEXT = { requestId: 'cr-7f3a9c', approvedBy: ['alice@example.com', 'bob@example.com'] };
const COMMENT = '[soc-copilot:cr-7f3a9c] isolate ws-0042[.]corp[.]example[.]com approved by alice@example.com, bob@example.com';
const MACHINE_QUERY = '/api/machines?$filter=computerDnsName%20eq%20%27ws-0042.corp.example.com%27';
const ISOLATE_ACTIONS_QUERY = `/api/machineactions?$filter=machineId%20eq%20%27${MACHINE}%27%20and%20type%20eq%20%27Isolate%27`;
const UNISOLATE_ACTIONS_QUERY = `/api/machineactions?$filter=machineId%20eq%20%27${MACHINE}%27%20and%20type%20eq%20%27Unisolate%27`;

let server: Server;
let base: string;
let seen: Seen[];
let routes: Map<string, Answer | Answer[]>;

function answer(key: string): Answer {
  const r = routes.get(key);
  if (Array.isArray(r)) return r.length > 1 ? (r.shift() as Answer) : (r[0] as Answer);
  return r ?? { status: 404, body: { error: { code: 'ResourceNotFound', message: `stand-in has no ${key}` } } };
}

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const path = req.url ?? '';
      seen.push({ method: req.method ?? '', path, authorization: req.headers.authorization, contentType: req.headers['content-type'], body });
      const a = answer(`${req.method} ${path}`);
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
      res.end(a.body === undefined ? '' : JSON.stringify(a.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  seen = [];
  routes = new Map<string, Answer | Answer[]>([
    [`POST /${TENANT}/oauth2/v2.0/token`, { status: 200, body: { token_type: 'Bearer', expires_in: 3599, access_token: TOKEN } }],
    [`GET ${MACHINE_QUERY}`, { status: 200, body: { value: [{ id: MACHINE, computerDnsName: HOST, healthStatus: 'Active' }] } }],
    [`GET ${ISOLATE_ACTIONS_QUERY}`, { status: 200, body: { value: [] } }],
    [`GET ${UNISOLATE_ACTIONS_QUERY}`, { status: 200, body: { value: [] } }],
  ]);
});

function runbook(opts: { defaultIsolation?: 'Selective' | 'Full' } = {}): DefenderIsolateHostRunbook {
  const credential = new ClientSecretDefenderCredential({ tenantId: TENANT, clientId: CLIENT_ID, clientSecret: SECRET, authorityHost: base });
  return new DefenderIsolateHostRunbook(new DefenderClient({ credential, baseUrl: base, now: () => new Date('2026-12-07T06:00:00Z') }), opts);
}

/** The API calls (the token request aside), each checked for the bearer token. */
function apiCalls(): { method: string; path: string; body: unknown }[] {
  return seen
    .filter((s) => !s.path.includes('/oauth2/'))
    .map((s) => {
      expect(s.authorization).toBe(`Bearer ${TOKEN}`);
      if (s.body !== '') expect(s.contentType).toBe('application/json');
      return { method: s.method, path: s.path, body: s.body === '' ? undefined : JSON.parse(s.body) };
    });
}

async function refusal(p: Promise<unknown>): Promise<{ code: string; retryable: boolean; message: string; details: Record<string, unknown> | undefined }> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isAppError(error)) throw new Error(`expected an AppError, got ${String(error)}`);
  expect(error.message).not.toContain(SECRET);
  expect(error.message).not.toContain(TOKEN);
  expect(JSON.stringify(error.details ?? {})).not.toContain(TOKEN);
  return { code: error.code, retryable: error.retryable, message: error.message, details: error.details as Record<string, unknown> | undefined };
}

describe('Defender credential: client credentials grant', () => {
  it('posts the documented form once and caches the token', async () => {
    const rb = runbook();
    await rb.dryRun({ hostName: HOST }, CONTEXT);
    await rb.dryRun({ hostName: HOST }, CONTEXT);
    const tokenCalls = seen.filter((s) => s.path.includes('/oauth2/'));
    expect(tokenCalls).toHaveLength(1);
    expect(tokenCalls[0]?.method).toBe('POST');
    expect(tokenCalls[0]?.path).toBe(`/${TENANT}/oauth2/v2.0/token`);
    expect(tokenCalls[0]?.contentType).toBe('application/x-www-form-urlencoded');
    expect(tokenCalls[0]?.authorization).toBeUndefined();
    expect(Object.fromEntries(new URLSearchParams(tokenCalls[0]?.body))).toEqual({
      grant_type: 'client_credentials',
      client_id: CLIENT_ID,
      client_secret: SECRET,
      scope: 'https://api.securitycenter.microsoft.com/.default',
    });
  });

  it('a refused token request names the error code, never the secret, and is not retried', async () => {
    routes.set(`POST /${TENANT}/oauth2/v2.0/token`, { status: 401, body: { error: 'invalid_client', error_description: `AADSTS7000215: Invalid client secret provided: ${SECRET}` } });
    const e = await refusal(runbook().dryRun({ hostName: HOST }, CONTEXT));
    expect(e).toMatchObject({ code: 'UNAUTHORIZED', retryable: false });
    expect(e.message).toContain('invalid_client');
    expect(apiCalls()).toEqual([]);
  });

  it('a throttled token request is retryable with its Retry-After', async () => {
    routes.set(`POST /${TENANT}/oauth2/v2.0/token`, { status: 429, headers: { 'retry-after': '17' }, body: { error: 'temporarily_unavailable' } });
    const e = await refusal(runbook().dryRun({ hostName: HOST }, CONTEXT));
    expect(e).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
    expect(e.details?.retryAfterSeconds).toBe(17);
  });
});

describe('isolate-host: dry run', () => {
  it('makes only the read-only lookup and returns exactly the call execute would send', async () => {
    const plan = await runbook().dryRun({ hostName: HOST }, CONTEXT);
    expect(plan).toEqual({
      runbook: 'isolate-host',
      resolved: { machineId: MACHINE, computerDnsName: HOST },
      calls: [{ method: 'POST', path: `/api/machines/${MACHINE}/isolate`, body: { Comment: COMMENT, IsolationType: 'Selective' } }],
    });
    expect(apiCalls()).toEqual([{ method: 'GET', path: MACHINE_QUERY, body: undefined }]);
  });

  it('full isolation when asked for', async () => {
    const plan = await runbook({ defaultIsolation: 'Full' }).dryRun({ hostName: HOST }, CONTEXT);
    expect(plan.calls[0]?.body).toEqual({ Comment: COMMENT, IsolationType: 'Full' });
  });

  it('0 or several machines of that name is a non-retryable refusal', async () => {
    routes.set(`GET ${MACHINE_QUERY}`, { status: 200, body: { value: [] } });
    expect(await refusal(runbook().dryRun({ hostName: HOST }, CONTEXT))).toMatchObject({ code: 'NOT_FOUND', retryable: false, details: { matches: 0 } });
    routes.set(`GET ${MACHINE_QUERY}`, { status: 200, body: { value: [{ id: 'a', computerDnsName: HOST }, { id: 'b', computerDnsName: HOST }] } });
    const e = await refusal(runbook().dryRun({ hostName: HOST }, CONTEXT));
    expect(e).toMatchObject({ code: 'NOT_FOUND', retryable: false, details: { matches: 2 } });
    expect(e.message).toContain('2 Defender devices');
  });

  it('refuses names with control characters or OData syntax before any call', async () => {
    for (const bad of ["ws-1' or 1 eq 1 or computerDnsName eq '", 'ws-1\nx', 'ws-1\u0000', '']) {
      expect(await refusal(runbook().dryRun({ hostName: bad }, CONTEXT))).toMatchObject({ code: 'VALIDATION_FAILED', retryable: false });
    }
    expect(seen).toEqual([]);
  });
});

describe('OData string literals', () => {
  it('doubles single quotes and refuses control characters', () => {
    expect(odataString("o'brien-pc")).toBe("'o''brien-pc'");
    expect(filterQuery(`computerDnsName eq ${odataString("o'brien (pc)")}`)).toBe('?$filter=computerDnsName%20eq%20%27o%27%27brien%20%28pc%29%27');
    expect(() => odataString('a\tb')).toThrow(/control characters/);
    expect(() => odataString('a\u0085b')).toThrow(/control characters/);
  });
});

describe('isolate-host: execute', () => {
  it('looks for its own action, then posts the isolation with our request id and approvers in the comment', async () => {
    routes.set(`POST /api/machines/${MACHINE}/isolate`, { status: 201, body: { id: 'act-1', type: 'Isolate', status: 'Pending', machineId: MACHINE, requestorComment: COMMENT } });
    const executed = await runbook().execute({ hostName: HOST }, CONTEXT);
    expect(executed).toEqual({ machineId: MACHINE, computerDnsName: HOST, actionId: 'act-1', origin: 'created' });
    expect(apiCalls()).toEqual([
      { method: 'GET', path: MACHINE_QUERY, body: undefined },
      { method: 'GET', path: ISOLATE_ACTIONS_QUERY, body: undefined },
      { method: 'POST', path: `/api/machines/${MACHINE}/isolate`, body: { Comment: COMMENT, IsolationType: 'Selective' } },
    ]);
  });

  it('a redelivered execute of the same request finds its action and does not isolate twice', async () => {
    routes.set(`GET ${ISOLATE_ACTIONS_QUERY}`, {
      status: 200,
      body: {
        value: [
          { id: 'act-other', type: 'Isolate', status: 'Succeeded', machineId: MACHINE, requestorComment: '[soc-copilot:cr-other] isolate ...' },
          { id: 'act-failed', type: 'Isolate', status: 'Failed', machineId: MACHINE, requestorComment: COMMENT },
          { id: 'act-1', type: 'Isolate', status: 'InProgress', machineId: MACHINE, requestorComment: COMMENT },
        ],
      },
    });
    const executed = await runbook().execute({ hostName: HOST }, CONTEXT);
    expect(executed).toEqual({ machineId: MACHINE, computerDnsName: HOST, actionId: 'act-1', origin: 'redelivered' });
    expect(apiCalls().filter((c) => c.method === 'POST')).toEqual([]);
  });

  it('a request id that is a prefix of another does not match its action', async () => {
    routes.set(`GET ${ISOLATE_ACTIONS_QUERY}`, { status: 200, body: { value: [{ id: 'act-9', type: 'Isolate', status: 'Pending', requestorComment: '[soc-copilot:cr-7f3a9c0] isolate x' }] } });
    routes.set(`POST /api/machines/${MACHINE}/isolate`, { status: 201, body: { id: 'act-2', type: 'Isolate', status: 'Pending' } });
    expect((await runbook().execute({ hostName: HOST }, CONTEXT)).actionId).toBe('act-2');
  });

  it('ActiveRequestAlreadyExists: already isolating, the active action is taken and marked as not ours', async () => {
    routes.set(`POST /api/machines/${MACHINE}/isolate`, { status: 400, body: { error: { code: 'ActiveRequestAlreadyExists', message: 'Action is already in progress', target: 'c0ffee' } } });
    routes.set(`GET ${ISOLATE_ACTIONS_QUERY}`, [
      { status: 200, body: { value: [] } },
      {
        status: 200,
        body: {
          value: [
            { id: 'old', type: 'Isolate', status: 'Succeeded', creationDateTimeUtc: '2026-11-01T00:00:00Z', requestorComment: 'by hand' },
            { id: 'someone-elses', type: 'Isolate', status: 'Pending', creationDateTimeUtc: '2026-12-07T05:59:00Z', requestorComment: 'by hand' },
          ],
        },
      },
    ]);
    const executed = await runbook().execute({ hostName: HOST }, CONTEXT);
    expect(executed).toEqual({ machineId: MACHINE, computerDnsName: HOST, actionId: 'someone-elses', origin: 'already-isolating' });
    expect(apiCalls().map((c) => `${c.method} ${c.path}`)).toEqual([`GET ${MACHINE_QUERY}`, `GET ${ISOLATE_ACTIONS_QUERY}`, `POST /api/machines/${MACHINE}/isolate`, `GET ${ISOLATE_ACTIONS_QUERY}`]);
    // and undo will not release an isolation someone else made
    expect(await refusal(runbook().undo(executed, CONTEXT))).toMatchObject({ code: 'PRECONDITION_FAILED', retryable: false });
  });

  it('another 400 is a non-retryable refusal with Defender’s reason', async () => {
    routes.set(`POST /api/machines/${MACHINE}/isolate`, { status: 400, body: { error: { code: 'OsPlatformNotSupported', message: 'OS Platform macOS isn\u2019t supported for this action.' } } });
    const e = await refusal(runbook().execute({ hostName: HOST }, CONTEXT));
    expect(e).toMatchObject({ code: 'VALIDATION_FAILED', retryable: false, details: { status: 400 } });
    expect(e.message).toContain('OsPlatformNotSupported');
  });

  it('429 with Retry-After is retryable with retryAfterSeconds (seconds and HTTP date)', async () => {
    routes.set(`POST /api/machines/${MACHINE}/isolate`, { status: 429, headers: { 'retry-after': '30' }, body: { error: { code: 'TooManyRequests', message: 'quota' } } });
    expect(await refusal(runbook().execute({ hostName: HOST }, CONTEXT))).toMatchObject({ code: 'RATE_LIMITED', retryable: true, details: { status: 429, retryAfterSeconds: 30 } });
    routes.set(`GET ${MACHINE_QUERY}`, { status: 429, headers: { 'retry-after': 'Mon, 07 Dec 2026 06:01:00 GMT' } });
    expect(await refusal(runbook().execute({ hostName: HOST }, CONTEXT))).toMatchObject({ code: 'RATE_LIMITED', retryable: true, details: { retryAfterSeconds: 60 } });
  });

  it('503 is retryable', async () => {
    routes.set(`POST /api/machines/${MACHINE}/isolate`, { status: 503, headers: { 'retry-after': '5' } });
    expect(await refusal(runbook().execute({ hostName: HOST }, CONTEXT))).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', retryable: true, details: { retryAfterSeconds: 5 } });
  });

  it('401 and 403 are non-retryable and name the missing permission', async () => {
    routes.set(`POST /api/machines/${MACHINE}/isolate`, { status: 403, body: { error: { code: 'Forbidden', message: 'insufficient permission' } } });
    const forbidden = await refusal(runbook().execute({ hostName: HOST }, CONTEXT));
    expect(forbidden).toMatchObject({ code: 'FORBIDDEN', retryable: false, details: { permission: 'Machine.Isolate' } });
    expect(forbidden.message).toContain('Machine.Isolate');
    routes.set(`GET ${MACHINE_QUERY}`, { status: 401, body: { error: { code: 'Unauthorized', message: 'expired' } } });
    const unauthorized = await refusal(runbook().execute({ hostName: HOST }, CONTEXT));
    expect(unauthorized).toMatchObject({ code: 'UNAUTHORIZED', retryable: false, details: { permission: 'Machine.Read.All' } });
  });

  it('404 is non-retryable', async () => {
    routes.set(`POST /api/machines/${MACHINE}/isolate`, { status: 404, body: { error: { code: 'ResourceNotFound', message: `Machine ${MACHINE} was not found` } } });
    expect(await refusal(runbook().execute({ hostName: HOST }, CONTEXT))).toMatchObject({ code: 'NOT_FOUND', retryable: false });
  });

  it('refuses a request id that could forge or blur the comment marker', async () => {
    expect(await refusal(runbook().execute({ hostName: HOST }, { ...CONTEXT, requestId: 'cr-1] x' }))).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(seen).toEqual([]);
  });
});

describe('isolate-host: verify', () => {
  const executed: HostIsolated = { machineId: MACHINE, computerDnsName: HOST, actionId: 'act-1', origin: 'created' };
  for (const [status, expected] of [
    ['Succeeded', 'done'],
    ['Pending', 'pending'],
    ['InProgress', 'pending'],
    ['Failed', 'failed'],
    ['Cancelled', 'failed'],
    ['TimeOut', 'failed'],
  ] as const) {
    it(`${status} → ${expected}`, async () => {
      routes.set('GET /api/machineactions/act-1', { status: 200, body: { id: 'act-1', type: 'Isolate', status } });
      expect(await runbook().verify(executed)).toBe(expected);
      expect(apiCalls()).toEqual([{ method: 'GET', path: '/api/machineactions/act-1', body: undefined }]);
    });
  }
  it('an unknown action is a non-retryable 404', async () => {
    expect(await refusal(runbook().verify(executed))).toMatchObject({ code: 'NOT_FOUND', retryable: false });
  });
});

describe('isolate-host: undo', () => {
  const executed: HostIsolated = { machineId: MACHINE, computerDnsName: HOST, actionId: 'act-1', origin: 'created' };
  const UNDO = { requestId: 'cr-7f3a9c', approvedBy: ['carol@example.com'] };
  const RELEASE_COMMENT = '[soc-copilot:cr-7f3a9c] release ws-0042[.]corp[.]example[.]com approved by carol@example.com';

  it('posts the release with our comment and verifies it like any action', async () => {
    routes.set(`POST /api/machines/${MACHINE}/unisolate`, { status: 201, body: { id: 'act-u1', type: 'Unisolate', status: 'Pending' } });
    routes.set('GET /api/machineactions/act-u1', { status: 200, body: { id: 'act-u1', type: 'Unisolate', status: 'Succeeded' } });
    const rb = runbook();
    const undone = await rb.undo(executed, UNDO);
    expect(undone).toEqual({ machineId: MACHINE, actionId: 'act-u1', origin: 'created' });
    expect(await rb.verify(undone)).toBe('done');
    expect(apiCalls()).toEqual([
      { method: 'GET', path: UNISOLATE_ACTIONS_QUERY, body: undefined },
      { method: 'POST', path: `/api/machines/${MACHINE}/unisolate`, body: { Comment: RELEASE_COMMENT } },
      { method: 'GET', path: '/api/machineactions/act-u1', body: undefined },
    ]);
  });

  it('a redelivered undo does not release twice', async () => {
    routes.set(`GET ${UNISOLATE_ACTIONS_QUERY}`, { status: 200, body: { value: [{ id: 'act-u1', type: 'Unisolate', status: 'Succeeded', requestorComment: RELEASE_COMMENT }] } });
    expect(await runbook().undo(executed, UNDO)).toEqual({ machineId: MACHINE, actionId: 'act-u1', origin: 'redelivered' });
    expect(apiCalls().filter((c) => c.method === 'POST')).toEqual([]);
  });

  it('ActiveRequestAlreadyExists on release: the active release is taken', async () => {
    routes.set(`POST /api/machines/${MACHINE}/unisolate`, { status: 400, body: { error: { code: 'ActiveRequestAlreadyExists', message: 'Action is already in progress' } } });
    routes.set(`GET ${UNISOLATE_ACTIONS_QUERY}`, [
      { status: 200, body: { value: [] } },
      { status: 200, body: { value: [{ id: 'act-u0', type: 'Unisolate', status: 'InProgress', requestorComment: 'by hand' }] } },
    ]);
    expect(await runbook().undo(executed, UNDO)).toEqual({ machineId: MACHINE, actionId: 'act-u0', origin: 'already-releasing' });
  });

  it('403 on release names Machine.Isolate', async () => {
    routes.set(`POST /api/machines/${MACHINE}/unisolate`, { status: 403, body: { error: { code: 'Forbidden', message: 'no' } } });
    expect(await refusal(runbook().undo(executed, UNDO))).toMatchObject({ code: 'FORBIDDEN', retryable: false, details: { permission: 'Machine.Isolate' } });
  });
});

describe('block-ip / block-url: Defender indicators', () => {
  const IP = '203.0.113.7';
  const IP_QUERY = "/api/indicators?$filter=indicatorValue%20eq%20%27203.0.113.7%27%20and%20indicatorType%20eq%20%27IpAddress%27";
  const URL_VALUE = "https://evil.example/pay?a=1&b='x'";
  const URL_QUERY = "/api/indicators?$filter=indicatorValue%20eq%20%27https%3A%2F%2Fevil.example%2Fpay%3Fa%3D1%26b%3D%27%27x%27%27%27%20and%20indicatorType%20eq%20%27Url%27";
  const IP_BODY = {
    indicatorValue: IP,
    indicatorType: 'IpAddress',
    action: 'Block',
    title: 'SOC Copilot containment cr-7f3a9c',
    description: '[soc-copilot:cr-7f3a9c] block 203[.]0[.]113[.]7 approved by alice@example.com, bob@example.com',
    severity: 'High',
    generateAlert: true,
  };

  function indicators(): DefenderIndicatorRunbook {
    const credential = new ClientSecretDefenderCredential({ tenantId: TENANT, clientId: CLIENT_ID, clientSecret: SECRET, authorityHost: base });
    return new DefenderIndicatorRunbook(new DefenderClient({ credential, baseUrl: base }));
  }

  beforeEach(() => {
    routes.set(`GET ${IP_QUERY}`, { status: 200, body: { value: [] } });
    routes.set(`GET ${URL_QUERY}`, { status: 200, body: { value: [] } });
  });

  it('dry run: only the read-only lookup, and exactly the POST execute would send', async () => {
    const plan = await indicators().dryRun({ type: 'IpAddress', value: IP }, CONTEXT);
    expect(plan).toEqual({ runbook: 'block-ip', resolved: {}, calls: [{ method: 'POST', path: '/api/indicators', body: IP_BODY }] });
    expect(apiCalls()).toEqual([{ method: 'GET', path: IP_QUERY, body: undefined }]);
  });

  it('execute posts the documented indicator body; verify finds it; undo deletes it', async () => {
    routes.set('POST /api/indicators', { status: 200, body: { id: '995', ...IP_BODY } });
    routes.set('DELETE /api/indicators/995', { status: 204 });
    const rb = indicators();
    const added = await rb.execute({ type: 'IpAddress', value: IP }, CONTEXT);
    expect(added).toEqual({ indicatorId: '995', type: 'IpAddress', value: IP, origin: 'created' });
    routes.set(`GET ${IP_QUERY}`, { status: 200, body: { value: [{ id: '995', ...IP_BODY }] } });
    expect(await rb.verify(added)).toBe('done');
    expect(await rb.undo(added)).toEqual({ indicatorId: '995', origin: 'deleted' });
    expect(apiCalls()).toEqual([
      { method: 'GET', path: IP_QUERY, body: undefined },
      { method: 'POST', path: '/api/indicators', body: IP_BODY },
      { method: 'GET', path: IP_QUERY, body: undefined },
      { method: 'DELETE', path: '/api/indicators/995', body: undefined },
    ]);
  });

  it('a URL with quotes is an escaped OData literal; the comment defangs it', async () => {
    routes.set('POST /api/indicators', { status: 200, body: { id: 996 } });
    const added = await indicators().execute({ type: 'Url', value: URL_VALUE, action: 'BlockAndRemediate', expirationTime: '2026-12-14T00:00:00Z' }, CONTEXT);
    expect(added.indicatorId).toBe('996');
    const post = apiCalls().find((c) => c.method === 'POST');
    expect(post?.body).toMatchObject({ indicatorValue: URL_VALUE, indicatorType: 'Url', action: 'BlockAndRemediate', expirationTime: '2026-12-14T00:00:00Z' });
    expect((post?.body as { description: string }).description).toContain("hxxps://evil[.]example/pay?a=1&b='x'");
  });

  it('a redelivered execute finds its own indicator and posts nothing', async () => {
    routes.set(`GET ${IP_QUERY}`, { status: 200, body: { value: [{ id: '995', ...IP_BODY }] } });
    expect(await indicators().execute({ type: 'IpAddress', value: IP }, CONTEXT)).toEqual({ indicatorId: '995', type: 'IpAddress', value: IP, origin: 'redelivered' });
    expect(apiCalls().filter((c) => c.method !== 'GET')).toEqual([]);
  });

  it('someone else’s blocking indicator is left alone and not deleted by undo; a non-blocking one is a refusal', async () => {
    routes.set(`GET ${IP_QUERY}`, { status: 200, body: { value: [{ id: '12', indicatorValue: IP, indicatorType: 'IpAddress', action: 'Block', description: 'by hand' }] } });
    const added = await indicators().execute({ type: 'IpAddress', value: IP }, CONTEXT);
    expect(added.origin).toBe('already-blocked');
    expect(await refusal(indicators().undo(added))).toMatchObject({ code: 'PRECONDITION_FAILED', retryable: false });
    routes.set(`GET ${IP_QUERY}`, { status: 200, body: { value: [{ id: '13', indicatorValue: IP, indicatorType: 'IpAddress', action: 'Allowed', description: 'by hand' }] } });
    expect(await refusal(indicators().execute({ type: 'IpAddress', value: IP }, CONTEXT))).toMatchObject({ code: 'PRECONDITION_FAILED', retryable: false });
    expect(apiCalls().filter((c) => c.method !== 'GET')).toEqual([]);
  });

  it('verify: an indicator gone or no longer blocking is failed', async () => {
    const added = { indicatorId: '995', type: 'IpAddress', value: IP, origin: 'created' } as const;
    expect(await indicators().verify(added)).toBe('failed');
    routes.set(`GET ${IP_QUERY}`, { status: 200, body: { value: [{ id: '995', ...IP_BODY, action: 'Audit' }] } });
    expect(await indicators().verify(added)).toBe('failed');
  });

  it('undo of an indicator already deleted (404) is done, not an error', async () => {
    routes.set('DELETE /api/indicators/995', { status: 404, body: { error: { code: 'ResourceNotFound', message: 'Indicator 995 was not found' } } });
    expect(await indicators().undo({ indicatorId: '995', type: 'IpAddress', value: IP, origin: 'created' })).toEqual({ indicatorId: '995', origin: 'already-gone' });
  });

  it('403 names Ti.ReadWrite.All; 429 is retryable with Retry-After', async () => {
    routes.set('POST /api/indicators', { status: 403, body: { error: { code: 'Forbidden', message: 'no' } } });
    const e = await refusal(indicators().execute({ type: 'IpAddress', value: IP }, CONTEXT));
    expect(e).toMatchObject({ code: 'FORBIDDEN', retryable: false, details: { permission: 'Ti.ReadWrite.All' } });
    expect(e.message).toContain('Ti.ReadWrite.All');
    routes.set('POST /api/indicators', { status: 429, headers: { 'retry-after': '45' } });
    expect(await refusal(indicators().execute({ type: 'IpAddress', value: IP }, CONTEXT))).toMatchObject({ code: 'RATE_LIMITED', retryable: true, details: { retryAfterSeconds: 45 } });
  });

  it('refuses CIDR ranges, bad domains, non-http URLs and control characters before any call', async () => {
    for (const target of [
      { type: 'IpAddress', value: '203.0.113.0/24' },
      { type: 'DomainName', value: 'evil example' },
      { type: 'Url', value: 'javascript:alert(1)' },
      { type: 'Url', value: 'https://evil.example/\n' + 'x' },
    ] as const) {
      expect(await refusal(indicators().execute(target, CONTEXT))).toMatchObject({ code: 'VALIDATION_FAILED', retryable: false });
    }
    expect(seen).toEqual([]);
  });
});
