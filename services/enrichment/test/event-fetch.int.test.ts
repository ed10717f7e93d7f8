import { readFileSync } from 'node:fs';
import { type Server, type Socket, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AlertReceivedV1, type Alert, type Enrichment, createEvent } from '@soc/contracts';
import type { DeliveryInfo } from '@soc/bus';
import { KqlPolicy, createKqlGuard } from '@soc/kql';
import { type KqlAuditRecord, LogAnalyticsExecutor, type LogsCredential, StateKqlAuditLog, ValidateOnlyExecutor } from '@soc/log-analytics';
import { type FakeLogAnalytics, startFakeLogAnalytics } from '@soc/log-analytics/testing';
import { createLogger } from '@soc/observability';
import { memoryLog } from '@soc/observability/testing';
import { manualClock } from '@soc/runtime';
import { MemoryStateStore } from '@soc/state';
import { StateAlertHistory } from '../src/adapters/state-alert-history.ts';
import { makeEnrichmentHandler } from '../src/handler.ts';

// The enrichment stage fetching an alert's raw events through the real guarded executor and LogsQueryClient, against
// the local Log Analytics stand-in of @soc/log-analytics (HTTPS, the query API's wire format).

const WORKSPACE = '0f4c2a1e-7b9d-4e3f-9a51-3c2d8e6b1f70';
const TOKEN = 'eyFakeAccessTokenForTests.0123456789';
const credential: LogsCredential = { getToken: async () => ({ token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 }) };
const delivery: DeliveryInfo = { subscription: 'enrichment', deliveryCount: 1, signal: new AbortController().signal };
const clock = manualClock('2025-10-25T17:05:00Z');
const guard = createKqlGuard();

// Real rows of the Attack Range lab (test/fixtures/alerts/sentinel/README.md): SecurityEvent 4688 certutil, and the same
// process as Sysmon 1 in the Event table.
const [securityEvent, sysmonRow] = JSON.parse(readFileSync(new URL('../../../test/fixtures/alerts/sentinel/windows-event-rows.json', import.meta.url), 'utf8')) as [
  Record<string, unknown>,
  Record<string, unknown>,
];

/** The union's answer as the query API sends it: one table, every column of both tables, null where a row has none. */
function unionTable(rows: Record<string, unknown>[]) {
  const names = [...new Set(['Type', ...rows.flatMap((r) => Object.keys(r))])];
  const type = (n: string) => (n === 'TimeGenerated' ? 'datetime' : n === 'EventID' ? 'int' : 'string');
  return { name: 'PrimaryResult', columns: names.map((name) => ({ name, type: type(name) })), rows: rows.map((r) => names.map((n) => r[n] ?? null)) };
}
const rows = [{ ...securityEvent, Type: 'SecurityEvent' }, { ...sysmonRow, EventID: 1, Type: 'Event' }];

const sentinelIncident = (over: Partial<Alert> = {}) =>
  createEvent(
    AlertReceivedV1,
    {
      alert: {
        schemaVersion: 1,
        alertId: 'alt-inc-7',
        tenantId: 'contoso',
        source: { name: 'sentinel', vendorAlertId: 'inc-7' },
        title: 'Suspicious download with certutil',
        description: '',
        severity: 'low',
        status: 'new',
        detectedAt: '2025-10-25T17:01:06.116Z',
        attack: [],
        entities: [
          { id: 'host:ar-win-dc', type: 'host', value: 'ar-win-dc', hostname: 'ar-win-dc', fqdn: 'ar-win-dc.attackrange.local', origin: 'source' },
          { id: 'host:x', type: 'host', value: 'x" | union * | where "1"=="1', origin: 'source' },
        ],
        labels: [],
        ...over,
      },
      receivedAt: '2025-10-25T17:02:00.000Z',
      receivedVia: 'http',
      sender: 't',
      priority: 'normal',
    },
    { id: 'r-inc-7', source: '/soc/ingestion', time: new Date('2025-10-25T17:02:00Z'), correlationid: 'c-inc-7', tenantid: 'contoso' },
  );

let fake: FakeLogAnalytics;
beforeAll(async () => {
  fake = await startFakeLogAnalytics();
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.received.length = 0;
});

function setUp(options: { endpoint?: string; policy?: KqlPolicy; validateOnly?: boolean; timeoutMs?: number } = {}) {
  const audit = new StateKqlAuditLog(new MemoryStateStore(), { retentionDays: 30 });
  const common = { guard: options.policy ? createKqlGuard(options.policy) : guard, audit, clock, log: createLogger({ service: 'enrichment-test', destination: memoryLog().destination }) };
  const executor = options.validateOnly
    ? new ValidateOnlyExecutor(common)
    : new LogAnalyticsExecutor({ ...common, workspaceId: WORKSPACE, credential, endpoint: options.endpoint ?? fake.url, timeoutSeconds: 30, maxThrottleRetries: 0, maxRetryWaitSeconds: 0, clientOptions: { tlsOptions: { ca: fake.ca } } });
  const handle = makeEnrichmentHandler({
    history: new StateAlertHistory(new MemoryStateStore(), { retentionDays: 30 }),
    events: { executor, windowMinutes: 15, timeoutMs: options.timeoutMs ?? 20_000 },
    clock,
  });
  const enrich = async (event = sentinelIncident()): Promise<Enrichment> => {
    const { emit } = await handle(event, delivery);
    return (emit[0]!.data as { enrichment: Enrichment }).enrichment;
  };
  return { enrich, audit };
}

const EXPECTED_QUERY = [
  'union',
  '  (SecurityEvent | where EventID in (4688, 4697, 4698, 4702, 4720, 4728, 4732, 4756, 1102)),',
  '  (Event | where Source == "Microsoft-Windows-Sysmon")',
  '| where TimeGenerated between (datetime(2025-10-25T16:46:06.116Z) .. datetime(2025-10-25T17:16:06.116Z))',
  '| where Computer in~ ("ar-win-dc.attackrange.local", "ar-win-dc", "x\\" | union * | where \\"1\\"==\\"1")',
  '| top 16 by abs(TimeGenerated - datetime(2025-10-25T17:01:06.116Z)) asc',
].join('\n');

describe('enrichment fetches the raw events of a Sentinel alert that carries none', () => {
  it('sends one guarded query and turns the rows into enrichment.sourceEvents citing the audited run', async () => {
    fake.answer({ status: 200, body: { tables: [unionTable(rows)] } });
    const { enrich, audit } = setUp();
    const enrichment = await enrich();
    expect(fake.received).toHaveLength(1);
    const sent = fake.received[0]!;
    expect(sent.path).toBe(`/v1/workspaces/${WORKSPACE}/query`);
    expect(sent.body.query).toBe(`${EXPECTED_QUERY}\n| take 10000`);
    expect(sent.body.timespan).toBe('P30D');
    expect(sent.authorization).toBe(`Bearer ${TOKEN}`);

    const [record] = (await audit.list({ limit: 10 })).items as KqlAuditRecord[];
    expect(record).toMatchObject({ caller: 'soc-enrichment', purpose: 'fetch the raw events of alert alt-inc-7', correlationId: 'c-inc-7', status: 'succeeded', rowCount: 2, verdict: 'allow' });
    expect(enrichment.missing).toEqual([]);
    expect(enrichment.sourceEvents).toHaveLength(2);
    const [security, sysmon] = enrichment.sourceEvents!;
    expect(security).toMatchObject({
      fetchedBy: record!.id,
      pointer: '/tables/0/rows/0',
      loggedAt: '2025-10-25T17:01:06.116Z',
      logsources: [{ product: 'windows', category: 'process_creation', service: 'security' }, { product: 'windows', service: 'security' }],
      fields: { Image: 'C:\\Windows\\System32\\certutil.exe', EventID: 4688, Computer: 'ar-win-dc.attackrange.local' },
    });
    expect(sysmon?.logsources[0]).toEqual({ product: 'windows', category: 'process_creation', service: 'sysmon' });
    expect(sysmon).toMatchObject({ fetchedBy: record!.id, pointer: '/tables/0/rows/1', fields: { ParentImage: 'C:\\Windows\\System32\\cmd.exe', EventID: 1 } });
    expect(security!.evidence).toBeUndefined();
  });

  it('does not query for an alert that carries its own event, from another source, or naming no host', async () => {
    const { enrich } = setUp();
    const own = { logsources: [{ product: 'windows', category: 'process_creation' }], fields: { Image: 'C:\\x.exe' } };
    for (const over of [{ sourceEvents: [own] }, { source: { name: 'splunk' as const, vendorAlertId: 'n-1' } }, { entities: [] }]) {
      const enrichment = await enrich(sentinelIncident(over));
      expect(enrichment.sourceEvents).toBeUndefined();
      expect(enrichment.missing).toEqual([]);
    }
    expect(fake.received).toEqual([]);
  });

  it('reports a refused, throttled or unreadable answer as missing, never as an error', async () => {
    const { enrich } = setUp();
    fake.answer({ status: 403, body: { error: { code: 'InsufficientAccessError', message: 'The provided credentials have insufficient access' } } });
    expect(await enrich()).toMatchObject({ missing: [{ source: 'log-analytics-events', reason: expect.stringMatching(/^fetching the alert's events \(kqa-\d+\) failed: FORBIDDEN /u) }] });
    fake.answer({ status: 429, headers: { 'retry-after': '5' }, body: { error: { code: 'ThrottledError', message: 'throttled' } } });
    expect((await enrich()).missing[0]?.reason).toMatch(/failed: RATE_LIMITED \(retryable\)/u);
    fake.answer({ status: 200, body: { tables: [unionTable([{ Type: 'Event', EventID: 1, Computer: 'ar-win-dc', TimeGenerated: '2025-10-25T17:01:00Z' }, rows[0]!])] } });
    const half = await enrich();
    expect(half.sourceEvents).toHaveLength(1);
    expect(half.missing).toEqual([{ source: 'log-analytics-events', reason: expect.stringMatching(/^1 row\(s\) fetched by kqa-\d+ are not Windows events Sigma can read$/u) }]);
  });

  it('reports a query the guard denies, a run without a workspace and a fetch past its timeout as missing', async () => {
    const denied = await setUp({ policy: KqlPolicy.parse({ tables: ['SecurityAlert'] }) }).enrich();
    expect(denied.missing[0]?.reason).toMatch(/^fetching the alert's events \(kqa-\d+\) was denied by the KQL guard: /u);
    const notRun = await setUp({ validateOnly: true }).enrich();
    expect(notRun.missing[0]?.reason).toMatch(/was not run: /u);
    expect(fake.received).toEqual([]);

    // A server that accepts the connection and never answers.
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const slow = await setUp({ endpoint: `https://127.0.0.1:${(silent.address() as AddressInfo).port}`, timeoutMs: 300 }).enrich();
      expect(slow.sourceEvents).toBeUndefined();
      expect(slow.missing).toEqual([{ source: 'log-analytics-events', reason: expect.stringMatching(/(no answer within 300 ms|failed: )/u) }]);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
