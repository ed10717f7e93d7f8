import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type EventByType, SUBSCRIPTIONS, parseEvent } from '@soc/contracts';
import { type RunningSystem, type ServiceModule, runServices } from '@soc/platform';
import { StateWriteBackLedger } from '../src/adapters/state-writeback-ledger.ts';
import { TicketingConfig } from '../src/config.ts';
import { siemWriteBackOf } from '../src/service.ts';
import { makeSiemWriteBackHandler, sentinelCommentId, writeBackKey } from '../src/siem-writeback.ts';
import { redeliver, replayOf, settled, until } from '@soc/bus/testing';
import { SiemStandIn } from './support/siem-stand-in.ts';

const SUB = SUBSCRIPTIONS.ticketingSiemWriteback.name;
const AZ_SUB = '5f3c2e1a-7b9d-4c6e-8a2f-1d0b3e4c5a69';
const INCIDENT = 'aa06e9b4-5ae0-43c1-9492-37e564c77294';
const WORKSPACE_PATH = `/subscriptions/${AZ_SUB}/resourceGroups/rg-soc-prod/providers/Microsoft.OperationalInsights/workspaces/law-soc-prod`;
const ARM_ID = `${WORKSPACE_PATH}/providers/Microsoft.SecurityInsights/incidents/${INCIDENT}`;
const GRAPH_ALERT = 'da637578995287051192_756343937';
const TOKENS = { arm: 'arm-token-delivery-s3cret', graph: 'graph-token-delivery-s3cret' };
const ARM_SCOPE = 'https://management.azure.com/.default';
const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

type Decision = EventByType<'soc.decision.made.v2'>;

function decision(source: Partial<Decision['data']['alert']['source']>): Decision {
  const parsed = parseEvent(
    JSON.parse(readFileSync(new URL('../../../contracts/fixtures/soc.decision.made.v2.json', import.meta.url), 'utf8')),
  );
  if (!parsed.ok || parsed.event.type !== 'soc.decision.made.v2') throw new Error('fixture');
  const e = parsed.event;
  e.data.alert.source = { ...e.data.alert.source, ...source };
  e.data.alert.revision = { key: 'rev-0123456789abcdef0123456789abcdef', receivedAt: '2026-11-23T10:00:00.000Z' };
  e.data.triage.summary = 'Beacon to http://evil.example.com/x from WS-042.';
  return e;
}
const sentinelDecision = (): Decision => decision({ name: 'sentinel', vendorAlertId: ARM_ID });
const graphDecision = (): Decision =>
  decision({
    name: 'defender',
    vendorAlertId: GRAPH_ALERT,
    url: `https://security.microsoft.com/alerts/${GRAPH_ALERT}`,
  });

/** What DefaultAzureCredential gives in production: a token per audience (ARM, Graph). */
const credential = {
  scopes: [] as string[],
  async getToken(scope: string | string[]) {
    const s = String(scope);
    this.scopes.push(s);
    return { token: s === ARM_SCOPE ? TOKENS.arm : s === GRAPH_SCOPE ? TOKENS.graph : 'wrong-audience' };
  },
};

/**
 * The ticketing service's write-back consumer as `ticketingService` composes it — `siemWriteBackOf` (breakers, the
 * write-back ledger on the platform's state) and `makeSiemWriteBackHandler` on the write-back subscription — with the
 * stand-in's base URLs and a fixed credential, the seams `siemWriteBackOf` offers (the service reads neither from
 * configuration).
 */
function writeBackModule(baseUrl: string): ServiceModule<TicketingConfig> {
  return {
    name: 'ticketing',
    config: TicketingConfig,
    async start(platform, config) {
      const deps = await siemWriteBackOf(config, new StateWriteBackLedger(platform.state, () => platform.clock.now()), {
        credential,
        armBaseUrl: baseUrl,
        graphBaseUrl: baseUrl,
      });
      const consumer = platform.bus.subscribe(
        { subscription: SUB, maxConcurrency: platform.env.BUS_MAX_CONCURRENCY },
        makeSiemWriteBackHandler(deps),
      );
      return {
        close: async () => {
          await consumer.close();
          for (const b of deps.breakers) b.shutdown();
        },
      };
    },
  };
}

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function running(): Promise<{ system: RunningSystem; siem: SiemStandIn }> {
  const siem = new SiemStandIn(TOKENS, [INCIDENT], [GRAPH_ALERT]);
  const baseUrl = await siem.start();
  closers.push(() => siem.close());
  const system = await runServices([writeBackModule(baseUrl)], {
    env: {
      SOC_DATA_DIR: mkdtempSync(join(tmpdir(), 'soc-writeback-delivery-')),
      SOC_BUS: 'memory',
      SOC_STATE: 'memory',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      SIEM_WRITEBACK: 'on',
      SENTINEL_SUBSCRIPTION_ID: AZ_SUB,
      SENTINEL_RESOURCE_GROUP: 'rg-soc-prod',
      SENTINEL_WORKSPACE_NAME: 'law-soc-prod',
      SIEM_WRITEBACK_GRAPH: 'on',
      SIEM_WRITEBACK_TIMEOUT_MS: '5000',
    },
    handleSignals: false,
  });
  closers.push(() => system.close());
  return { system, siem };
}

const outage = [
  {
    status: 503,
    headers: { 'retry-after': '1' },
    body: { error: { code: 'ServiceUnavailable', message: 'try later' } },
  },
  { status: 503, body: { error: { code: 'ServiceUnavailable', message: 'try later' } } },
];

/** The exact Sentinel call: PUT of `{ properties: { message } }` under the revision's comment id, with the ARM token. */
function expectSentinelPut(call: SiemStandIn['calls'][number] | undefined, event: Decision): void {
  expect(call).toBeDefined();
  expect(call!.method).toBe('PUT');
  expect(call!.path).toBe(`${ARM_ID}/comments/${sentinelCommentId(writeBackKey(event.data.alert))}`);
  expect(call!.query.get('api-version')).toBe('2024-03-01');
  expect(call!.headers.authorization).toBe(`Bearer ${TOKENS.arm}`);
  expect(call!.headers['content-type']).toBe('application/json');
  const body = JSON.parse(call!.body) as { properties: { message: string } };
  expect(Object.keys(body)).toEqual(['properties']);
  expect(Object.keys(body.properties)).toEqual(['message']);
  expect(body.properties.message).toContain('hxxp://evil[.]example[.]com/x');
}

/** The exact Graph call: POST of an `alertComment` to the alert's comments, with the Graph token. */
function expectGraphPost(call: SiemStandIn['calls'][number] | undefined): void {
  expect(call).toBeDefined();
  expect([call!.method, call!.path]).toEqual(['POST', `/v1.0/security/alerts_v2/${GRAPH_ALERT}/comments`]);
  expect(call!.headers.authorization).toBe(`Bearer ${TOKENS.graph}`);
  expect(call!.headers['content-type']).toBe('application/json');
  const body = JSON.parse(call!.body) as Record<string, string>;
  expect(Object.keys(body).sort()).toEqual(['@odata.type', 'comment']);
  expect(body['@odata.type']).toBe('microsoft.graph.security.alertComment');
  expect(body.comment).toContain('hxxp://evil[.]example[.]com/x');
}

describe('SIEM write-back through the service composition, against local ARM and Graph stand-ins', () => {
  it('Sentinel: an outage (503 with Retry-After, then 503 without) → one comment after recovery, the same PUT each time, nothing dead-lettered', async () => {
    const { system, siem } = await running();
    siem.failures.push(...outage);
    const event = sentinelDecision();
    await system.platform.bus.publish([event]);
    await until(() => (siem.incidentComments.get(INCIDENT)?.size ?? 0) === 1, 'the Sentinel comment');
    await settled(system, SUB);

    expect(siem.calls).toHaveLength(3);
    for (const call of siem.calls) expectSentinelPut(call, event);
    expect(new Set(siem.calls.map((c) => c.body)).size).toBe(1);
    expect(siem.incidentComments.get(INCIDENT)?.size).toBe(1);
    expect(await system.platform.bus.deadLetters.list()).toEqual([]);
  });

  it('Graph: an outage (503 with Retry-After, then 503 without) → one comment after recovery, nothing dead-lettered', async () => {
    const { system, siem } = await running();
    siem.failures.push(...outage);
    await system.platform.bus.publish([graphDecision()]);
    await until(() => siem.alertComments.get(GRAPH_ALERT)?.length === 1, 'the Graph comment');
    await settled(system, SUB);

    expect(siem.calls).toHaveLength(3);
    for (const call of siem.calls) expectGraphPost(call);
    expect(siem.alertComments.get(GRAPH_ALERT)).toHaveLength(1);
    expect(credential.scopes).toContain(GRAPH_SCOPE);
    expect(await system.platform.bus.deadLetters.list()).toEqual([]);
  });

  it('each decision delivered twice and replayed under a new id → one Sentinel comment (PUT under one id) and one Graph comment (one POST)', async () => {
    const { system, siem } = await running();
    const sentinel = sentinelDecision();
    const graph = graphDecision();
    await system.platform.bus.publish([sentinel, graph]);
    await settled(system, SUB);
    await redeliver(system, SUB, sentinel);
    await redeliver(system, SUB, graph);
    await settled(system, SUB);
    await system.platform.bus.publish([replayOf(sentinel), replayOf(graph)]);
    await settled(system, SUB);

    const puts = siem.calls.filter((c) => c.method === 'PUT');
    expect(puts).toHaveLength(3);
    for (const call of puts) expectSentinelPut(call, sentinel);
    expect(siem.incidentComments.get(INCIDENT)?.size).toBe(1);
    const posts = siem.calls.filter((c) => c.method === 'POST');
    expect(posts).toHaveLength(1);
    expectGraphPost(posts[0]);
    expect(siem.alertComments.get(GRAPH_ALERT)).toHaveLength(1);
    expect(await system.platform.bus.deadLetters.list()).toEqual([]);
  });

  it('Sentinel: the decision delivered twice at once → one comment', async () => {
    const { system, siem } = await running();
    const event = sentinelDecision();
    await Promise.all([redeliver(system, SUB, event), redeliver(system, SUB, event)]);
    await until(() => siem.calls.length >= 1, 'the Sentinel comment');
    await settled(system, SUB);

    expect(siem.incidentComments.get(INCIDENT)?.size).toBe(1);
    expect(await system.platform.bus.deadLetters.list()).toEqual([]);
  });

  // DEFECT (open, in siem-writeback.ts): the Graph write-back checks its ledger (`has`), POSTs, then records; it does
  // not claim the key first. Two overlapping deliveries of one decision (a redelivery after a lost lock while the
  // first is still running, or the decision and its replay) both find no record and both POST: two comments on the
  // alert. The fix is a claim before the POST (as the e-mail sent-ledger does), in the handler another engineer edits.
  it('Graph: the decision delivered twice at once → one comment', async () => {
    const { system, siem } = await running();
    const event = graphDecision();
    await Promise.all([redeliver(system, SUB, event), redeliver(system, SUB, event)]);
    await until(() => siem.calls.length >= 1, 'the Graph comment');
    await settled(system, SUB);

    expect(siem.calls.filter((c) => c.method === 'POST')).toHaveLength(1);
    expect(siem.alertComments.get(GRAPH_ALERT)).toHaveLength(1);
  });
});
