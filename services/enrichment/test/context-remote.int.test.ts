import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AlertReceivedV1, type Alert, type Fact, createEvent } from '@soc/contracts';
import type { DeliveryInfo } from '@soc/bus';
import { DEFAULT_VOLUME_THRESHOLD, manualClock } from '@soc/runtime';
import { MemoryStateStore } from '@soc/state';
import { StateAlertHistory } from '../src/adapters/state-alert-history.ts';
import { EnrichmentConfig } from '../src/config.ts';
import { openContextSources } from '../src/context-sources.ts';
import { GraphUserDirectory, ServiceNowAssetDirectory, hostKey, lookUpContext, upnKey } from '../src/context/index.ts';
import { makeEnrichmentHandler } from '../src/handler.ts';

// A local stand-in for a ServiceNow instance (Table API) and for Microsoft Graph v1.0, answering with the documented
// response shapes (test/fixtures/enrichment/context/README.md names the doc pages).
const FIXTURES = new URL('../../../test/fixtures/enrichment/context/', import.meta.url).pathname;
const DATA = new URL('../data/', import.meta.url).pathname;
const fixture = (name: string): string => readFileSync(`${FIXTURES}${name}`, 'utf8');
const ADELE = '87d349ed-44d7-43e1-9a83-5f2406dee5bd';
const TOKEN = 'graph-test-token';
const BASIC = `Basic ${Buffer.from('soc-integration:s3cret-pass').toString('base64')}`;

const requests: { url: string; host: string | undefined; authorization: string | undefined }[] = [];
let servicenowStatus = 200;
let memberOfNextLink: string | undefined;

function serve(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '';
  requests.push({ url, host: req.headers.host, authorization: req.headers.authorization });
  const json = (status: number, body: string): void =>
    void res.writeHead(status, { 'content-type': 'application/json' }).end(body);
  const path = url.split('?')[0] ?? '';
  if (path === '/api/now/table/cmdb_ci_computer') {
    if (req.headers.authorization !== BASIC && req.headers.authorization !== 'Bearer sn-token')
      return json(401, '{"error":{"message":"User Not Authenticated"},"status":"failure"}');
    if (servicenowStatus !== 200) return json(servicenowStatus, '{"error":{"message":"Service Unavailable"}}');
    return json(200, fixture('servicenow-cmdb_ci_computer.json'));
  }
  if (path.startsWith('/v1.0/')) {
    if (req.headers.authorization !== `Bearer ${TOKEN}`)
      return json(401, '{"error":{"code":"InvalidAuthenticationToken"}}');
    if (path === '/v1.0/users/adelev%40contoso.com' || path === `/v1.0/users/${ADELE}`)
      return json(200, fixture('graph-user-adelev.json'));
    if (path === `/v1.0/users/${ADELE}/memberOf`) {
      const body = JSON.parse(fixture('graph-memberof-adelev.json')) as Record<string, unknown>;
      if (memberOfNextLink !== undefined) body['@odata.nextLink'] = memberOfNextLink;
      return json(200, JSON.stringify(body));
    }
    if (path === `/v1.0/identityProtection/riskyUsers/${ADELE}`) return json(200, fixture('graph-riskyuser.json'));
    return json(404, '{"error":{"code":"Request_ResourceNotFound","message":"Resource does not exist."}}');
  }
  json(404, '{}');
}

const server = createServer(serve);
let base = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  requests.length = 0;
  servicenowStatus = 200;
  memberOfNextLink = undefined;
});

const clock = manualClock('2026-11-23T10:00:00Z');
const tokens = { getToken: () => Promise.resolve(TOKEN) };
const alertWith = (entities: Alert['entities']): Alert => ({
  schemaVersion: 1,
  alertId: 'alt-remote',
  tenantId: 'contoso',
  source: { name: 'sentinel', vendorAlertId: 'v-remote' },
  title: 'Detected suspicious credentials in commandline',
  description: '',
  severity: 'high',
  status: 'new',
  detectedAt: '2026-11-23T09:59:00.000Z',
  attack: [],
  entities,
  labels: [],
});
const host = (value: string): Alert['entities'][number] => ({
  id: `host:${value}`,
  type: 'host',
  value,
  origin: 'source',
});
const user = (value: string, extra: { upn?: string; objectId?: string } = {}): Alert['entities'][number] => ({
  id: `user:${value}`,
  type: 'user',
  value,
  ...extra,
  origin: 'source',
});

describe('ServiceNowAssetDirectory against a local Table API', () => {
  it('asks cmdb_ci_computer with an encoded query and basic auth, and maps criticality, owner, location and tags', async () => {
    const sn = new ServiceNowAssetDirectory({
      instanceUrl: base,
      auth: { kind: 'basic', user: 'soc-integration', password: 's3cret-pass' },
      clock,
    });
    const { facts, missing } = await lookUpContext(
      alertWith([
        host('msticalertswin1'),
        { id: 'ip:10.0.2.11', type: 'ip', value: '10.0.2.11', isInternal: true, origin: 'source' },
      ]),
      { assets: [sn] },
    );
    expect(missing).toEqual([]);
    expect(requests).toHaveLength(1);
    const url = new URL(requests[0]!.url, base);
    expect(url.pathname).toBe('/api/now/table/cmdb_ci_computer');
    expect(url.searchParams.get('sysparm_query')).toBe(
      'name=msticalertswin1^ORfqdn=msticalertswin1^ORip_address=10.0.2.11',
    );
    expect(url.searchParams.get('sysparm_fields')).toBe(
      'sys_id,name,fqdn,ip_address,busines_criticality,u_criticality,owned_by,assigned_to,location,sys_class_name,u_soc_tags',
    );
    expect(url.searchParams.get('sysparm_limit')).toBe('10');
    expect(requests[0]!.authorization).toBe(BASIC);
    expect(facts.map((f) => [f.entityId, f.attributes['criticality'], f.attributes['owner']])).toEqual([
      ['host:msticalertswin1', 'critical', 'Beth Anglin'],
      ['ip:10.0.2.11', 'low', 'Fred Luddy'],
    ]);
    expect(facts[0]?.attributes).toMatchObject({
      tags: 'domain controller, never auto-isolate',
      location: '2-10-1 Yurakucho, Chiyoda-ku, Tokyo',
      reference: `${base}/nav_to.do?uri=cmdb_ci_computer.do%3Fsys_id%3D3a5dd3dbc0a8ce0100655f1ec66ed42c`,
    });
  });

  it('SSRF and query injection: hostile entity values never reach the query, host or path', async () => {
    const sn = new ServiceNowAssetDirectory({ instanceUrl: base, auth: { kind: 'bearer', token: 'sn-token' }, clock });
    const hostile = [
      'vm1^ORsys_id!=0',
      'http://169.254.169.254/latest',
      '../../api/now/table/sys_user',
      'vm1,evil',
      'vm1',
    ];
    await lookUpContext(alertWith(hostile.map(host)), { assets: [sn] });
    // A forged key (not from assetKeysOf) is re-validated by the adapter too.
    await sn.lookup([{ type: 'host', value: 'x^NQsys_id!=0', key: 'host:x^NQsys_id!=0' }, hostKey('vm1')!]);
    expect(requests).toHaveLength(2);
    for (const r of requests) {
      const url = new URL(r.url, base);
      expect(url.pathname).toBe('/api/now/table/cmdb_ci_computer');
      expect(r.host).toBe(new URL(base).host);
      expect(url.searchParams.get('sysparm_query')).toBe('name=vm1^ORfqdn=vm1');
      expect(r.authorization).toBe('Bearer sn-token');
    }
  });

  it('a refused credential is an error naming the status, never the secret', async () => {
    const sn = new ServiceNowAssetDirectory({
      instanceUrl: base,
      auth: { kind: 'basic', user: 'soc-integration', password: 'wrong-pass' },
      clock,
    });
    const { missing } = await lookUpContext(alertWith([host('vm1')]), { assets: [sn] });
    expect(missing).toEqual([
      {
        source: 'servicenow',
        reason: 'ServiceNow CMDB lookup was refused (401); check the credentials and permissions',
      },
    ]);
    expect(JSON.stringify(missing)).not.toContain('wrong-pass');
  });
});

describe('GraphUserDirectory against a local Microsoft Graph', () => {
  it('reads department, role, manager, privileged directory roles and Identity Protection risk, with one answer for UPN and object id', async () => {
    const graph = new GraphUserDirectory({ tokens, clock, baseUrl: base });
    const { facts, missing } = await lookUpContext(
      alertWith([user('adelev@contoso.com', { upn: 'AdeleV@contoso.com', objectId: ADELE })]),
      { users: [graph] },
    );
    expect(missing).toEqual([]);
    expect(requests.map((r) => r.url)).toEqual([
      '/v1.0/users/adelev%40contoso.com?$select=id,userPrincipalName,displayName,department,jobTitle,accountEnabled,onPremisesSamAccountName&$expand=manager($select=displayName,userPrincipalName)',
      `/v1.0/users/${ADELE}/memberOf`,
      `/v1.0/identityProtection/riskyUsers/${ADELE}`,
    ]);
    expect(requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(facts).toHaveLength(1);
    expect(facts[0]).toMatchObject({
      kind: 'user',
      entityId: 'user:adelev@contoso.com',
      source: 'graph',
      attributes: {
        upn: 'adelev@contoso.com',
        objectId: ADELE,
        department: 'Retail',
        role: 'Retail Manager',
        manager: 'PattiF@contoso.com',
        privileged: true,
        privilegedGroups: 'Global Administrator',
        riskLevel: 'high',
        riskState: 'atRisk',
      },
    });
  });

  it('an unknown user yields no fact, and no risky-user record means risk level none', async () => {
    const graph = new GraphUserDirectory({ tokens, clock, baseUrl: base });
    expect(await graph.lookup([upnKey('nobody@contoso.com')!])).toEqual([]);
    expect(requests).toHaveLength(1);
  });

  it('SSRF: a user value is one encoded path segment under /v1.0/users/, and next links leave the configured origin never', async () => {
    const graph = new GraphUserDirectory({ tokens, clock, baseUrl: base });
    memberOfNextLink = 'http://169.254.169.254/v1.0/users/x/memberOf?$skiptoken=1';
    await lookUpContext(
      alertWith([
        user('a@b.com/../../identityProtection/riskyUsers'),
        user('evil@169.254.169.254'),
        user('x', { upn: '../../me@x.com' }),
        user('adelev@contoso.com'),
      ]),
      { users: [graph] },
    );
    for (const r of requests) expect(r.host).toBe(new URL(base).host);
    expect(requests.map((r) => r.url.split('?')[0])).toEqual([
      '/v1.0/users/evil%40169.254.169.254',
      '/v1.0/users/adelev%40contoso.com',
      `/v1.0/users/${ADELE}/memberOf`,
      `/v1.0/identityProtection/riskyUsers/${ADELE}`,
    ]);
  });
});

describe('outages of the remote sources, wired from configuration', () => {
  const delivery: DeliveryInfo = { subscription: 'enrichment', deliveryCount: 1, signal: new AbortController().signal };
  const received = (alert: Alert) =>
    createEvent(
      AlertReceivedV1,
      { alert, receivedAt: '2026-11-23T09:59:01.000Z', receivedVia: 'http', sender: 't', priority: 'normal' },
      {
        id: 'r-remote',
        source: '/soc/ingestion',
        time: new Date('2026-11-23T09:59:01Z'),
        correlationid: 'c-remote',
        tenantid: 'contoso',
      },
    );

  it('ServiceNow answering 503 and Graph unreachable: the alert is enriched from the files, both listed as missing', async () => {
    servicenowStatus = 503;
    const config = EnrichmentConfig.parse({
      ASSET_INVENTORY_FILES: `${DATA}assets.sample.csv`,
      USER_DIRECTORY_FILES: `${DATA}users.sample.csv`,
      ALLOWLIST_FILES: `${DATA}allowlist.sample.json`,
      SERVICENOW_INSTANCE_URL: base,
      SERVICENOW_TOKEN: 'sn-token',
      GRAPH_ENABLED: 'true',
      // Nothing listens on port 9 (discard) here: connection refused.
      GRAPH_BASE_URL: 'http://127.0.0.1:9',
    });
    const logged: object[] = [];
    const context = await openContextSources(config, {
      clock,
      log: { info: (obj) => void logged.push(obj) },
      graphTokens: tokens,
    });
    try {
      const handle = makeEnrichmentHandler({
        history: new StateAlertHistory(new MemoryStateStore(), { retentionDays: 30 }),
        context: context.sources,
        clock,
      });
      const alert = alertWith([
        host('msticalertswin1'),
        user('msticalertswin1\\msticadmin', { upn: 'msticadmin@contoso.com' }),
      ]);
      const { emit } = await handle(received(alert), delivery);
      const { enrichment } = emit[0]!.data as {
        enrichment: { facts: Fact[]; missing: { source: string; reason: string }[] };
      };
      expect(enrichment.missing.map((m) => m.source).sort()).toEqual(['graph', 'servicenow']);
      expect(enrichment.missing.find((m) => m.source === 'servicenow')?.reason).toBe('ServiceNow CMDB lookup answered 503');
      expect(enrichment.missing.find((m) => m.source === 'graph')?.reason).toBe('Microsoft Graph user lookup failed to connect: fetch failed');
      expect(enrichment.facts.map((f) => [f.kind, f.source])).toEqual([
        ['asset', 'assets:assets.sample.csv'],
        ['user', 'users:users.sample.csv'],
      ]);
      // One failure does not open a breaker; the minimum volume of failures does, and its last failure says so.
      const more: Awaited<ReturnType<typeof handle>>[] = [];
      for (let n = 2; n <= DEFAULT_VOLUME_THRESHOLD; n++) more.push(await handle(received({ ...alert, alertId: `alt-remote-${n}` }), delivery));
      const last = (more.at(-1)!.emit[0]!.data as { enrichment: { missing: { source: string; reason: string }[] } }).enrichment;
      expect(last.missing.find((m) => m.source === 'servicenow')?.reason).toBe(
        'servicenow is unavailable; the circuit breaker failed fast: ServiceNow CMDB lookup answered 503',
      );
      expect(last.missing.find((m) => m.source === 'graph')?.reason).toBe(
        'graph is unavailable; the circuit breaker failed fast: Microsoft Graph user lookup failed to connect',
      );
      // The breaker has opened: the next alert fails fast without asking ServiceNow, and is still enriched.
      const before = requests.length;
      const again = await handle(received({ ...alert, alertId: 'alt-remote-next' }), delivery);
      const next = (again.emit[0]!.data as { enrichment: { missing: { source: string; reason: string }[] } })
        .enrichment;
      expect(next.missing.find((m) => m.source === 'servicenow')?.reason).toBe(
        'servicenow is unavailable; the circuit breaker failed fast',
      );
      expect(requests.length).toBe(before);
      expect(logged.map((l) => Object.keys(l)[0])).toEqual(['inventories', 'directories', 'allowlists']);
    } finally {
      context.close();
    }
  });

  it('refuses a ServiceNow URL without credentials, or with both kinds', () => {
    expect(EnrichmentConfig.safeParse({ SERVICENOW_INSTANCE_URL: 'https://contoso.service-now.com' }).success).toBe(
      false,
    );
    expect(
      EnrichmentConfig.safeParse({
        SERVICENOW_INSTANCE_URL: 'https://contoso.service-now.com',
        SERVICENOW_USER: 'u',
        SERVICENOW_PASSWORD: 'p',
        SERVICENOW_TOKEN: 't',
      }).success,
    ).toBe(false);
    expect(EnrichmentConfig.parse({}).GRAPH_ENABLED).toBe(false);
    expect(EnrichmentConfig.parse({ GRAPH_ENABLED: 'false' }).GRAPH_ENABLED).toBe(false);
  });
});
