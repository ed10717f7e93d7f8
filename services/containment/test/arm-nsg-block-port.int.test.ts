import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '@soc/runtime';
import { armRunbooks } from '../src/adapters/arm/index.ts';
import type { ContainmentRequest, RunbookAdapter, RunbookEffect } from '../src/ports.ts';
import { type ArmStandIn, startArmStandIn } from './support/arm-stand-in.ts';

/**
 * nsg-block-port against a local HTTPS stand-in of ARM (Microsoft.Network, api-version 2026-01-01 as the SDK
 * sends it): every call asserted (method, path and query, bearer token, body), the long-running PUT answered the way
 * ARM does (201 + Azure-AsyncOperation, polled to Succeeded, then the rule read back), the DELETE by 202 + Location.
 */

const TOKEN = 'eyJ0eXAi.arm-token.sig';
const SUB = '0b1f6471-1bf0-4dda-aec3-111122223333';
const OTHER_SUB = '9d2f6471-1bf0-4dda-aec3-444455556666';
const RG = 'rg-edge';
const NSG = 'nsg-web';
const NSG_PATH = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/networkSecurityGroups/${NSG}`;
const NSG2_PATH = `/subscriptions/${SUB}/resourceGroups/rg-data/providers/Microsoft.Network/networkSecurityGroups/nsg-data`;
const API = 'api-version=2026-01-01';
const REQUEST_ID = 'cr-7f3a9c';
const RULE = `soc-copilot-${createHash('sha256').update(REQUEST_ID).digest('hex').slice(0, 16)}`;
const RULE_PATH = `${NSG_PATH}/securityRules/${RULE}`;
const IP = '203.0.113.45';
const PROPERTIES = {
  description: `[soc-copilot:${REQUEST_ID}] deny inbound from ${IP} to 3389/Tcp`,
  protocol: 'Tcp',
  sourcePortRange: '*',
  destinationPortRange: '3389',
  sourceAddressPrefix: IP,
  destinationAddressPrefix: '*',
  access: 'Deny',
  priority: 102,
  direction: 'Inbound',
};

let arm: ArmStandIn;
let scopesAsked: string[];

beforeAll(async () => {
  arm = await startArmStandIn();
});
afterAll(async () => arm.close());

function nsgBody(rules: unknown[]): unknown {
  return { id: NSG_PATH, name: NSG, location: 'westeurope', properties: { provisioningState: 'Succeeded', securityRules: rules } };
}
function rule(name: string, priority: number, direction: 'Inbound' | 'Outbound', extra: Record<string, unknown> = {}): unknown {
  return { id: `${NSG_PATH}/securityRules/${name}`, name, properties: { priority, direction, access: 'Allow', protocol: '*', provisioningState: 'Succeeded', ...extra } };
}
function ourRule(state: string, extra: Record<string, unknown> = {}): unknown {
  return { id: RULE_PATH, name: RULE, properties: { ...PROPERTIES, provisioningState: state, ...extra } };
}
const EXISTING = [rule('allow-https', 100, 'Inbound'), rule('allow-ssh-bastion', 101, 'Inbound'), rule('allow-out', 102, 'Outbound')];

beforeEach(() => {
  arm.seen.length = 0;
  arm.routes.clear();
  scopesAsked = [];
  arm.routes.set(`GET ${NSG_PATH}?${API}`, { status: 200, body: nsgBody(EXISTING) });
});

function runbook(): RunbookAdapter {
  const rb = armRunbooks({
    credential: {
      getToken: async (scopes: string | string[]) => {
        scopesAsked.push(...(Array.isArray(scopes) ? scopes : [scopes]));
        return { token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    },
    subscriptions: [SUB],
    nsgIds: [NSG_PATH, NSG2_PATH],
    priorities: { min: 100, max: 104 },
    endpoint: arm.base,
    ca: arm.ca,
    pollIntervalMs: 5,
  })['nsg-block-port'];
  if (!rb) throw new Error('nsg-block-port not built');
  return rb;
}

function request(args: Record<string, string> = { port: '3389', protocol: 'Tcp' }, target: { type: string; value: string } = { type: 'ip', value: IP }): ContainmentRequest {
  return {
    requestId: REQUEST_ID,
    tenantId: 't1',
    alertId: 'a1',
    actionId: 'act1',
    correlationId: 'c1',
    runbook: 'nsg-block-port',
    target: { entityId: 'e1', ...target },
    arguments: args,
    reason: 'brute force from the internet',
    sender: null,
    approvalsRequired: 1,
    requestedAt: '2026-12-07T06:00:00.000Z',
    expiresAt: '2026-12-07T10:00:00.000Z',
    bindingHash: 'h',
    status: 'executing',
    approvals: [{ approver: 'alice@example.com', at: '2026-12-07T06:05:00.000Z', comment: 'ok', bindingHash: 'h' }],
    executionStartedAt: '2026-12-07T06:05:01.000Z',
  };
}

/** The calls, each checked for the bearer token (and JSON when it has a body). */
function calls(): { method: string; url: string; body: unknown }[] {
  return arm.seen.map((s) => {
    expect(s.authorization).toBe(`Bearer ${TOKEN}`);
    if (s.body !== '') expect(s.contentType).toBe('application/json');
    return { method: s.method, url: s.url, body: s.body === '' ? undefined : JSON.parse(s.body) };
  });
}

async function refusal(p: Promise<unknown>): Promise<{ code: string; retryable: boolean; message: string; details: Record<string, unknown> | undefined }> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isAppError(error)) throw new Error(`expected an AppError, got ${String(error)}`);
  expect(error.message).not.toContain(TOKEN);
  return { code: error.code, retryable: error.retryable, message: error.message, details: error.details as Record<string, unknown> | undefined };
}

function putAnswered(): void {
  const op = `/subscriptions/${SUB}/providers/Microsoft.Network/locations/westeurope/operations/op-41?${API}`;
  arm.routes.set(`PUT ${RULE_PATH}?${API}`, { status: 201, headers: { 'azure-asyncoperation': `${arm.base}${op}` }, body: ourRule('Updating') });
  arm.routes.set(`GET ${op}`, [{ status: 200, body: { status: 'InProgress' } }, { status: 200, body: { status: 'Succeeded' } }]);
  arm.routes.set(`GET ${RULE_PATH}?${API}`, { status: 200, body: ourRule('Succeeded') });
}

describe('nsg-block-port: dry run', () => {
  it('reads the NSG only and shows the exact rule execute would PUT, at the first free inbound priority', async () => {
    const text = await runbook().dryRun(request());
    expect(calls()).toEqual([{ method: 'GET', url: `${NSG_PATH}?${API}`, body: undefined }]);
    expect(scopesAsked).toEqual(['https://management.azure.com/.default']);
    expect(text).toContain(`would PUT ${RULE_PATH} ${JSON.stringify({ properties: { description: PROPERTIES.description, protocol: 'Tcp', sourceAddressPrefix: IP, sourcePortRange: '*', destinationAddressPrefix: '*', destinationPortRange: '3389', access: 'Deny', priority: 102, direction: 'Inbound' } })}`);
  });

  it('says so when the rule of this request is already there', async () => {
    arm.routes.set(`GET ${NSG_PATH}?${API}`, { status: 200, body: nsgBody([...EXISTING, ourRule('Succeeded')]) });
    expect(await runbook().dryRun(request())).toContain('execute would change nothing');
  });
});

describe('nsg-block-port: execute', () => {
  it('PUTs the deny rule and follows the long-running operation to the provisioned rule', async () => {
    putAnswered();
    const done = await runbook().execute(request());
    expect(calls()).toEqual([
      { method: 'GET', url: `${NSG_PATH}?${API}`, body: undefined },
      { method: 'PUT', url: `${RULE_PATH}?${API}`, body: { properties: PROPERTIES } },
      { method: 'GET', url: `/subscriptions/${SUB}/providers/Microsoft.Network/locations/westeurope/operations/op-41?${API}`, body: undefined },
      { method: 'GET', url: `/subscriptions/${SUB}/providers/Microsoft.Network/locations/westeurope/operations/op-41?${API}`, body: undefined },
      { method: 'GET', url: `${RULE_PATH}?${API}`, body: undefined },
    ]);
    expect(done.effect).toEqual({ nsgId: NSG_PATH, ruleName: RULE, priority: '102', sourceAddress: IP, port: '3389', protocol: 'Tcp', origin: 'created' });
    expect(done.summary).toContain('Succeeded');
  });

  it('a redelivered execute finds its own rule by name and PUTs nothing', async () => {
    arm.routes.set(`GET ${NSG_PATH}?${API}`, { status: 200, body: nsgBody([...EXISTING, ourRule('Succeeded', { priority: 104 })]) });
    const done = await runbook().execute(request());
    expect(calls().map((c) => c.method)).toEqual(['GET']);
    expect(done.effect).toMatchObject({ ruleName: RULE, priority: '104', origin: 'redelivered' });
  });

  it('a rule of ours that failed to provision is PUT again at its own priority', async () => {
    arm.routes.set(`GET ${NSG_PATH}?${API}`, { status: 200, body: nsgBody([...EXISTING, ourRule('Failed', { priority: 103 })]) });
    putAnswered();
    await runbook().execute(request());
    expect(calls()[1]).toEqual({ method: 'PUT', url: `${RULE_PATH}?${API}`, body: { properties: { ...PROPERTIES, priority: 103 } } });
  });

  it('the nsg argument picks another configured NSG; a range and Udp are passed as ARM takes them', async () => {
    const nsg2Rule = `${NSG2_PATH}/securityRules/${RULE}`;
    arm.routes.set(`GET ${NSG2_PATH}?${API}`, { status: 200, body: { id: NSG2_PATH, name: 'nsg-data', properties: { securityRules: [] } } });
    arm.routes.set(`PUT ${nsg2Rule}?${API}`, { status: 200, body: { name: RULE, properties: { priority: 100, provisioningState: 'Succeeded' } } });
    const done = await runbook().execute(request({ port: '8000-8080', protocol: 'udp', nsg: 'nsg-data' }));
    expect(calls()[1]).toEqual({
      method: 'PUT',
      url: `${nsg2Rule}?${API}`,
      body: { properties: { ...PROPERTIES, description: `[soc-copilot:${REQUEST_ID}] deny inbound from ${IP} to 8000-8080/Udp`, protocol: 'Udp', destinationPortRange: '8000-8080', priority: 100 } },
    });
    expect(done.effect['nsgId']).toBe(NSG2_PATH);
  });

  it('no free priority in the range is a non-retryable refusal, and nothing is PUT', async () => {
    arm.routes.set(`GET ${NSG_PATH}?${API}`, { status: 200, body: nsgBody([100, 101, 102, 103, 104].map((p) => rule(`r${p}`, p, 'Inbound'))) });
    const e = await refusal(runbook().execute(request()));
    expect(e).toMatchObject({ code: 'PRECONDITION_FAILED', retryable: false });
    expect(calls().map((c) => c.method)).toEqual(['GET']);
  });

  it('an operation that ends Failed is a non-retryable error with ARM’s reason', async () => {
    putAnswered();
    arm.routes.set(`GET /subscriptions/${SUB}/providers/Microsoft.Network/locations/westeurope/operations/op-41?${API}`, {
      status: 200,
      body: { status: 'Failed', error: { code: 'SecurityRuleConflict', message: 'Security rule conflicts with rule allow-out' } },
    });
    const e = await refusal(runbook().execute(request()));
    expect(e.retryable).toBe(false);
    expect(e.message).toContain('SecurityRuleConflict');
  });

  it('400 SecurityRuleConflict (the priority was taken meanwhile) is a retryable conflict; the retry takes the next priority', async () => {
    arm.routes.set(`PUT ${RULE_PATH}?${API}`, { status: 400, body: { error: { code: 'SecurityRuleConflict', message: 'Security rule soc conflicts with rule r102. Rules cannot have the same Priority and Direction.' } } });
    expect(await refusal(runbook().execute(request()))).toMatchObject({ code: 'CONFLICT', retryable: true });
    arm.seen.length = 0;
    arm.routes.set(`GET ${NSG_PATH}?${API}`, { status: 200, body: nsgBody([...EXISTING, rule('r102', 102, 'Inbound')]) });
    putAnswered();
    await runbook().execute(request());
    expect(calls()[1]?.body).toEqual({ properties: { ...PROPERTIES, priority: 103 } });
  });

  it('another 400 is not retryable and carries ARM’s reason', async () => {
    arm.routes.set(`PUT ${RULE_PATH}?${API}`, { status: 400, body: { error: { code: 'InvalidRequestFormat', message: 'Cannot parse the request.' } } });
    const e = await refusal(runbook().execute(request()));
    expect(e).toMatchObject({ code: 'VALIDATION_FAILED', retryable: false });
    expect(e.message).toContain('InvalidRequestFormat: Cannot parse the request.');
  });

  it('429 with Retry-After is retryable with retryAfterSeconds (the SDK does not retry it itself)', async () => {
    arm.routes.set(`GET ${NSG_PATH}?${API}`, { status: 429, headers: { 'retry-after': '17' }, body: { error: { code: 'TooManyRequests', message: 'Number of requests exceeded the limit' } } });
    const e = await refusal(runbook().execute(request()));
    expect(e).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
    expect(e.details?.retryAfterSeconds).toBe(17);
    expect(arm.seen).toHaveLength(1);
  });

  it('503 is retryable', async () => {
    arm.routes.set(`GET ${NSG_PATH}?${API}`, { status: 503, body: { error: { code: 'ServiceUnavailable', message: 'try later' } } });
    expect(await refusal(runbook().execute(request()))).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', retryable: true });
  });

  it('403 AuthorizationFailed names the role and the permission that is missing', async () => {
    arm.routes.set(`PUT ${RULE_PATH}?${API}`, {
      status: 403,
      body: { error: { code: 'AuthorizationFailed', message: `The client 'soc' does not have authorization to perform action 'Microsoft.Network/networkSecurityGroups/securityRules/write' over scope '${RULE_PATH}'.` } },
    });
    const e = await refusal(runbook().execute(request()));
    expect(e).toMatchObject({ code: 'FORBIDDEN', retryable: false });
    expect(e.message).toContain('Network Contributor');
    expect(e.message).toContain('Microsoft.Network/networkSecurityGroups/securityRules/write');
  });

  it('401 InvalidAuthenticationToken is not retryable and says the token was refused', async () => {
    arm.routes.set(`GET ${NSG_PATH}?${API}`, { status: 401, body: { error: { code: 'InvalidAuthenticationToken', message: 'The access token is invalid.' } } });
    const e = await refusal(runbook().execute(request()));
    expect(e).toMatchObject({ code: 'UNAUTHORIZED', retryable: false });
    expect(e.message).toContain('refused the token');
  });

  it('a credential that cannot get a token: retryable, named, nothing sent, its message not repeated', async () => {
    const rb = armRunbooks({
      credential: {
        getToken: async () => {
          const e = new Error('ManagedIdentityCredential: AZURE_FEDERATED_TOKEN_FILE=/var/run/secrets/token unreadable');
          e.name = 'CredentialUnavailableError';
          throw e;
        },
      },
      subscriptions: [SUB],
      nsgIds: [NSG_PATH],
      endpoint: arm.base,
      ca: arm.ca,
    })['nsg-block-port'];
    const e = await refusal(rb?.execute(request()) ?? Promise.resolve());
    expect(e).toMatchObject({ code: 'UNAUTHORIZED', retryable: true });
    expect(e.message).toContain('CredentialUnavailableError');
    expect(e.message).not.toContain('AZURE_FEDERATED_TOKEN_FILE');
    expect(arm.seen).toEqual([]);
  });

  it('an IPv6 source is denied as ARM takes it (lower-case)', async () => {
    putAnswered();
    await runbook().execute(request({ port: '22' }, { type: 'ip', value: '2001:DB8::7' }));
    const put = calls()[1]?.body as { properties: Record<string, unknown> };
    expect(put.properties).toMatchObject({ sourceAddressPrefix: '2001:db8::7', destinationPortRange: '22', protocol: '*' });
  });

  it('404 ResourceNotFound (the NSG is gone) is not retryable', async () => {
    arm.routes.set(`GET ${NSG_PATH}?${API}`, { status: 404, body: { error: { code: 'ResourceNotFound', message: `The Resource 'Microsoft.Network/networkSecurityGroups/${NSG}' under resource group '${RG}' was not found.` } } });
    expect(await refusal(runbook().execute(request()))).toMatchObject({ code: 'NOT_FOUND', retryable: false });
  });

  it.each([
    ['a target that is not an IP', {}, { type: 'host', value: 'ws-1' }],
    ['an address that is not one', {}, { type: 'ip', value: '203.0.113.256' }],
    ['the unspecified address', {}, { type: 'ip', value: '0.0.0.0' }],
    ['a port out of range', { port: '70000' }, undefined],
    ['a reversed range', { port: '90-80' }, undefined],
    ['a port with a path', { port: '80/../x' }, undefined],
    ['no port', { protocol: 'Tcp' }, undefined],
    ['an unknown protocol', { port: '22', protocol: 'Icmp' }, undefined],
    ['an NSG that is not configured', { port: '22', nsg: 'nsg-prod' }, undefined],
    ['an unknown argument', { port: '22', subscription: OTHER_SUB }, undefined],
  ])('refuses %s before any call', async (_what, args, target) => {
    const e = await refusal(runbook().execute(request(args as Record<string, string>, target)));
    expect(e).toMatchObject({ code: 'VALIDATION_FAILED', retryable: false });
    expect(arm.seen).toEqual([]);
  });
});

describe('nsg-block-port: verify', () => {
  const effect: RunbookEffect = { nsgId: NSG_PATH, ruleName: RULE, priority: '102', sourceAddress: IP, port: '3389', protocol: 'Tcp', origin: 'created' };

  it.each([
    ['Succeeded', 'in-effect'],
    ['Updating', 'not-yet'],
    ['Failed', 'not-in-effect'],
  ])('provisioningState %s → %s', async (state, outcome) => {
    arm.routes.set(`GET ${RULE_PATH}?${API}`, { status: 200, body: ourRule(state) });
    const v = await runbook().verify(request(), effect);
    expect(v.outcome).toBe(outcome);
    expect(v.finding).toContain(RULE);
    expect(calls()).toEqual([{ method: 'GET', url: `${RULE_PATH}?${API}`, body: undefined }]);
  });

  it('a rule that is gone (404) is not in effect', async () => {
    arm.routes.set(`GET ${RULE_PATH}?${API}`, { status: 404, body: { error: { code: 'NotFound', message: 'Resource not found' } } });
    expect((await runbook().verify(request(), effect)).outcome).toBe('not-in-effect');
  });

  it('a rule someone turned into an allow is not in effect', async () => {
    arm.routes.set(`GET ${RULE_PATH}?${API}`, { status: 200, body: ourRule('Succeeded', { access: 'Allow' }) });
    expect((await runbook().verify(request(), effect)).outcome).toBe('not-in-effect');
  });

  it('refuses an effect naming another rule or an NSG that is not configured, before any call', async () => {
    expect(await refusal(runbook().verify(request(), { ...effect, ruleName: 'allow-https' }))).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await refusal(runbook().verify(request(), { ...effect, nsgId: NSG_PATH.replace(SUB, OTHER_SUB) }))).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(arm.seen).toEqual([]);
  });
});

describe('nsg-block-port: undo', () => {
  const effect: RunbookEffect = { nsgId: NSG_PATH, ruleName: RULE, priority: '102', sourceAddress: IP, port: '3389', protocol: 'Tcp', origin: 'created' };

  it('DELETEs the rule and polls the Location ARM answers until it is gone', async () => {
    const location = `/subscriptions/${SUB}/providers/Microsoft.Network/locations/westeurope/operationResults/op-42?${API}`;
    arm.routes.set(`DELETE ${RULE_PATH}?${API}`, { status: 202, headers: { location: `${arm.base}${location}` } });
    arm.routes.set(`GET ${location}`, [{ status: 202, headers: { location: `${arm.base}${location}` } }, { status: 204 }]);
    const text = await runbook().undo?.(request(), effect);
    expect(text).toContain(`removed rule ${RULE}`);
    expect(calls()).toEqual([
      { method: 'DELETE', url: `${RULE_PATH}?${API}`, body: undefined },
      { method: 'GET', url: location, body: undefined },
      { method: 'GET', url: location, body: undefined },
    ]);
  });

  it('a rule already gone is fine: 204 at once, or 404', async () => {
    arm.routes.set(`DELETE ${RULE_PATH}?${API}`, { status: 204 });
    expect(await runbook().undo?.(request(), effect)).toContain('removed');
    arm.routes.set(`DELETE ${RULE_PATH}?${API}`, { status: 404, body: { error: { code: 'NotFound', message: 'gone' } } });
    expect(await runbook().undo?.(request(), effect)).toContain('already gone');
  });

  it('403 on delete names the delete permission', async () => {
    arm.routes.set(`DELETE ${RULE_PATH}?${API}`, { status: 403, body: { error: { code: 'AuthorizationFailed', message: 'no' } } });
    const e = await refusal(runbook().undo?.(request(), effect) ?? Promise.resolve());
    expect(e.code).toBe('FORBIDDEN');
    expect(e.message).toContain('Microsoft.Network/networkSecurityGroups/securityRules/delete');
  });

  it('never deletes a rule that is not this request’s', async () => {
    expect(await refusal(runbook().undo?.(request(), { ...effect, ruleName: 'allow-https' }) ?? Promise.resolve())).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(arm.seen).toEqual([]);
  });
});
