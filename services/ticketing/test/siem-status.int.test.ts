import { readFileSync } from 'node:fs';
import { type EventByType, type SocEvent, parseEvent } from '@soc/contracts';
import { MemoryStateStore } from '@soc/state';
import { isAppError } from '@soc/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { StateWriteBackLedger } from '../src/adapters/state-writeback-ledger.ts';
import { TicketingConfig } from '../src/config.ts';
import { siemWriteBackOf } from '../src/service.ts';
import { makeSiemWriteBackHandler } from '../src/siem-writeback.ts';
import { SiemStandIn } from './support/siem-stand-in.ts';

const SUB = '5f3c2e1a-7b9d-4c6e-8a2f-1d0b3e4c5a69';
const INCIDENT = 'aa06e9b4-5ae0-43c1-9492-37e564c77294';
const INCIDENT_PATH = `/subscriptions/${SUB}/resourceGroups/rg-soc-prod/providers/Microsoft.OperationalInsights/workspaces/law-soc-prod/providers/Microsoft.SecurityInsights/incidents/${INCIDENT}`;
const GRAPH_ALERT = 'da637578995287051192_756343937';
const TOKENS = { arm: 'arm-token-s3cret', graph: 'graph-token-s3cret' };
const STATUS_ON = {
  SIEM_WRITEBACK: 'on',
  SIEM_WRITEBACK_STATUS: 'on',
  SENTINEL_SUBSCRIPTION_ID: SUB,
  SENTINEL_RESOURCE_GROUP: 'rg-soc-prod',
  SENTINEL_WORKSPACE_NAME: 'law-soc-prod',
  SIEM_WRITEBACK_GRAPH: 'on',
};

type Disposed = EventByType<'soc.alert.dispositioned.v1'>;
let sequence = 0;
function disposition(source: string, vendor: Disposed['data']['vendor'], value: Disposed['data']['disposition'], at = '2026-11-23T11:00:00.000Z'): Disposed {
  const parsed = parseEvent(JSON.parse(readFileSync(new URL('../../../contracts/fixtures/soc.alert.dispositioned.v1.json', import.meta.url), 'utf8')));
  if (!parsed.ok || parsed.event.type !== 'soc.alert.dispositioned.v1') throw new Error('fixture');
  const e = parsed.event;
  const { vendor: _none, ...data } = e.data;
  return { ...e, id: `e0000000-0000-4000-8000-${String(++sequence).padStart(12, '0')}`, data: { ...data, rule: { ...data.rule, source }, disposition: value, at, ...(vendor ? { vendor } : {}) } };
}
const sentinel = (value: Disposed['data']['disposition'], at?: string) => disposition('sentinel', { alertId: INCIDENT_PATH }, value, at);
const graph = (value: Disposed['data']['disposition'], at?: string) =>
  disposition('defender', { alertId: GRAPH_ALERT, url: `https://security.microsoft.com/alerts/${GRAPH_ALERT}?tid=contoso` }, value, at);

describe('SIEM classification and status write-back on analysts\' dispositions (local ARM and Graph stand-ins)', () => {
  let standIn: SiemStandIn | undefined;
  const breakers: { shutdown(): void }[] = [];
  afterEach(async () => {
    await standIn?.close();
    standIn = undefined;
    for (const b of breakers.splice(0)) b.shutdown();
  });
  const credential = {
    getToken: async (scope: string | string[]) => ({
      token: String(scope) === 'https://management.azure.com/.default' ? TOKENS.arm : String(scope) === 'https://graph.microsoft.com/.default' ? TOKENS.graph : 'wrong',
    }),
  };

  async function setUp(env: Record<string, string> = STATUS_ON) {
    standIn = new SiemStandIn(TOKENS, [INCIDENT], [GRAPH_ALERT]);
    const baseUrl = await standIn.start();
    const state = new MemoryStateStore();
    const ledger = new StateWriteBackLedger(state, () => new Date('2026-11-23T11:00:00Z'));
    const deps = await siemWriteBackOf(TicketingConfig.parse(env), ledger, { credential, armBaseUrl: baseUrl, graphBaseUrl: baseUrl });
    breakers.push(...deps.breakers);
    return { standIn, state, handle: makeSiemWriteBackHandler(deps) };
  }

  async function deliver(handle: ReturnType<typeof makeSiemWriteBackHandler>, event: SocEvent): Promise<number> {
    for (let deliveryCount = 1; deliveryCount <= 10; deliveryCount++) {
      try {
        await handle(event, { subscription: 'ticketing-siem-writeback', deliveryCount, signal: new AbortController().signal });
        return deliveryCount - 1;
      } catch (error) {
        if (!isAppError(error) || !error.retryable) throw error;
      }
    }
    throw new Error('still failing after 10 deliveries');
  }

  it('Sentinel: a false positive GETs the incident and PUTs it Closed / FalsePositive / IncorrectAlertLogic with its etag, keeping its properties; twice → one PUT', async () => {
    const { standIn: s, handle } = await setUp();
    const event = sentinel('false-positive');
    const etag = s.incidents.get(INCIDENT)!.etag;
    await deliver(handle, event);
    expect(s.calls.map((c) => `${c.method} ${c.path}`)).toEqual([`GET ${INCIDENT_PATH}`, `PUT ${INCIDENT_PATH}`]);
    const [get, put] = s.calls;
    for (const call of [get!, put!]) {
      expect(call.query.get('api-version')).toBe('2024-03-01');
      expect(call.headers.authorization).toBe(`Bearer ${TOKENS.arm}`);
    }
    expect(put!.headers['if-match']).toBe(etag);
    expect(put!.headers['content-type']).toBe('application/json');
    const comment = `SOC Copilot disposition: false-positive by a.khan[@]contoso[.]com at 2026-11-23T11:00:00.000Z (SOC Copilot alert ${event.data.alertId}, correlation ${event.correlationid}). Status before closing: New.`;
    expect(JSON.parse(put!.body)).toEqual({
      etag,
      properties: {
        title: 'Suspicious PowerShell command line',
        description: 'Encoded PowerShell from a macro document.',
        severity: 'High',
        owner: { objectId: null, email: null, assignedTo: null, userPrincipalName: null },
        labels: [{ labelName: 'phishing', labelType: 'User' }],
        firstActivityTimeUtc: '2026-11-23T09:58:00Z',
        lastActivityTimeUtc: '2026-11-23T09:59:00Z',
        status: 'Closed',
        classification: 'FalsePositive',
        classificationReason: 'IncorrectAlertLogic',
        classificationComment: comment,
      },
    });
    expect(s.incidents.get(INCIDENT)!.properties).toMatchObject({ status: 'Closed', classification: 'FalsePositive', labels: [{ labelName: 'phishing', labelType: 'User' }], incidentNumber: 4711 });
    // Delivered twice: the incident is read, found closed so, and not written again.
    s.calls.length = 0;
    await deliver(handle, event);
    expect(s.calls.map((c) => c.method)).toEqual(['GET']);
    expect(s.incidentComments.get(INCIDENT)?.size).toBe(0);
  });

  it('Sentinel: an outage (503) is retried and closes once after recovery; a benign positive has its reason; a true positive writes nothing', async () => {
    const { standIn: s, handle } = await setUp();
    s.failures.push({ status: 503, headers: { 'retry-after': '4' } }, { status: 503 });
    expect(await deliver(handle, sentinel('benign-positive'))).toBe(2);
    expect(s.calls.filter((c) => c.method === 'PUT')).toHaveLength(1);
    expect(s.incidents.get(INCIDENT)!.properties).toMatchObject({ status: 'Closed', classification: 'BenignPositive', classificationReason: 'SuspiciousButExpected' });
    // A true positive on an incident we did not close (here: closed, then reopened by hand) writes nothing.
    s.incidents.get(INCIDENT)!.properties = { ...s.incidents.get(INCIDENT)!.properties, status: 'Active', classificationComment: 'reopened by the on-call' };
    s.calls.length = 0;
    await deliver(handle, sentinel('true-positive', '2026-11-23T12:00:00.000Z'));
    expect(s.calls.map((c) => c.method)).toEqual(['GET']);
  });

  it('Sentinel: a disposition changed to true positive reopens the incident we closed, with the status it had and no classification', async () => {
    const { standIn: s, handle } = await setUp();
    await deliver(handle, sentinel('false-positive'));
    const etag = s.incidents.get(INCIDENT)!.etag;
    s.calls.length = 0;
    await deliver(handle, sentinel('true-positive', '2026-11-23T12:00:00.000Z'));
    expect(s.calls.map((c) => `${c.method} ${c.path}`)).toEqual([`GET ${INCIDENT_PATH}`, `PUT ${INCIDENT_PATH}`]);
    expect(s.calls[1]!.headers['if-match']).toBe(etag);
    expect(JSON.parse(s.calls[1]!.body)).toEqual({
      etag,
      properties: {
        title: 'Suspicious PowerShell command line',
        description: 'Encoded PowerShell from a macro document.',
        severity: 'High',
        owner: { objectId: null, email: null, assignedTo: null, userPrincipalName: null },
        labels: [{ labelName: 'phishing', labelType: 'User' }],
        firstActivityTimeUtc: '2026-11-23T09:58:00Z',
        lastActivityTimeUtc: '2026-11-23T09:59:00Z',
        status: 'New',
      },
    });
    expect(s.incidents.get(INCIDENT)!.properties['classification']).toBeUndefined();
    // Delivered twice: read, found open, not written.
    s.calls.length = 0;
    await deliver(handle, sentinel('true-positive', '2026-11-23T12:00:00.000Z'));
    expect(s.calls.map((c) => c.method)).toEqual(['GET']);
  });

  it('Sentinel: an incident changed between our GET and PUT (412) is read again on the retry and keeps the change', async () => {
    const { standIn: s, handle } = await setUp();
    s.changeBeforeNextPut = true;
    expect(await deliver(handle, sentinel('false-positive'))).toBe(1);
    expect(s.calls.map((c) => c.method)).toEqual(['GET', 'PUT', 'GET', 'PUT']);
    expect(s.incidents.get(INCIDENT)!.properties).toMatchObject({ status: 'Closed', classification: 'FalsePositive', severity: 'Medium' });
  });

  it('Graph: a benign positive reads the status, adds a closing comment naming it and PATCHes status, classification and determination; twice → once; an outage → once after recovery', async () => {
    const { standIn: s, handle } = await setUp();
    s.failures.push({ status: 503, headers: { 'retry-after': '2' } });
    const event = graph('benign-positive');
    expect(await deliver(handle, event)).toBe(1);
    await deliver(handle, event);
    const path = `/v1.0/security/alerts_v2/${GRAPH_ALERT}`;
    expect(s.calls.map((c) => `${c.method} ${c.path}${c.query.size > 0 ? `?${c.query.toString()}` : ''}`)).toEqual([
      `GET ${path}?%24select=id%2Cstatus%2Ccomments`,
      `GET ${path}?%24select=id%2Cstatus%2Ccomments`,
      `POST ${path}/comments`,
      `PATCH ${path}`,
    ]);
    for (const call of s.calls) expect(call.headers.authorization).toBe(`Bearer ${TOKENS.graph}`);
    const closing = `SOC Copilot disposition: benign-positive by a.khan[@]contoso[.]com at 2026-11-23T11:00:00.000Z (SOC Copilot alert ${event.data.alertId}, correlation ${event.correlationid}). Status before closing: new.`;
    expect(JSON.parse(s.calls[2]!.body)).toEqual({ '@odata.type': 'microsoft.graph.security.alertComment', comment: closing });
    const patch = s.calls[3]!;
    expect(patch.headers['content-type']).toBe('application/json');
    expect(JSON.parse(patch.body)).toEqual({ status: 'resolved', classification: 'informationalExpectedActivity', determination: 'confirmedActivity' });
    expect(s.alerts.get(GRAPH_ALERT)).toEqual({ status: 'resolved', classification: 'informationalExpectedActivity', determination: 'confirmedActivity' });
    expect(s.alertComments.get(GRAPH_ALERT)).toEqual([closing]);

    // Changed to a true positive: classified so, and the alert we resolved gets back the status it had; no comment.
    s.calls.length = 0;
    await deliver(handle, graph('true-positive', '2026-11-23T12:00:00.000Z'));
    expect(s.calls.map((c) => `${c.method} ${c.body}`)).toEqual(['GET ', `PATCH ${JSON.stringify({ status: 'new', classification: 'truePositive', determination: 'other' })}`]);
    expect(s.alerts.get(GRAPH_ALERT)).toEqual({ status: 'new', classification: 'truePositive', determination: 'other' });
  });

  it('Graph: a disposition delivered twice at once → one read, one closing comment, one PATCH (the other delivery meets the claim and retries)', async () => {
    const { standIn: s, handle } = await setUp();
    const event = graph('false-positive');
    let conflicts = 0;
    const deliverPatiently = async (): Promise<void> => {
      for (let deliveryCount = 1; ; deliveryCount++) {
        try {
          await handle(event, { subscription: 'ticketing-siem-writeback', deliveryCount, signal: new AbortController().signal });
          return;
        } catch (error) {
          if (!isAppError(error) || error.code !== 'CONFLICT' || !error.retryable || deliveryCount >= 50) throw error;
          conflicts++;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    };
    await Promise.all([deliverPatiently(), deliverPatiently()]);
    expect(conflicts).toBeGreaterThan(0);
    expect(s.calls.map((c) => c.method)).toEqual(['GET', 'POST', 'PATCH']);
    expect(s.alertComments.get(GRAPH_ALERT)).toHaveLength(1);
  });

  it('Graph: a PATCH the write-back ledger recorded in its first shape ({ key, at } under the raw key) is not sent again', async () => {
    const { standIn: s, state, handle } = await setUp();
    const event = graph('false-positive');
    const key = `graph-status:${event.data.alertId}:false-positive:${event.data.at}`;
    await state.put('siem-writebacks', key, { key, at: '2026-11-23T11:00:01.000Z' });
    await deliver(handle, event);
    expect(s.calls).toEqual([]);
  });

  it('Graph: a true positive on an alert we did not resolve is classified only, its status left as it is', async () => {
    const { standIn: s, handle } = await setUp();
    s.alerts.set(GRAPH_ALERT, { status: 'inProgress', classification: null, determination: null });
    await deliver(handle, graph('true-positive'));
    expect(s.calls.map((c) => `${c.method} ${c.body}`)).toEqual(['GET ', `PATCH ${JSON.stringify({ classification: 'truePositive', determination: 'other' })}`]);
    expect(s.alerts.get(GRAPH_ALERT)).toEqual({ status: 'inProgress', classification: 'truePositive', determination: 'other' });
  });

  it('Graph: a closing comment an earlier attempt posted (its PATCH failed) is not posted twice', async () => {
    const { standIn: s, handle } = await setUp();
    const event = graph('false-positive');
    const closing = `SOC Copilot disposition: false-positive by a.khan[@]contoso[.]com at 2026-11-23T11:00:00.000Z (SOC Copilot alert ${event.data.alertId}, correlation ${event.correlationid}). Status before closing: new.`;
    s.alertComments.get(GRAPH_ALERT)!.push(closing);
    await deliver(handle, event);
    expect(s.calls.map((c) => c.method)).toEqual(['GET', 'PATCH']);
    expect(JSON.parse(s.calls[1]!.body)).toEqual({ status: 'resolved', classification: 'falsePositive', determination: 'notMalicious' });
    expect(s.alertComments.get(GRAPH_ALERT)).toEqual([closing]);
  });

  it('off by default (comments only), and nothing for a disposition that names no vendor id or another workspace', async () => {
    const off = await setUp({ ...STATUS_ON, SIEM_WRITEBACK_STATUS: 'off' });
    await deliver(off.handle, sentinel('false-positive'));
    await deliver(off.handle, graph('false-positive'));
    expect(off.standIn.calls).toEqual([]);
    await off.standIn.close();

    const { standIn: s, handle } = await setUp();
    await deliver(handle, disposition('sentinel', undefined, 'false-positive'));
    await deliver(handle, disposition('sentinel', { alertId: INCIDENT_PATH.replace('law-soc-prod', 'law-attacker') }, 'false-positive'));
    await deliver(handle, disposition('defender', { alertId: GRAPH_ALERT, url: `https://evil.example.com/alerts/${GRAPH_ALERT}` }, 'false-positive'));
    expect(s.calls).toEqual([]);
  });

  it('SIEM_WRITEBACK_STATUS=on needs SIEM_WRITEBACK=on', () => {
    expect(TicketingConfig.parse({}).SIEM_WRITEBACK_STATUS).toBe('off');
    expect(TicketingConfig.safeParse({ SIEM_WRITEBACK_STATUS: 'on' }).error?.issues.map((i) => i.path[0])).toEqual(['SIEM_WRITEBACK_STATUS']);
    expect(TicketingConfig.safeParse(STATUS_ON).success).toBe(true);
  });
});
