import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type EventByType, SUBSCRIPTIONS, caseGroupKey, parseEvent } from '@soc/contracts';
import { type RunningSystem, runServices } from '@soc/platform';
import { ticketingService } from '../src/service.ts';
import { redeliver, replayOf, settled, until } from '@soc/bus/testing';
import { ServiceNowStandIn } from './support/servicenow-stand-in.ts';

const SUB = SUBSCRIPTIONS.ticketing.name;
const OAUTH = { kind: 'oauth', clientId: 'soc-copilot-client', clientSecret: 'sn-client-s3cret-delivery' } as const;

function decision(): EventByType<'soc.decision.made.v2'> {
  const parsed = parseEvent(
    JSON.parse(readFileSync(new URL('../../../contracts/fixtures/soc.decision.made.v2.json', import.meta.url), 'utf8')),
  );
  if (!parsed.ok || parsed.event.type !== 'soc.decision.made.v2') throw new Error('fixture');
  return parsed.event;
}

/** Another alert of the same case group (new alert, event and action ids; same rule and key entities). */
function sameGroupAlert(event: EventByType<'soc.decision.made.v2'>, n: number): EventByType<'soc.decision.made.v2'> {
  const next = structuredClone(event);
  next.id = `${event.id.slice(0, -2)}${String(n).padStart(2, '0')}`;
  next.data.alert.alertId = `${event.data.alert.alertId}-${n}`;
  next.data.actions = next.data.actions.map((a) => ({ ...a, actionId: `${a.actionId}-${n}` }));
  return next;
}

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** The ticketing service configured for ServiceNow (OAuth client credentials) on the embedded bus and state. */
async function running(): Promise<{ system: RunningSystem; sn: ServiceNowStandIn }> {
  const sn = new ServiceNowStandIn(OAUTH);
  const instance = await sn.start();
  closers.push(() => sn.close());
  const system = await runServices([ticketingService], {
    env: {
      SOC_DATA_DIR: mkdtempSync(join(tmpdir(), 'soc-servicenow-delivery-')),
      SOC_BUS: 'memory',
      SOC_STATE: 'memory',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      TICKET_SYSTEM: 'servicenow',
      SERVICENOW_INSTANCE_URL: instance.origin,
      SERVICENOW_CLIENT_ID: OAUTH.clientId,
      SERVICENOW_CLIENT_SECRET: OAUTH.clientSecret,
      SERVICENOW_TIMEOUT_MS: '5000',
    },
    handleSignals: false,
  });
  closers.push(() => system.close());
  return { system, sn };
}

const creates = (sn: ServiceNowStandIn) => sn.tableCalls().filter((c) => c.method === 'POST');

describe('ServiceNow incidents through the ticketing service, against a ServiceNow stand-in', () => {
  it('an outage (503 with Retry-After, then 503 without) → one incident after recovery with the exact Table API calls, nothing dead-lettered', async () => {
    const { system, sn } = await running();
    sn.failNext(1, { status: 503, headers: { 'retry-after': '1' } });
    sn.failNext(1, { status: 503 });
    const event = decision();
    await system.platform.bus.publish([event]);
    await until(() => sn.incidents.size === 1, 'the incident');
    await settled(system, SUB);

    const correlationId = `${caseGroupKey(event.data.alert)}:ticket`;
    const table = sn.tableCalls();
    expect(table.map((c) => c.method)).toEqual(['GET', 'GET', 'GET', 'POST']);
    const [token] = sn.calls.filter((c) => c.path === '/oauth_token.do');
    expect(token?.method).toBe('POST');
    expect(Object.fromEntries(new URLSearchParams(token?.body))).toEqual({
      grant_type: 'client_credentials',
      client_id: OAUTH.clientId,
      client_secret: OAUTH.clientSecret,
    });
    for (const call of table) {
      expect(call.path).toBe('/api/now/table/incident');
      expect(call.headers.authorization).toBe(`Bearer ${sn.issuedTokens[0]}`);
      expect(call.headers.accept).toBe('application/json');
    }
    // The look-up by correlation id, the same on every attempt.
    for (const lookUp of table.slice(0, 3)) {
      expect(Object.fromEntries(lookUp.query)).toMatchObject({
        sysparm_query: `correlation_id=${correlationId}^active=true^ORDERBYsys_created_on`,
        sysparm_limit: '1',
      });
    }
    const create = table[3]!;
    expect(create.headers['content-type']).toBe('application/json');
    const body = JSON.parse(create.body) as Record<string, string>;
    expect(body).toMatchObject({
      correlation_id: correlationId,
      correlation_display: 'SOC Copilot',
      impact: '1',
      urgency: '2',
      assignment_group: 'SOC Tier 2',
    });
    expect(
      body.description?.endsWith(
        `SOC Copilot action ${event.data.actions.find((a) => a.kind === 'CreateTicket')!.actionId}`,
      ),
    ).toBe(true);
    expect(create.body).not.toContain(OAUTH.clientSecret);
    expect(await system.platform.bus.deadLetters.list()).toEqual([]);
  });

  it('the decision delivered twice and replayed under a new id → one incident, one create, no work note', async () => {
    const { system, sn } = await running();
    const event = decision();
    await system.platform.bus.publish([event]);
    await until(() => sn.incidents.size === 1, 'the incident');
    await settled(system, SUB);
    await redeliver(system, SUB, event);
    await settled(system, SUB);
    await system.platform.bus.publish([replayOf(event)]);
    await settled(system, SUB);

    expect(sn.incidents.size).toBe(1);
    expect(creates(sn)).toHaveLength(1);
    expect([...sn.incidents.values()][0]!.journal).toEqual([]);
    expect(sn.tableCalls().filter((c) => c.method === 'PATCH')).toEqual([]);
    expect(await system.platform.bus.deadLetters.list()).toEqual([]);
  });

  // The adapter's look-up-then-create is not atomic: without the service's claim (ClaimedTicketSystem), two
  // overlapping deliveries of one decision (a redelivery after a lost lock) both found nothing and both created.
  it('the decision delivered twice at once → one incident', async () => {
    const { system, sn } = await running();
    const event = decision();
    await Promise.all([redeliver(system, SUB, event), redeliver(system, SUB, event)]);
    await until(() => sn.incidents.size >= 1, 'the incident');
    await settled(system, SUB);

    expect(creates(sn)).toHaveLength(1);
    expect(sn.incidents.size).toBe(1);
  });

  // The same race between two alerts of a new case group in one storm: two incidents and no work note, before.
  it('two decisions of a new case group at once → one incident with one work note', async () => {
    const { system, sn } = await running();
    const first = decision();
    const second = sameGroupAlert(first, 2);
    await system.platform.bus.publish([first, second]);
    await until(() => sn.incidents.size >= 1, 'the incident');
    await settled(system, SUB);

    expect(sn.incidents.size).toBe(1);
    expect(creates(sn)).toHaveLength(1);
    expect([...sn.incidents.values()][0]!.journal).toHaveLength(1);
  });
});
