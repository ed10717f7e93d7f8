import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '@soc/runtime';
import { armRunbooks, armRunbooksFromEnv } from '../src/adapters/arm/index.ts';
import type { ContainmentRequest, RunbookAdapter, RunbookEffect } from '../src/ports.ts';
import { type ArmStandIn, startArmStandIn } from './support/arm-stand-in.ts';

/**
 * block-storage-public-access and rotate-storage-keys against a local HTTPS stand-in of ARM (Microsoft.Storage,
 * api-version 2026-09-01 as the SDK sends it): every call asserted (method, path and query, bearer token, body), and
 * no storage key value anywhere in what the runbooks return.
 */

const TOKEN = 'eyJ0eXAi.arm-token.sig';
const SUB = '0b1f6471-1bf0-4dda-aec3-111122223333';
const OTHER_SUB = '9d2f6471-1bf0-4dda-aec3-444455556666';
const RG = 'rg-data';
const ACCOUNT = 'stcontosodata01';
const ACCOUNT_PATH = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Storage/storageAccounts/${ACCOUNT}`;
const API = 'api-version=2026-09-01';
const REQUEST_ID = 'cr-51d0e2';
const TAG = `soc-copilot-${createHash('sha256').update(REQUEST_ID).digest('hex').slice(0, 16)}`;
const KEY1 = 'k1k1k1k1SECRETVALUE1==';
const KEY2 = 'k2k2k2k2SECRETVALUE2==';
const NEW_KEY2 = 'n2n2n2n2NEWSECRETVALUE==';
const STARTED = '2026-12-07T06:05:01.000Z';

let arm: ArmStandIn;

beforeAll(async () => {
  arm = await startArmStandIn();
});
afterAll(async () => arm.close());
beforeEach(() => {
  arm.seen.length = 0;
  arm.routes.clear();
});

function account(props: Record<string, unknown>, tags?: Record<string, string>): unknown {
  return {
    id: ACCOUNT_PATH,
    name: ACCOUNT,
    type: 'Microsoft.Storage/storageAccounts',
    location: 'westeurope',
    kind: 'StorageV2',
    sku: { name: 'Standard_LRS' },
    ...(tags ? { tags } : {}),
    properties: { provisioningState: 'Succeeded', ...props },
  };
}

function runbooks(scopes = [`/subscriptions/${SUB}/resourceGroups/${RG}`]): ReturnType<typeof armRunbooks> {
  return armRunbooks({
    credential: { getToken: async () => ({ token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 }) },
    subscriptions: [SUB],
    storageScopes: scopes,
    endpoint: arm.base,
    ca: arm.ca,
  });
}
function blockRunbook(): RunbookAdapter {
  const rb = runbooks()['block-storage-public-access'];
  if (!rb) throw new Error('not built');
  return rb;
}
function rotateRunbook(): RunbookAdapter {
  const rb = runbooks()['rotate-storage-keys'];
  if (!rb) throw new Error('not built');
  return rb;
}

function request(args: Record<string, string> = {}, value = ACCOUNT_PATH, type = 'cloud-resource'): ContainmentRequest {
  return {
    requestId: REQUEST_ID,
    tenantId: 't1',
    alertId: 'a1',
    actionId: 'act1',
    correlationId: 'c1',
    runbook: 'nsg-block-port' as ContainmentRequest['runbook'],
    target: { entityId: 'e1', type, value },
    arguments: args,
    reason: 'public container exfiltration',
    sender: null,
    approvalsRequired: 1,
    requestedAt: '2026-12-07T06:00:00.000Z',
    expiresAt: '2026-12-07T10:00:00.000Z',
    bindingHash: 'h',
    status: 'executing',
    approvals: [{ approver: 'alice@example.com', at: '2026-12-07T06:05:00.000Z', comment: 'ok', bindingHash: 'h' }],
    executionStartedAt: STARTED,
  };
}

function calls(): { method: string; url: string; body: unknown }[] {
  return arm.seen.map((s) => {
    expect(s.authorization).toBe(`Bearer ${TOKEN}`);
    if (s.body !== '') expect(s.contentType).toBe('application/json');
    return { method: s.method, url: s.url, body: s.body === '' ? undefined : JSON.parse(s.body) };
  });
}

async function refusal(p: Promise<unknown> | undefined): Promise<{ code: string; retryable: boolean; message: string; details: Record<string, unknown> | undefined }> {
  const error = await (p ?? Promise.resolve()).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isAppError(error)) throw new Error(`expected an AppError, got ${String(error)}`);
  for (const secret of [TOKEN, KEY1, KEY2, NEW_KEY2]) expect(error.message).not.toContain(secret);
  return { code: error.code, retryable: error.retryable, message: error.message, details: error.details as Record<string, unknown> | undefined };
}

describe('block-storage-public-access', () => {
  const open = account({ allowBlobPublicAccess: true, publicNetworkAccess: 'Enabled' }, { owner: 'data-team' });

  it('dry run: reads the account only and shows the exact PATCH', async () => {
    arm.routes.set(`GET ${ACCOUNT_PATH}?${API}`, { status: 200, body: open });
    const text = await blockRunbook().dryRun(request());
    expect(calls()).toEqual([{ method: 'GET', url: `${ACCOUNT_PATH}?${API}`, body: undefined }]);
    expect(text).toContain(
      `would PATCH ${ACCOUNT_PATH} ${JSON.stringify({ tags: { owner: 'data-team', [TAG]: 'allowBlobPublicAccess=true;publicNetworkAccess=Enabled' }, properties: { allowBlobPublicAccess: false, publicNetworkAccess: 'Disabled' } })}`,
    );
  });

  it('execute records the previous settings (in the effect and a tag of the request) and PATCHes them off', async () => {
    arm.routes.set(`GET ${ACCOUNT_PATH}?${API}`, { status: 200, body: open });
    arm.routes.set(`PATCH ${ACCOUNT_PATH}?${API}`, { status: 200, body: account({ allowBlobPublicAccess: false, publicNetworkAccess: 'Disabled' }) });
    const done = await blockRunbook().execute(request());
    expect(calls()).toEqual([
      { method: 'GET', url: `${ACCOUNT_PATH}?${API}`, body: undefined },
      {
        method: 'PATCH',
        url: `${ACCOUNT_PATH}?${API}`,
        body: { tags: { owner: 'data-team', [TAG]: 'allowBlobPublicAccess=true;publicNetworkAccess=Enabled' }, properties: { allowBlobPublicAccess: false, publicNetworkAccess: 'Disabled' } },
      },
    ]);
    expect(done.effect).toEqual({ storageAccountId: ACCOUNT_PATH, previousAllowBlobPublicAccess: 'true', previousPublicNetworkAccess: 'Enabled', origin: 'created' });
  });

  it('a redelivered execute reads the previous settings from its tag, not from its own change, and PATCHes nothing', async () => {
    arm.routes.set(`GET ${ACCOUNT_PATH}?${API}`, {
      status: 200,
      body: account({ allowBlobPublicAccess: false, publicNetworkAccess: 'Disabled' }, { owner: 'data-team', [TAG]: 'allowBlobPublicAccess=true;publicNetworkAccess=Enabled' }),
    });
    const done = await blockRunbook().execute(request());
    expect(calls().map((c) => c.method)).toEqual(['GET']);
    expect(done.effect).toEqual({ storageAccountId: ACCOUNT_PATH, previousAllowBlobPublicAccess: 'true', previousPublicNetworkAccess: 'Enabled', origin: 'redelivered' });
  });

  it('an account already blocked (not by us) is left alone, and its undo restores nothing', async () => {
    arm.routes.set(`GET ${ACCOUNT_PATH}?${API}`, { status: 200, body: account({ allowBlobPublicAccess: false, publicNetworkAccess: 'Disabled' }) });
    const done = await blockRunbook().execute(request());
    expect(done.effect['origin']).toBe('already-blocked');
    expect(await blockRunbook().undo?.(request(), done.effect)).toContain('nothing to restore');
    expect(calls().map((c) => c.method)).toEqual(['GET']);
  });

  it.each([
    [{ allowBlobPublicAccess: false, publicNetworkAccess: 'Disabled' }, 'in-effect'],
    [{ allowBlobPublicAccess: true, publicNetworkAccess: 'Disabled' }, 'not-in-effect'],
    [{ allowBlobPublicAccess: false, publicNetworkAccess: 'Enabled' }, 'not-in-effect'],
    [{ allowBlobPublicAccess: false, publicNetworkAccess: 'Enabled', provisioningState: 'ResolvingDNS' }, 'not-yet'],
  ])('verify reads the account back: %j → %s', async (props, outcome) => {
    arm.routes.set(`GET ${ACCOUNT_PATH}?${API}`, { status: 200, body: account(props) });
    const effect: RunbookEffect = { storageAccountId: ACCOUNT_PATH, previousAllowBlobPublicAccess: 'true', previousPublicNetworkAccess: 'Enabled', origin: 'created' };
    expect((await blockRunbook().verify(request(), effect)).outcome).toBe(outcome);
    expect(calls()).toEqual([{ method: 'GET', url: `${ACCOUNT_PATH}?${API}`, body: undefined }]);
  });

  it('undo restores the recorded settings and removes the request’s tag, keeping the others', async () => {
    arm.routes.set(`GET ${ACCOUNT_PATH}?${API}`, {
      status: 200,
      body: account({ allowBlobPublicAccess: false, publicNetworkAccess: 'Disabled' }, { owner: 'data-team', [TAG]: 'allowBlobPublicAccess=true;publicNetworkAccess=Enabled' }),
    });
    arm.routes.set(`PATCH ${ACCOUNT_PATH}?${API}`, { status: 200, body: account({ allowBlobPublicAccess: true, publicNetworkAccess: 'Enabled' }) });
    const effect: RunbookEffect = { storageAccountId: ACCOUNT_PATH, previousAllowBlobPublicAccess: 'true', previousPublicNetworkAccess: 'SecuredByPerimeter', origin: 'created' };
    expect(await blockRunbook().undo?.(request(), effect)).toContain('restored');
    expect(calls()[1]).toEqual({ method: 'PATCH', url: `${ACCOUNT_PATH}?${API}`, body: { tags: { owner: 'data-team' }, properties: { allowBlobPublicAccess: true, publicNetworkAccess: 'SecuredByPerimeter' } } });
  });

  it('undo of settings that were unset: public network access back to Enabled, blob public access left false', async () => {
    arm.routes.set(`GET ${ACCOUNT_PATH}?${API}`, { status: 200, body: account({ allowBlobPublicAccess: false, publicNetworkAccess: 'Disabled' }) });
    arm.routes.set(`PATCH ${ACCOUNT_PATH}?${API}`, { status: 200, body: account({}) });
    const effect: RunbookEffect = { storageAccountId: ACCOUNT_PATH, previousAllowBlobPublicAccess: 'unset', previousPublicNetworkAccess: 'unset', origin: 'created' };
    await blockRunbook().undo?.(request(), effect);
    expect(calls()[1]?.body).toEqual({ tags: {}, properties: { publicNetworkAccess: 'Enabled' } });
  });

  it('403 AuthorizationFailed on the PATCH names Storage Account Contributor and the write permission', async () => {
    arm.routes.set(`GET ${ACCOUNT_PATH}?${API}`, { status: 200, body: open });
    arm.routes.set(`PATCH ${ACCOUNT_PATH}?${API}`, { status: 403, body: { error: { code: 'AuthorizationFailed', message: "does not have authorization to perform action 'Microsoft.Storage/storageAccounts/write'" } } });
    const e = await refusal(blockRunbook().execute(request()));
    expect(e).toMatchObject({ code: 'FORBIDDEN', retryable: false });
    expect(e.message).toContain('Storage Account Contributor');
    expect(e.message).toContain('Microsoft.Storage/storageAccounts/write');
  });

  it('404 ResourceNotFound is not retryable; 429 is, with Retry-After as an HTTP date', async () => {
    arm.routes.set(`GET ${ACCOUNT_PATH}?${API}`, { status: 404, body: { error: { code: 'ResourceNotFound', message: `The Resource 'Microsoft.Storage/storageAccounts/${ACCOUNT}' was not found.` } } });
    expect(await refusal(blockRunbook().execute(request()))).toMatchObject({ code: 'NOT_FOUND', retryable: false });
    const at = new Date(Date.now() + 30_000).toUTCString();
    arm.routes.set(`GET ${ACCOUNT_PATH}?${API}`, { status: 429, headers: { 'retry-after': at }, body: { error: { code: 'TooManyRequests', message: 'throttled' } } });
    const e = await refusal(blockRunbook().execute(request()));
    expect(e).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
    expect(e.details?.retryAfterSeconds).toBeGreaterThanOrEqual(28);
    expect(e.details?.retryAfterSeconds).toBeLessThanOrEqual(31);
  });

  it.each([
    ['an account outside the configured resource groups', `/subscriptions/${SUB}/resourceGroups/rg-prod/providers/Microsoft.Storage/storageAccounts/${ACCOUNT}`],
    ['a subscription that is not allowed', ACCOUNT_PATH.replace(SUB, OTHER_SUB)],
    ['another resource type', `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.KeyVault/vaults/${ACCOUNT}`],
    ['a path that climbs', `${ACCOUNT_PATH}/../../../../../../providers/x`],
    ['a query', `${ACCOUNT_PATH}?api-version=1`],
    ['an upper-case account name', ACCOUNT_PATH.replace(ACCOUNT, 'StContoso')],
    ['an encoded segment', ACCOUNT_PATH.replace(RG, 'rg%2Fdata')],
    ['leading whitespace', ` ${ACCOUNT_PATH}`],
  ])('refuses %s before any call', async (_what, value) => {
    expect(await refusal(blockRunbook().execute(request({}, value)))).toMatchObject({ code: 'VALIDATION_FAILED', retryable: false });
    expect(arm.seen).toEqual([]);
  });

  it('refuses a target that is not a cloud resource, and any argument', async () => {
    expect(await refusal(blockRunbook().execute(request({}, ACCOUNT_PATH, 'url')))).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await refusal(blockRunbook().execute(request({ endpoint: 'https://evil.example' })))).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(arm.seen).toEqual([]);
  });

  it('a subscription-wide scope allows any resource group of it', async () => {
    const rb = runbooks([`/subscriptions/${SUB}`])['block-storage-public-access'];
    const other = `/subscriptions/${SUB}/resourceGroups/RG-Other/providers/Microsoft.Storage/storageAccounts/${ACCOUNT}`;
    arm.routes.set(`GET ${other}?${API}`, { status: 200, body: account({ allowBlobPublicAccess: false, publicNetworkAccess: 'Disabled' }) });
    expect(await rb?.dryRun(request({}, other))).toContain('execute would change nothing');
  });
});

describe('rotate-storage-keys (irreversible)', () => {
  const before = account({ keyCreationTime: { key1: '2025-01-10T08:00:00.0000000Z', key2: '2025-01-10T08:00:00.0000000Z' } });

  it('has no undo, and its dry run says it is irreversible after reading the account only', async () => {
    expect(rotateRunbook().undo).toBeUndefined();
    arm.routes.set(`GET ${ACCOUNT_PATH}?${API}`, { status: 200, body: before });
    const text = await rotateRunbook().dryRun(request({ keyName: 'key2' }));
    expect(text).toContain('IRREVERSIBLE');
    expect(text).toContain(`would POST ${ACCOUNT_PATH}/regenerateKey {"keyName":"key2"}`);
    expect(calls()).toEqual([{ method: 'GET', url: `${ACCOUNT_PATH}?${API}`, body: undefined }]);
  });

  it('execute regenerates the key and records its name and new creation time, never a key value', async () => {
    arm.routes.set(`GET ${ACCOUNT_PATH}?${API}`, { status: 200, body: before });
    arm.routes.set(`POST ${ACCOUNT_PATH}/regenerateKey?${API}`, {
      status: 200,
      body: {
        keys: [
          { keyName: 'key1', value: KEY1, permissions: 'FULL', creationTime: '2025-01-10T08:00:00.0000000Z' },
          { keyName: 'key2', value: NEW_KEY2, permissions: 'FULL', creationTime: '2026-12-07T06:05:03.1234567Z' },
        ],
      },
    });
    const done = await rotateRunbook().execute(request({ keyName: 'key2' }));
    expect(calls()).toEqual([
      { method: 'GET', url: `${ACCOUNT_PATH}?${API}`, body: undefined },
      { method: 'POST', url: `${ACCOUNT_PATH}/regenerateKey?${API}`, body: { keyName: 'key2' } },
    ]);
    expect(done.effect).toEqual({ storageAccountId: ACCOUNT_PATH, keyName: 'key2', keyCreationTime: '2026-12-07T06:05:03.123Z', origin: 'created' });
    for (const secret of [KEY1, NEW_KEY2]) expect(JSON.stringify(done)).not.toContain(secret);
  });

  it('key1 by default', async () => {
    arm.routes.set(`GET ${ACCOUNT_PATH}?${API}`, { status: 200, body: before });
    arm.routes.set(`POST ${ACCOUNT_PATH}/regenerateKey?${API}`, { status: 200, body: { keys: [{ keyName: 'key1', value: KEY1, permissions: 'FULL', creationTime: '2026-12-07T06:05:03Z' }] } });
    await rotateRunbook().execute(request());
    expect(calls()[1]?.body).toEqual({ keyName: 'key1' });
  });

  it('an answer without the key’s creation time: the creation time is read from the account', async () => {
    arm.routes.set(`GET ${ACCOUNT_PATH}?${API}`, [{ status: 200, body: before }, { status: 200, body: account({ keyCreationTime: { key1: '2026-12-07T06:05:04Z' } }) }]);
    arm.routes.set(`POST ${ACCOUNT_PATH}/regenerateKey?${API}`, { status: 200, body: { keys: [{ keyName: 'key1', value: KEY1, permissions: 'FULL' }] } });
    const done = await rotateRunbook().execute(request());
    expect(calls().map((c) => c.method)).toEqual(['GET', 'POST', 'GET']);
    expect(done.effect['keyCreationTime']).toBe('2026-12-07T06:05:04.000Z');
    expect(JSON.stringify(done)).not.toContain(KEY1);
  });

  it('a redelivered execute finds the key created after the execution started and does not rotate twice', async () => {
    arm.routes.set(`GET ${ACCOUNT_PATH}?${API}`, { status: 200, body: account({ keyCreationTime: { key1: '2026-12-07T06:05:03.0000000Z', key2: '2025-01-10T08:00:00Z' } }) });
    const done = await rotateRunbook().execute(request());
    expect(calls().map((c) => c.method)).toEqual(['GET']);
    expect(done.effect).toMatchObject({ keyName: 'key1', keyCreationTime: '2026-12-07T06:05:03.000Z', origin: 'redelivered' });
  });

  it.each([
    ['2026-12-07T06:05:03.1234567Z', 'in-effect'],
    ['2026-12-07T07:00:00Z', 'in-effect'],
    ['2025-01-10T08:00:00Z', 'not-in-effect'],
    [undefined, 'not-yet'],
  ])('verify reads keyCreationTime from the account (no listKeys): %s → %s', async (created, outcome) => {
    arm.routes.set(`GET ${ACCOUNT_PATH}?${API}`, { status: 200, body: account(created ? { keyCreationTime: { key2: created } } : {}) });
    const v = await rotateRunbook().verify(request({ keyName: 'key2' }), { storageAccountId: ACCOUNT_PATH, keyName: 'key2', keyCreationTime: '2026-12-07T06:05:03.123Z', origin: 'created' });
    expect(v.outcome).toBe(outcome);
    expect(calls()).toEqual([{ method: 'GET', url: `${ACCOUNT_PATH}?${API}`, body: undefined }]);
  });

  it('429 on regenerateKey is retryable with Retry-After; 403 names the regeneratekey permission', async () => {
    arm.routes.set(`GET ${ACCOUNT_PATH}?${API}`, { status: 200, body: before });
    arm.routes.set(`POST ${ACCOUNT_PATH}/regenerateKey?${API}`, { status: 429, headers: { 'retry-after': '5' }, body: { error: { code: 'TooManyRequests', message: 'throttled' } } });
    const e = await refusal(rotateRunbook().execute(request()));
    expect(e).toMatchObject({ code: 'RATE_LIMITED', retryable: true, details: { retryAfterSeconds: 5 } });
    arm.routes.set(`POST ${ACCOUNT_PATH}/regenerateKey?${API}`, { status: 403, body: { error: { code: 'AuthorizationFailed', message: 'no' } } });
    const f = await refusal(rotateRunbook().execute(request()));
    expect(f.code).toBe('FORBIDDEN');
    expect(f.message).toContain('Microsoft.Storage/storageAccounts/regeneratekey/action');
  });

  it('refuses another key name, before any call', async () => {
    expect(await refusal(rotateRunbook().execute(request({ keyName: 'kerb1' })))).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(arm.seen).toEqual([]);
  });
});

describe('armRunbooksFromEnv against the stand-in', () => {
  it('builds the runbooks from the environment, trusting the stand-in through ARM_CA_FILE', async () => {
    const caFile = join(arm.dir, 'ca.pem');
    writeFileSync(caFile, arm.ca);
    const rbs = armRunbooksFromEnv(
      { ARM_SUBSCRIPTIONS: SUB, ARM_STORAGE_SCOPES: `/subscriptions/${SUB}/resourceGroups/${RG}`, ARM_ENDPOINT: arm.base, ARM_CA_FILE: caFile },
      { credential: { getToken: async () => ({ token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 }) } },
    );
    expect(Object.keys(rbs).sort()).toEqual(['block-storage-public-access', 'rotate-storage-keys']);
    arm.routes.set(`GET ${ACCOUNT_PATH}?${API}`, { status: 200, body: account({ allowBlobPublicAccess: false, publicNetworkAccess: 'Disabled' }) });
    expect(await rbs['block-storage-public-access']?.dryRun(request())).toContain('execute would change nothing');
    expect(calls()).toHaveLength(1);
  });

  it('without the CA the self-signed stand-in is refused (TLS is verified, not disabled)', async () => {
    const rbs = armRunbooksFromEnv(
      { ARM_SUBSCRIPTIONS: SUB, ARM_STORAGE_SCOPES: `/subscriptions/${SUB}`, ARM_ENDPOINT: arm.base },
      { credential: { getToken: async () => ({ token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 }) } },
    );
    expect(await refusal(rbs['block-storage-public-access']?.dryRun(request()))).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', retryable: true });
    expect(arm.seen).toEqual([]);
  });
});
