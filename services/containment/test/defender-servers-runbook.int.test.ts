import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '@soc/runtime';
import { defenderForServersRunbooks } from '../src/adapters/automation/defender-servers-runbook.ts';
import { HttpsTransport } from '../src/adapters/automation/https-client.ts';
import type { ContainmentRequest, RunbookAdapter } from '../src/ports.ts';
import { FixedTokenCredential, type HttpsStandIn, type StandInAnswer, requestFor, startHttpsStandIn } from './support/https-stand-in.ts';

/**
 * onboard-defender against a local HTTPS stand-in of ARM's Defender for Cloud pricings API (api-version 2024-01-01,
 * bodies as in Microsoft's REST API examples): GET and PUT `Microsoft.Security/pricings/VirtualMachines`, asserted
 * with the bearer token, exact path and body; the ARM error answers.
 */

const TOKEN = 'eyJ0eXAi.arm-token.sig';
const SUB = '20ff7fc3-e762-44dd-bd96-b71116dcdc23';
const OTHER_SUB = '99999999-e762-44dd-bd96-b71116dcdc23';
const PATH = `/subscriptions/${SUB}/providers/Microsoft.Security/pricings/VirtualMachines?api-version=2024-01-01`;
const VM = `/subscriptions/${SUB}/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines/web-01`;

let arm: HttpsStandIn;
let credential: FixedTokenCredential;

function pricing(tier: string, subPlan?: string): StandInAnswer {
  return {
    status: 200,
    body: {
      id: `/subscriptions/${SUB}/providers/Microsoft.Security/pricings/VirtualMachines`,
      name: 'VirtualMachines',
      type: 'Microsoft.Security/pricings',
      properties: { pricingTier: tier, ...(subPlan ? { subPlan } : {}), freeTrialRemainingTime: 'PT0S', ...(tier === 'Standard' ? { enablementTime: '2026-12-07T08:00:00.0000000Z' } : {}) },
    },
  };
}

beforeAll(async () => {
  arm = await startHttpsStandIn();
});
afterAll(async () => arm.close());

beforeEach(() => {
  arm.seen.length = 0;
  arm.routes.clear();
  credential = new FixedTokenCredential(TOKEN);
  arm.routes.set(`GET ${PATH}`, pricing('Free'));
  arm.routes.set(`PUT ${PATH}`, (req) => {
    const body = JSON.parse(req.body) as { properties: { pricingTier: string; subPlan?: string } };
    return pricing(body.properties.pricingTier, body.properties.subPlan);
  });
});

function runbook(): RunbookAdapter {
  return defenderForServersRunbooks({ credential, subscriptionIds: [SUB.toUpperCase()], armBaseUrl: arm.base, transport: new HttpsTransport({ ca: arm.ca }), now: () => new Date('2026-12-07T08:00:00Z') })['onboard-defender'];
}

function request(value = VM, args: Record<string, string> = {}): ContainmentRequest {
  return requestFor('onboard-defender', value, args);
}

function calls(): { method: string; path: string; body: unknown }[] {
  return arm.seen.map((s) => {
    expect(s.headers.authorization).toBe(`Bearer ${TOKEN}`);
    if (s.body !== '') expect(s.headers['content-type']).toBe('application/json');
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
  return { code: error.code, retryable: error.retryable, message: error.message, details: (error.details ?? {}) as Record<string, unknown> };
}

describe('onboard-defender: dry run', () => {
  it('reads the plan and shows the PUT it would send', async () => {
    const text = await runbook().dryRun(request());
    expect(calls()).toEqual([{ method: 'GET', path: PATH, body: undefined }]);
    expect(credential.scopes).toEqual(['https://management.azure.com/.default']);
    expect(text).toBe(`would PUT ${arm.base}${PATH} {"properties":{"pricingTier":"Standard","subPlan":"P2"}} (now off (Free)); undo would put back off (Free). Billing: Plan 2 is charged per server per hour`);
  });

  it('takes the subscription from the argument too; refuses one outside the allow-list before any call', async () => {
    await runbook().dryRun(request('web-01', { subscription: SUB }));
    expect(calls()).toHaveLength(1);
    arm.seen.length = 0;
    expect((await failure(runbook().dryRun(request(`/subscriptions/${OTHER_SUB}/resourceGroups/rg`)))).message).toContain('DEFENDER_FOR_SERVERS_SUBSCRIPTIONS');
    expect((await failure(runbook().dryRun(request('web-01', { subscription: `${SUB}/../x` })))).message).toContain('not a subscription id');
    expect((await failure(runbook().dryRun(request('web-01')))).code).toBe('VALIDATION_FAILED');
    expect(arm.seen).toEqual([]);
  });
});

describe('onboard-defender: execute, verify, undo', () => {
  it('enables Plan 2 from Free, records Free, verifies, and undo puts Free back', async () => {
    const rb = runbook();
    const done = await rb.execute(request());
    expect(done).toEqual({ summary: `enabled Defender for Servers Plan 2 on subscription ${SUB} (was off (Free); now Standard P2)`, effect: { subscriptionId: SUB, previousTier: 'Free', previousSubPlan: '', origin: 'changed' } });
    expect(calls()).toEqual([
      { method: 'GET', path: PATH, body: undefined },
      { method: 'PUT', path: PATH, body: { properties: { pricingTier: 'Standard', subPlan: 'P2' } } },
    ]);

    arm.seen.length = 0;
    arm.routes.set(`GET ${PATH}`, pricing('Standard', 'P2'));
    expect((await rb.verify(request(), done.effect)).outcome).toBe('in-effect');

    const undo = rb.undo;
    if (!undo) throw new Error('expected an undo');
    expect(await undo.call(rb, request(), done.effect)).toBe(`put Defender for Servers back to off (Free) on subscription ${SUB}`);
    expect(calls()).toEqual([
      { method: 'GET', path: PATH, body: undefined },
      { method: 'GET', path: PATH, body: undefined },
      { method: 'PUT', path: PATH, body: { properties: { pricingTier: 'Free' } } },
    ]);
  });

  it('from Standard P1 records P1, and undo puts P1 back', async () => {
    arm.routes.set(`GET ${PATH}`, pricing('Standard', 'P1'));
    const rb = runbook();
    const done = await rb.execute(request());
    expect(done.effect).toEqual({ subscriptionId: SUB, previousTier: 'Standard', previousSubPlan: 'P1', origin: 'changed' });
    arm.routes.set(`GET ${PATH}`, pricing('Standard', 'P2'));
    arm.seen.length = 0;
    await rb.undo?.(request(), done.effect);
    expect(calls().at(-1)).toEqual({ method: 'PUT', path: PATH, body: { properties: { pricingTier: 'Standard', subPlan: 'P1' } } });
  });

  it('already Plan 2: nothing is sent, and undo changes nothing', async () => {
    arm.routes.set(`GET ${PATH}`, pricing('Standard', 'P2'));
    const rb = runbook();
    const done = await rb.execute(request());
    expect(done.effect.origin).toBe('already-enabled');
    expect(await rb.undo?.(request(), done.effect)).toContain('nothing to undo');
    expect(calls().map((c) => c.method)).toEqual(['GET']);
  });

  it('verify: not in effect when the plan is off', async () => {
    const v = await runbook().verify(request(), { subscriptionId: SUB, previousTier: 'Free', previousSubPlan: '', origin: 'changed' });
    expect(v).toEqual({ outcome: 'not-in-effect', finding: `Defender for Servers is off (Free) on subscription ${SUB}` });
  });

  it('undo: a redelivery finds the previous plan already back; a plan changed by someone since is left alone', async () => {
    const effect = { subscriptionId: SUB, previousTier: 'Free', previousSubPlan: '', origin: 'changed' };
    expect(await runbook().undo?.(request(), effect)).toContain('already off (Free)');
    arm.routes.set(`GET ${PATH}`, pricing('Standard', 'P1'));
    expect(await failure(runbook().undo?.(request(), effect) ?? Promise.resolve())).toMatchObject({ code: 'CONFLICT', retryable: false });
    expect(calls().every((c) => c.method === 'GET')).toBe(true);
  });

  it('refuses an effect naming another subscription', async () => {
    expect((await failure(runbook().verify(request(), { subscriptionId: OTHER_SUB, previousTier: 'Free', previousSubPlan: '', origin: 'changed' }))).code).toBe('VALIDATION_FAILED');
    expect(arm.seen).toEqual([]);
  });
});

describe('onboard-defender: ARM error answers', () => {
  it('429 is retryable with Retry-After', async () => {
    arm.routes.set(`GET ${PATH}`, { status: 429, headers: { 'retry-after': '20' }, body: { error: { code: 'TooManyRequests', message: 'The request is being throttled.' } } });
    expect(await failure(runbook().execute(request()))).toMatchObject({ code: 'RATE_LIMITED', retryable: true, details: { status: 429, retryAfterSeconds: 20 } });
  });

  it('403 on the PUT names the role', async () => {
    arm.routes.set(`PUT ${PATH}`, { status: 403, body: { error: { code: 'AuthorizationFailed', message: `The client does not have authorization to perform action 'Microsoft.Security/pricings/write' over scope '/subscriptions/${SUB}'.` } } });
    const e = await failure(runbook().execute(request()));
    expect(e).toMatchObject({ code: 'FORBIDDEN', retryable: false });
    expect(e.message).toContain('Security Admin');
  });

  it('404 (subscription not found) is not found', async () => {
    arm.routes.set(`GET ${PATH}`, { status: 404, body: { error: { code: 'SubscriptionNotFound', message: `The subscription '${SUB}' could not be found.` } } });
    expect(await failure(runbook().execute(request()))).toMatchObject({ code: 'NOT_FOUND', retryable: false });
  });

  it('503 is retryable', async () => {
    arm.routes.set(`PUT ${PATH}`, { status: 503, body: { error: { code: 'ServiceUnavailable', message: 'try later' } } });
    expect(await failure(runbook().execute(request()))).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', retryable: true });
  });
});
