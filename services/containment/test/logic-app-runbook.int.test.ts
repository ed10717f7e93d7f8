import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '@soc/runtime';
import { HttpsTransport } from '../src/adapters/automation/https-client.ts';
import { type LogicAppRunbookOptions, logicAppRunbooks, redactSignature } from '../src/adapters/automation/logic-app-runbook.ts';
import type { ContainmentRequest } from '../src/ports.ts';
import { FixedTokenCredential, type HttpsStandIn, requestFor, startHttpsStandIn } from './support/https-stand-in.ts';

/**
 * run-logic-app against a local HTTPS stand-in of a Logic App HTTP request trigger (a SAS-signed callback URL, 202
 * with `x-ms-workflow-run-id` and a signed `Location`, or 200) and of ARM's workflow runs API (api-version
 * 2016-06-01). Every call asserted; the signature never appears in a result, an effect or an error.
 */

const TOKEN = 'eyJ0eXAi.arm-token.sig';
const SIG = 'Xk3pQ9vR2sT7uW1yZ4aB6cD8eF0gH2iJ5kL7mN9oP1q';
const SUB = '00000000-1111-2222-3333-444444444444';
const RESOURCE_ID = `/subscriptions/${SUB}/resourceGroups/rg-soc/providers/Microsoft.Logic/workflows/reset-db-password`;
const UNDO_RESOURCE_ID = `/subscriptions/${SUB}/resourceGroups/rg-soc/providers/Microsoft.Logic/workflows/restore-db-access`;
const TRIGGER_PATH = `/workflows/4f1c2b/triggers/manual/paths/invoke?api-version=2016-10-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${SIG}`;
const UNDO_TRIGGER_PATH = `/workflows/9a8b7c/triggers/manual/paths/invoke?api-version=2016-10-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${SIG}u`;
const RUN_ID = '08584652413617351234567890123CU21';
const REQUEST_ID = 'cr-la-1';
const RUNS_QUERY = `GET ${RESOURCE_ID}/runs?api-version=2016-06-01&$filter=ClientTrackingId%20eq%20%27${REQUEST_ID}%27`;

let la: HttpsStandIn;
let credential: FixedTokenCredential;

beforeAll(async () => {
  la = await startHttpsStandIn();
});
afterAll(async () => la.close());

beforeEach(() => {
  la.seen.length = 0;
  la.routes.clear();
  la.gate = undefined;
  credential = new FixedTokenCredential(TOKEN);
  la.routes.set(RUNS_QUERY, { status: 200, body: { value: [] } });
  la.routes.set(`GET ${RESOURCE_ID}?api-version=2016-06-01`, { status: 200, body: { id: RESOURCE_ID, name: 'reset-db-password', type: 'Microsoft.Logic/workflows', properties: { state: 'Enabled' } } });
  la.routes.set(`POST ${TRIGGER_PATH}`, {
    status: 202,
    headers: { 'x-ms-workflow-run-id': RUN_ID, location: `${la.base}/workflows/4f1c2b/runs/${RUN_ID}/operations/op1?api-version=2016-10-01&sp=%2Fruns%2F&sv=1.0&sig=${SIG}` },
  });
});

function options(overrides: Partial<LogicAppRunbookOptions> = {}): LogicAppRunbookOptions {
  return {
    workflows: {
      'reset-db-password': { url: `${la.base}${TRIGGER_PATH}`, resourceId: RESOURCE_ID },
      'notify-only': { url: `${la.base}${TRIGGER_PATH}` },
    },
    credential,
    armBaseUrl: la.base,
    transport: new HttpsTransport({ ca: la.ca }),
    now: () => new Date('2026-12-07T08:00:00Z'),
    ...overrides,
  };
}

function request(workflow = 'reset-db-password', overrides: Partial<ContainmentRequest> = {}): ContainmentRequest {
  return {
    ...requestFor('run-logic-app', 'sql-prod-01.database.windows.net', { workflow }),
    requestId: REQUEST_ID,
    correlationId: 'corr-42',
    target: { entityId: 'e-7', type: 'host', value: 'sql-prod-01.database.windows.net' },
    approvals: [
      { approver: 'alice@example.com', at: '2026-12-07T08:01:00Z', comment: '', bindingHash: 'h' },
      { approver: 'bob@example.com', at: '2026-12-07T08:02:00Z', comment: '', bindingHash: 'h' },
    ],
    ...overrides,
  };
}

const BODY = { requestId: REQUEST_ID, runbook: 'run-logic-app', target: { type: 'host', value: 'sql-prod-01.database.windows.net', entityId: 'e-7' }, approvedBy: ['alice@example.com', 'bob@example.com'], correlation: 'corr-42' };

function calls(): { method: string; path: string; body: unknown }[] {
  return la.seen.map((s) => ({ method: s.method, path: s.path, body: s.body === '' ? undefined : JSON.parse(s.body) }));
}

function assertArmAuth(): void {
  for (const s of la.seen.filter((x) => x.path.startsWith('/subscriptions/'))) expect(s.headers.authorization).toBe(`Bearer ${TOKEN}`);
  // A trigger is authorised by its signature alone: no bearer token goes to it.
  for (const s of la.seen.filter((x) => x.path.startsWith('/workflows/'))) expect(s.headers.authorization).toBeUndefined();
}

async function failure(p: Promise<unknown>): Promise<{ code: string; retryable: boolean; message: string; details: Record<string, unknown> }> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isAppError(error)) throw new Error(`expected an AppError, got ${String(error)}`);
  expect(JSON.stringify({ m: error.message, d: error.details })).not.toContain(SIG);
  expect(error.message).not.toContain(TOKEN);
  return { code: error.code, retryable: error.retryable, message: error.message, details: (error.details ?? {}) as Record<string, unknown> };
}

describe('run-logic-app: dry run', () => {
  it('reads the workflow and any earlier run (ARM), shows the POST it would send, never the trigger URL', async () => {
    const text = await logicAppRunbooks(options())['run-logic-app'].dryRun(request());
    expect(calls()).toEqual([
      { method: 'GET', path: RUNS_QUERY.slice(4), body: undefined },
      { method: 'GET', path: `${RESOURCE_ID}?api-version=2016-06-01`, body: undefined },
    ]);
    assertArmAuth();
    expect(credential.scopes).toEqual(['https://management.azure.com/.default', 'https://management.azure.com/.default']);
    expect(text).toContain('would POST to the HTTP trigger of Logic App workflow reset-db-password (URL withheld');
    expect(text).toContain(`x-ms-client-tracking-id ${REQUEST_ID}`);
    expect(text).toContain(JSON.stringify(BODY));
    expect(text).toContain('the workflow is Enabled');
    expect(text).toContain('irreversible');
    expect(text).not.toContain(SIG);
    expect(text).not.toContain('/workflows/4f1c2b');
  });

  it('without a resource id it makes no call and says what it cannot do', async () => {
    const text = await logicAppRunbooks(options())['run-logic-app'].dryRun(request('notify-only'));
    expect(la.seen).toEqual([]);
    expect(text).toContain('a redelivery after a lost answer triggers again unless the workflow dedupes on requestId');
  });

  it('refuses a workflow that is not configured, or no workflow argument, before any call', async () => {
    const rb = logicAppRunbooks(options())['run-logic-app'];
    expect((await failure(rb.dryRun(request('drop-all-tables')))).message).toContain('not configured');
    expect((await failure(rb.execute(request('../x')))).message).toContain('needs the argument workflow');
    expect((await failure(rb.execute({ ...request(), arguments: {} }))).code).toBe('VALIDATION_FAILED');
    expect(la.seen).toEqual([]);
  });
});

describe('run-logic-app: execute', () => {
  it('POSTs the body with the tracking id to the trigger; the effect is the workflow and its run id', async () => {
    const done = await logicAppRunbooks(options())['run-logic-app'].execute(request());
    expect(calls()).toEqual([
      { method: 'GET', path: RUNS_QUERY.slice(4), body: undefined },
      { method: 'POST', path: TRIGGER_PATH, body: BODY },
    ]);
    assertArmAuth();
    const post = la.seen[1];
    expect(post?.headers['x-ms-client-tracking-id']).toBe(REQUEST_ID);
    expect(post?.headers['content-type']).toBe('application/json');
    expect(done).toEqual({ summary: `triggered Logic App workflow reset-db-password: run ${RUN_ID} (accepted)`, effect: { workflow: 'reset-db-password', runId: RUN_ID, triggerStatus: '202', origin: 'created' } });
    expect(JSON.stringify(done)).not.toContain(SIG);
  });

  it('a redelivery finds the run of its tracking id and triggers nothing', async () => {
    la.routes.set(RUNS_QUERY, { status: 200, body: { value: [{ name: RUN_ID, properties: { status: 'Running', correlation: { clientTrackingId: REQUEST_ID } } }] } });
    const done = await logicAppRunbooks(options())['run-logic-app'].execute(request());
    expect(done.effect).toEqual({ workflow: 'reset-db-password', runId: RUN_ID, triggerStatus: '', origin: 'redelivered' });
    expect(calls().map((c) => c.method)).toEqual(['GET']);
  });

  it('a run listed under another tracking id is not ours', async () => {
    la.routes.set(RUNS_QUERY, { status: 200, body: { value: [{ name: 'OTHER1', properties: { status: 'Succeeded', correlation: { clientTrackingId: 'someone-else' } } }] } });
    const done = await logicAppRunbooks(options())['run-logic-app'].execute(request());
    expect(done.effect.origin).toBe('created');
  });

  it('a synchronous workflow (200) without a resource id: verify answers from the trigger and says it could not check', async () => {
    la.routes.set(`POST ${TRIGGER_PATH}`, { status: 200, headers: { 'x-ms-workflow-run-id': RUN_ID }, body: { ok: true } });
    const rb = logicAppRunbooks(options({ credential: undefined, workflows: { 'notify-only': { url: `${la.base}${TRIGGER_PATH}` } } }))['run-logic-app'];
    const done = await rb.execute(request('notify-only'));
    expect(done.effect).toEqual({ workflow: 'notify-only', runId: RUN_ID, triggerStatus: '200', origin: 'created' });
    expect(calls().map((c) => `${c.method} ${c.path}`)).toEqual([`POST ${TRIGGER_PATH}`]);
    const v = await rb.verify(request('notify-only'), done.effect);
    expect(v.outcome).toBe('in-effect');
    expect(v.finding).toContain('could not be checked: no resource id is configured');
    expect((await rb.verify(request('notify-only'), { ...done.effect, triggerStatus: '202' })).outcome).toBe('not-yet');
    expect(la.seen).toHaveLength(1);
  });

  it('429 from the trigger is retryable with its Retry-After', async () => {
    la.routes.set(`POST ${TRIGGER_PATH}`, { status: 429, headers: { 'retry-after': '30' }, body: { error: { code: 'WorkflowRequestsThrottled', message: 'The workflow has been throttled.' } } });
    const e = await failure(logicAppRunbooks(options())['run-logic-app'].execute(request()));
    expect(e).toMatchObject({ code: 'RATE_LIMITED', retryable: true, details: { status: 429, retryAfterSeconds: 30 } });
  });

  it('401 from the trigger (a regenerated signature) is not retried, and an echoed URL is redacted', async () => {
    la.routes.set(`POST ${TRIGGER_PATH}`, { status: 401, body: { error: { code: 'DirectApiInvalidAuthorizationSignature', message: `The provided signature for ${la.base}${TRIGGER_PATH} is not valid.` } } });
    const e = await failure(logicAppRunbooks(options())['run-logic-app'].execute(request()));
    expect(e).toMatchObject({ code: 'UNAUTHORIZED', retryable: false });
    expect(e.message).toContain('DirectApiInvalidAuthorizationSignature');
    expect(e.message).toContain('sig=[redacted]');
    expect(e.message).toContain('update LOGIC_APP_TRIGGERS_FILE');
  });

  it('404 from the trigger (the workflow is gone) is not found', async () => {
    la.routes.set(`POST ${TRIGGER_PATH}`, { status: 404, body: { error: { code: 'WorkflowNotFound', message: "The workflow '4f1c2b' could not be found." } } });
    expect(await failure(logicAppRunbooks(options())['run-logic-app'].execute(request()))).toMatchObject({ code: 'NOT_FOUND', retryable: false });
  });

  it('a 202 without a run id is not retried (the workflow may have run)', async () => {
    la.routes.set(`POST ${TRIGGER_PATH}`, { status: 202 });
    expect((await failure(logicAppRunbooks(options())['run-logic-app'].execute(request()))).message).toContain('check it by hand');
  });
});

describe('run-logic-app: verify through ARM', () => {
  const effect = { workflow: 'reset-db-password', runId: RUN_ID, triggerStatus: '202', origin: 'created' };
  const runPath = `GET ${RESOURCE_ID}/runs/${RUN_ID}?api-version=2016-06-01`;
  const run = (status: string) => ({ status: 200, body: { id: `${RESOURCE_ID}/runs/${RUN_ID}`, name: RUN_ID, type: 'Microsoft.Logic/workflows/runs', properties: { status, correlation: { clientTrackingId: REQUEST_ID } } } });

  it.each([
    ['Succeeded', 'in-effect'],
    ['Running', 'not-yet'],
    ['Waiting', 'not-yet'],
    ['Failed', 'not-in-effect'],
    ['Cancelled', 'not-in-effect'],
  ] as const)('a run %s is %s', async (status, outcome) => {
    la.routes.set(runPath, run(status));
    const v = await logicAppRunbooks(options())['run-logic-app'].verify(request(), effect);
    expect(v).toEqual({ outcome, finding: `run ${RUN_ID} of Logic App workflow reset-db-password is ${status}` });
    expect(calls()).toEqual([{ method: 'GET', path: runPath.slice(4), body: undefined }]);
    assertArmAuth();
  });

  it('403 names the permission to read runs', async () => {
    la.routes.set(runPath, { status: 403, body: { error: { code: 'AuthorizationFailed', message: 'The client does not have authorization to perform action Microsoft.Logic/workflows/runs/read.' } } });
    const e = await failure(logicAppRunbooks(options())['run-logic-app'].verify(request(), effect));
    expect(e).toMatchObject({ code: 'FORBIDDEN', retryable: false });
    expect(e.message).toContain('Logic App Operator or Reader');
  });

  it('404 (no such run, or the workflow is gone) is not found', async () => {
    la.routes.set(runPath, { status: 404, body: { error: { code: 'WorkflowRunNotFound', message: `The workflow run '${RUN_ID}' could not be found.` } } });
    expect(await failure(logicAppRunbooks(options())['run-logic-app'].verify(request(), effect))).toMatchObject({ code: 'NOT_FOUND', retryable: false });
  });

  it('refuses an effect with a run id that could reach another path', async () => {
    expect((await failure(logicAppRunbooks(options())['run-logic-app'].verify(request(), { ...effect, runId: '../../x' }))).code).toBe('VALIDATION_FAILED');
    expect(la.seen).toEqual([]);
  });
});

describe('run-logic-app: undo', () => {
  it('is absent when no workflow names an undo workflow', () => {
    expect(logicAppRunbooks(options())['run-logic-app'].undo).toBeUndefined();
  });

  it('triggers the configured undo workflow with its own tracking id and the undo approvers', async () => {
    la.routes.set(`GET ${UNDO_RESOURCE_ID}/runs?api-version=2016-06-01&$filter=ClientTrackingId%20eq%20%27${REQUEST_ID}.undo%27`, { status: 200, body: { value: [] } });
    la.routes.set(`POST ${UNDO_TRIGGER_PATH}`, { status: 202, headers: { 'x-ms-workflow-run-id': 'UNDO1' } });
    const rb = logicAppRunbooks(
      options({
        workflows: {
          'reset-db-password': { url: `${la.base}${TRIGGER_PATH}`, resourceId: RESOURCE_ID, undoWorkflow: 'restore-db-access' },
          'restore-db-access': { url: `${la.base}${UNDO_TRIGGER_PATH}`, resourceId: UNDO_RESOURCE_ID },
        },
      }),
    )['run-logic-app'];
    const undo = rb.undo;
    if (!undo) throw new Error('expected an undo');
    const req = request('reset-db-password', { undo: { requestedBy: 'carol@example.com', requestedAt: '2026-12-07T09:00:00Z', reason: 'false positive', bindingHash: 'u', approvals: [{ approver: 'dave@example.com', at: '2026-12-07T09:01:00Z', comment: '', bindingHash: 'u' }] } });
    const text = await undo.call(rb, req, { workflow: 'reset-db-password', runId: RUN_ID, triggerStatus: '202', origin: 'created' });
    expect(text).toBe(`triggered undo workflow restore-db-access for run ${RUN_ID} of reset-db-password: run UNDO1 (accepted)`);
    expect(calls()).toEqual([
      { method: 'GET', path: `${UNDO_RESOURCE_ID}/runs?api-version=2016-06-01&$filter=ClientTrackingId%20eq%20%27${REQUEST_ID}.undo%27`, body: undefined },
      { method: 'POST', path: UNDO_TRIGGER_PATH, body: { ...BODY, approvedBy: ['dave@example.com'], undoOf: { workflow: 'reset-db-password', runId: RUN_ID } } },
    ]);
    expect(la.seen[1]?.headers['x-ms-client-tracking-id']).toBe(`${REQUEST_ID}.undo`);
    // A workflow without an undo workflow refuses.
    expect((await failure(undo.call(rb, request('restore-db-access'), { workflow: 'restore-db-access', runId: 'R1', triggerStatus: '202', origin: 'created' }))).message).toContain('has no undo workflow');
  });
});

describe('redactSignature', () => {
  it('removes every sig value', () => {
    expect(redactSignature(`https://x/y?a=1&sig=abc%2Bdef&sv=1 and "sig=zzz"`)).toBe('https://x/y?a=1&sig=[redacted]&sv=1 and "sig=[redacted]"');
  });
});

describe('run-logic-app: configuration refusals', () => {
  it('refuses http trigger URLs, bad resource ids and undo workflows that are not configured', () => {
    const base = options();
    expect(() => logicAppRunbooks({ ...base, workflows: { a: { url: 'http://prod-1.westeurope.logic.azure.com/workflows/x?sig=s' } } })).toThrow('not https');
    expect(() => logicAppRunbooks({ ...base, workflows: { a: { url: `${la.base}${TRIGGER_PATH}`, resourceId: '/subscriptions/x/../../providers' } } })).toThrow('resource id');
    expect(() => logicAppRunbooks({ ...base, workflows: { a: { url: `${la.base}${TRIGGER_PATH}`, undoWorkflow: 'b' } } })).toThrow('another configured workflow');
    expect(() => logicAppRunbooks({ ...base, credential: undefined })).toThrow('needs a credential');
  });
});
