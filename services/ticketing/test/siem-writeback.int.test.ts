import { readFileSync } from 'node:fs';
import { type EventByType, type SocEvent, parseEvent } from '@soc/contracts';
import { MemoryStateStore } from '@soc/state';
import { isAppError } from '@soc/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { StateWriteBackLedger } from '../src/adapters/state-writeback-ledger.ts';
import { TicketingConfig } from '../src/config.ts';
import { siemWriteBackOf } from '../src/service.ts';
import { makeSiemWriteBackHandler, sentinelCommentId, writeBackKey } from '../src/siem-writeback.ts';
import { SiemStandIn } from './support/siem-stand-in.ts';

const SUB = '5f3c2e1a-7b9d-4c6e-8a2f-1d0b3e4c5a69';
const INCIDENT = 'aa06e9b4-5ae0-43c1-9492-37e564c77294';
const ARM_ID = `/subscriptions/${SUB}/resourceGroups/rg-soc-prod/providers/Microsoft.OperationalInsights/workspaces/law-soc-prod/providers/Microsoft.SecurityInsights/incidents/${INCIDENT}`;
const GRAPH_ALERT = 'da637578995287051192_756343937';
const TOKENS = { arm: 'arm-token-s3cret', graph: 'graph-token-s3cret' };
const ON = {
  SIEM_WRITEBACK: 'on',
  SENTINEL_SUBSCRIPTION_ID: SUB,
  SENTINEL_RESOURCE_GROUP: 'RG-SOC-PROD',
  SENTINEL_WORKSPACE_NAME: 'law-soc-prod',
  SIEM_WRITEBACK_GRAPH: 'on',
};

type Decision = EventByType<'soc.decision.made.v2'>;
type Source = Decision['data']['alert']['source'];

function decision(source: Partial<Source>, summary = 'Beacon to http://evil.example.com/x from WS-042.'): Decision {
  const parsed = parseEvent(JSON.parse(readFileSync(new URL('../../../contracts/fixtures/soc.decision.made.v2.json', import.meta.url), 'utf8')));
  if (!parsed.ok || parsed.event.type !== 'soc.decision.made.v2') throw new Error('fixture');
  const e = parsed.event;
  const alert = { ...e.data.alert, source: { ...e.data.alert.source, ...source }, revision: { key: 'rev-0123456789abcdef0123456789abcdef', receivedAt: '2026-11-23T10:00:00.000Z' } };
  return { ...e, data: { ...e.data, alert, triage: { ...e.data.triage, summary } } };
}
const sentinelDecision = (summary?: string): Decision => decision({ name: 'sentinel', vendorAlertId: ARM_ID }, summary);
const graphDecision = (summary?: string): Decision =>
  decision({ name: 'defender', vendorAlertId: GRAPH_ALERT, url: `https://security.microsoft.com/alerts/${GRAPH_ALERT}?tid=contoso` }, summary);

describe('SIEM write-back against local ARM and Graph stand-ins', () => {
  let standIn: SiemStandIn | undefined;
  const breakers: { shutdown(): void }[] = [];
  afterEach(async () => {
    await standIn?.close();
    standIn = undefined;
    for (const b of breakers.splice(0)) b.shutdown();
  });

  const scopes: string[] = [];
  const credential = {
    getToken: async (scope: string | string[]) => {
      const s = String(scope);
      scopes.push(s);
      return { token: s === 'https://management.azure.com/.default' ? TOKENS.arm : s === 'https://graph.microsoft.com/.default' ? TOKENS.graph : 'wrong' };
    },
  };

  async function setUp(env: Record<string, string> = ON) {
    standIn = new SiemStandIn(TOKENS, [INCIDENT], [GRAPH_ALERT]);
    const baseUrl = await standIn.start();
    const state = new MemoryStateStore();
    const deps = await siemWriteBackOf(TicketingConfig.parse(env), new StateWriteBackLedger(state, () => new Date('2026-11-23T10:00:00Z')), {
      credential,
      armBaseUrl: baseUrl,
      graphBaseUrl: baseUrl,
    });
    breakers.push(...deps.breakers);
    return { standIn, handle: makeSiemWriteBackHandler(deps) };
  }

  /** Delivers like the bus: a retryable failure is redelivered (its Retry-After noted), anything else is thrown. */
  async function deliver(handle: ReturnType<typeof makeSiemWriteBackHandler>, event: SocEvent): Promise<{ failures: number; retryAfter: unknown[] }> {
    const retryAfter: unknown[] = [];
    for (let deliveryCount = 1; deliveryCount <= 10; deliveryCount++) {
      try {
        await handle(event, { subscription: 'ticketing-siem-writeback', deliveryCount, signal: new AbortController().signal });
        return { failures: deliveryCount - 1, retryAfter };
      } catch (error) {
        if (!isAppError(error) || !error.retryable) throw error;
        retryAfter.push(error.details?.retryAfterSeconds);
      }
    }
    throw new Error('still failing after 10 deliveries');
  }

  it('Sentinel: PUT of a defanged comment under a comment id fixed by the alert revision; twice → one comment', async () => {
    const { standIn: s, handle } = await setUp();
    const event = sentinelDecision();
    await deliver(handle, event);
    await deliver(handle, event);
    const commentId = sentinelCommentId(writeBackKey(event.data.alert));
    expect(commentId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(s.calls).toHaveLength(2);
    for (const call of s.calls) {
      expect(call.method).toBe('PUT');
      expect(call.path).toBe(
        `/subscriptions/${SUB}/resourceGroups/RG-SOC-PROD/providers/Microsoft.OperationalInsights/workspaces/law-soc-prod/providers/Microsoft.SecurityInsights/incidents/${INCIDENT}/comments/${commentId}`,
      );
      expect(call.query.get('api-version')).toBe('2024-03-01');
      expect(call.headers.authorization).toBe(`Bearer ${TOKENS.arm}`);
      expect(call.headers['content-type']).toBe('application/json');
    }
    const body = JSON.parse(s.calls[0]?.body ?? '') as { properties: { message: string } };
    expect(Object.keys(body)).toEqual(['properties']);
    expect(body.properties.message).toContain(`risk ${event.data.triage.risk.score}/100`);
    expect(body.properties.message).toContain(`verdict: ${event.data.triage.verdict.class}`);
    expect(body.properties.message).toContain('hxxp://evil[.]example[.]com/x');
    expect(body.properties.message).not.toContain('http://evil.example.com');
    expect(body.properties.message).not.toContain('s3cret');
    expect([...(s.incidentComments.get(INCIDENT)?.keys() ?? [])]).toEqual([commentId]);
    expect(scopes).toContain('https://management.azure.com/.default');
  });

  it('Graph: POST of an alertComment; the decision delivered twice → one comment (the ledger)', async () => {
    const { standIn: s, handle } = await setUp();
    await deliver(handle, graphDecision());
    await deliver(handle, graphDecision());
    expect(s.calls).toHaveLength(1);
    const [call] = s.calls;
    expect(call).toMatchObject({ method: 'POST', path: `/v1.0/security/alerts_v2/${GRAPH_ALERT}/comments` });
    expect(call?.headers.authorization).toBe(`Bearer ${TOKENS.graph}`);
    const body = JSON.parse(call?.body ?? '') as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual(['@odata.type', 'comment']);
    expect(body['@odata.type']).toBe('microsoft.graph.security.alertComment');
    expect(body['comment']).toContain('hxxp://evil[.]example[.]com/x');
    expect(s.alertComments.get(GRAPH_ALERT)).toHaveLength(1);
  });

  it('an outage (503, then 429 with Retry-After) → retried with the wait asked for, written once after recovery', async () => {
    const { standIn: s, handle } = await setUp();
    s.failures.push({ status: 503, headers: { 'retry-after': '7' } }, { status: 429, headers: { 'retry-after': '2' }, body: { error: { code: 'TooManyRequests', message: 'slow down' } } });
    expect((await deliver(handle, graphDecision())).retryAfter).toEqual([7, 2]);
    s.failures.push({ status: 503 });
    expect((await deliver(handle, sentinelDecision())).failures).toBe(1);
    await deliver(handle, graphDecision());
    await deliver(handle, sentinelDecision());
    expect(s.alertComments.get(GRAPH_ALERT)).toHaveLength(1);
    expect(s.incidentComments.get(INCIDENT)?.size).toBe(1);
  });

  it('401, 403 and 404 are refusals (not retried) with the reason', async () => {
    const { standIn: s, handle } = await setUp();
    const refusals: [number, string, string][] = [
      [401, 'InvalidAuthenticationToken', 'UNAUTHORIZED'],
      [403, 'AuthorizationFailed', 'FORBIDDEN'],
      [404, 'NotFound', 'NOT_FOUND'],
    ];
    for (const [status, code, ourCode] of refusals) {
      s.failures.push({ status, body: { error: { code, message: 'no' } } });
      const error = await handle(sentinelDecision(), { subscription: 'x', deliveryCount: 1, signal: new AbortController().signal }).catch((e: unknown) => e);
      if (!isAppError(error)) throw new Error(`expected an AppError for ${status}`);
      expect(error).toMatchObject({ retryable: false, code: ourCode });
      expect(error.message).toContain(code);
      expect(error.message).not.toContain('s3cret');
    }
    // An unknown Graph alert is a 404 from the service itself.
    const unknown = decision({ name: 'defender', vendorAlertId: 'da1_2', url: 'https://security.microsoft.com/alerts/da1_2' });
    await expect(handle(unknown, { subscription: 'x', deliveryCount: 1, signal: new AbortController().signal })).rejects.toMatchObject({ retryable: false, code: 'NOT_FOUND' });
  });

  it('writes only where the alert came from and only to the configured workspace; off writes nothing', async () => {
    const { standIn: s, handle } = await setUp();
    const otherWorkspace = ARM_ID.replace('law-soc-prod', 'law-attacker');
    const notOurs = [
      decision({ name: 'sentinel', vendorAlertId: otherWorkspace }),
      decision({ name: 'sentinel', vendorAlertId: INCIDENT }), // a SecurityIncident row without IncidentUrl: no workspace
      decision({ name: 'defender', vendorAlertId: '2972395', url: 'https://security.microsoft.com/incidents/2972395' }),
      decision({ name: 'defender', vendorAlertId: GRAPH_ALERT, url: `https://evil.example.com/alerts/${GRAPH_ALERT}` }),
      decision({ name: 'splunk', vendorAlertId: ARM_ID }),
    ];
    for (const e of notOurs) await deliver(handle, e);
    expect(s.calls).toEqual([]);
    await s.close();

    const off = await setUp({});
    await deliver(off.handle, sentinelDecision());
    await deliver(off.handle, graphDecision());
    expect(off.standIn.calls).toEqual([]);
  });
});

describe('SIEM write-back configuration', () => {
  it('is off by default; on needs the whole workspace or the Graph flag', () => {
    expect(TicketingConfig.parse({})).toMatchObject({ SIEM_WRITEBACK: 'off', SIEM_WRITEBACK_GRAPH: 'off' });
    expect(TicketingConfig.safeParse({ SIEM_WRITEBACK: 'on' }).success).toBe(false);
    const partial = TicketingConfig.safeParse({ SIEM_WRITEBACK: 'on', SENTINEL_SUBSCRIPTION_ID: SUB });
    expect(partial.success).toBe(false);
    expect(partial.error?.issues.map((i) => i.path[0]).sort()).toEqual(['SENTINEL_RESOURCE_GROUP', 'SENTINEL_WORKSPACE_NAME']);
    expect(TicketingConfig.safeParse({ SIEM_WRITEBACK: 'on', SIEM_WRITEBACK_GRAPH: 'on' }).success).toBe(true);
    expect(TicketingConfig.safeParse(ON).success).toBe(true);
    expect(TicketingConfig.safeParse({ ...ON, SENTINEL_SUBSCRIPTION_ID: 'contoso' }).error?.issues.map((i) => i.path[0])).toEqual(['SENTINEL_SUBSCRIPTION_ID']);
  });
});
