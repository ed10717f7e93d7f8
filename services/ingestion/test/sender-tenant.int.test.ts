import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SocEvent } from '@soc/contracts';
import { eventHubsHandlers } from '../src/adapters/event-hubs/index.ts';
import { EventHubsConfig, eventHubsSettings } from '../src/adapters/event-hubs/config.ts';
import { FakeIngestor, FakePartition, hubEvent } from '../src/adapters/event-hubs/testing.ts';
import { loadIngestAuth } from '../src/http/credentials.ts';
import { API_TOKEN, bearer, hmacHeaders, post, startIngestion, until } from './support/ingestion-system.ts';

/**
 * MSSP mode (issue 15, point 4): an alert's tenant is its sender's. Each ingestion credential may name its
 * `tenantId` (default SOC_TENANT_ID), an Event Hubs stream its EVENTHUB_TENANT_ID; what the payload says about a
 * tenant changes nothing, and tenant ids are checked at start-up.
 */
const CONTOSO_TOKEN = 'contoso-sender-token-0123456789';
const DEFAULT_TOKEN = 'default-sender-token-0123456789';
const FABRIKAM_SECRET = 'fabrikam-hmac-secret-0123456789abcdef-01';
/** An admin of contoso only; `ops` (API_TOKEN, admin, not in SOC_API_TENANTS) serves SOC_TENANT_ID (`mssp`). */
const CONTOSO_ADMIN_TOKEN = 'contoso-admin-token-0123456789';

describe('the tenant of an alert is its sender credential’s', () => {
  let sys: Awaited<ReturnType<typeof startIngestion>>;
  let northwindJwt: string;
  const url = (source: string) => `${sys.url}/api/v1/alerts/${source}`;
  const receivedFor = async (alertId: string): Promise<SocEvent> => {
    await until(() => sys.received.some((e) => e.subject === alertId), `the received event of ${alertId}`);
    return sys.received.find((e) => e.subject === alertId)!;
  };

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwksFile = join(process.env.TMPDIR ?? '/tmp', `jwks-tenant-${process.pid}-${Date.now()}.json`);
    writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }] }));
    const issuer = 'https://sts.windows.net/00000000-0000-0000-0000-00000000000b/';
    const audience = 'api://soc-copilot';
    northwindJwt = await new SignJWT({ oid: 'northwind-logic-app' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(issuer).setAudience(audience).setIssuedAt().setExpirationTime('10m').sign(privateKey);
    sys = await startIngestion({ SOC_TENANT_ID: 'mssp', SOC_API_TOKENS: `ops:${API_TOKEN},contoso-ops:${CONTOSO_ADMIN_TOKEN}`, SOC_API_ROLES: 'ops:admin,contoso-ops:admin', SOC_API_TENANTS: 'contoso-ops:contoso' }, {
      credentials: [
        { kind: 'bearer', name: 'contoso-siem', token: { value: CONTOSO_TOKEN }, tenantId: 'contoso' },
        { kind: 'bearer', name: 'own-siem', token: { value: DEFAULT_TOKEN } },
        { kind: 'hmac', name: 'fabrikam-wazuh', secret: { value: FABRIKAM_SECRET }, tenantId: 'fabrikam' },
        { kind: 'entra', name: 'northwind-sentinel', jwksFile, issuer, audience, allowedClients: ['northwind-logic-app'], tenantId: 'northwind' },
      ],
    });
  });
  afterAll(async () => sys.close());

  it('stamps each sender’s tenant (bearer, HMAC, Entra ID; SOC_TENANT_ID without one) on the alert and its event', async () => {
    const body = { id: 'same-vendor-id', title: 'Suspicious sign-in', severity: 'high' };
    const text = JSON.stringify(body);
    const sent = [
      await post(url('generic'), body, bearer(CONTOSO_TOKEN)),
      await post(url('generic'), text, hmacHeaders(FABRIKAM_SECRET, 'generic', text)),
      await post(url('generic'), body, bearer(northwindJwt)),
      await post(url('generic'), body, bearer(DEFAULT_TOKEN)),
    ];
    expect(sent.map((s) => s.status)).toEqual([202, 202, 202, 202]);
    const events = await Promise.all(sent.map((s) => receivedFor(s.body.alertId as string)));
    expect(events.map((e) => e.tenantid)).toEqual(['contoso', 'fabrikam', 'northwind', 'mssp']);
    expect(events.map((e) => (e.data as { alert: { tenantId: string } }).alert.tenantId)).toEqual(['contoso', 'fabrikam', 'northwind', 'mssp']);
    // The same vendor id from senders of four tenants: four alerts.
    expect(new Set(sent.map((s) => s.body.alertId)).size).toBe(4);
  });

  it('ignores what the payload says about a tenant (a Defender record’s tenantId, a label)', async () => {
    const claimed = { id: 'claims-another-tenant', title: 'Claims fabrikam', severity: 'low', labels: ['tenantId:fabrikam', 'tenant=fabrikam'] };
    const sent = await post(url('generic'), claimed, bearer(CONTOSO_TOKEN));
    expect(sent.status).toBe(202);
    expect((await receivedFor(sent.body.alertId as string)).tenantid).toBe('contoso');
  });

  it('keeps the sender’s tenant on a quarantined body: its replay belongs to the same tenant, and only that tenant’s admins see it', async () => {
    const sent = await post(url('generic'), { id: 'bad', title: 'no severity' }, bearer(CONTOSO_TOKEN));
    expect(sent.status).toBe(400);
    const id = sent.body.quarantineId as string;
    const entry = await sys.platform.state.get<{ tenantId?: string }>('ingest-quarantine', id);
    expect(entry?.value.tenantId).toBe('contoso');
    // Only an admin of contoso sees and replays it; another tenant's admin gets the 404 of an unknown entry.
    const get = (token: string, path: string) => fetch(`${sys.url}${path}`, { headers: bearer(token) }).then(async (r) => ({ status: r.status, body: (await r.json()) as { items?: { id: string; tenantId?: string }[] } }));
    expect((await get(CONTOSO_ADMIN_TOKEN, `/api/v1/quarantine/${id}`)).status).toBe(200);
    expect((await get(CONTOSO_ADMIN_TOKEN, '/api/v1/quarantine')).body.items?.find((e) => e.id === id)?.tenantId).toBe('contoso');
    expect((await get(API_TOKEN, `/api/v1/quarantine/${id}`)).status).toBe(404);
    expect((await get(API_TOKEN, '/api/v1/quarantine')).body.items?.map((e) => e.id)).not.toContain(id);
    expect((await post(`${sys.url}/api/v1/quarantine/${id}/replay`, '', bearer(API_TOKEN))).status).toBe(404);
    expect((await post(`${sys.url}/api/v1/quarantine/replay`, '', bearer(API_TOKEN))).body.items).toEqual([]);
    expect((await post(`${sys.url}/api/v1/quarantine/${id}/replay`, '', bearer(CONTOSO_ADMIN_TOKEN))).status).toBe(422);
  });
});

describe('tenant configuration of senders', () => {
  it.each(['', 'Contoso Ltd', 'a'.repeat(65), '*', 'contoso|fabrikam', '-leading-dash'])('refuses tenantId %j in INGEST_AUTH_FILE at start-up', (tenantId) => {
    const file = join(process.env.TMPDIR ?? '/tmp', `auth-tenant-${process.pid}-${Date.now()}.json`);
    writeFileSync(file, JSON.stringify({ credentials: [{ kind: 'bearer', name: 'siem', token: { value: CONTOSO_TOKEN }, tenantId }] }));
    expect(() => loadIngestAuth(file)).toThrow(/tenantId: a tenant id is/);
  });

  it('refuses one credential name rotating into another tenant (two senders would share alert ids)', () => {
    const file = join(process.env.TMPDIR ?? '/tmp', `auth-rotate-${process.pid}-${Date.now()}.json`);
    writeFileSync(file, JSON.stringify({ credentials: [
      { kind: 'bearer', name: 'siem', token: { value: CONTOSO_TOKEN }, tenantId: 'contoso' },
      { kind: 'bearer', name: 'siem', token: { value: DEFAULT_TOKEN }, tenantId: 'fabrikam' },
    ] }));
    expect(() => loadIngestAuth(file)).toThrow(/credential name "siem" is used twice/);
  });

  it('gives every record of an Event Hubs stream the stream’s tenant (EVENTHUB_TENANT_ID), whatever the record says', async () => {
    const env = { EVENTHUB_NAMESPACE: 'ns.servicebus.windows.net', EVENTHUB_NAME: 'contoso-alerts', EVENTHUB_CHECKPOINT_BLOB_URL: 'https://acct.blob.core.windows.net/cp', EVENTHUB_TENANT_ID: 'contoso' };
    expect(eventHubsSettings(EventHubsConfig.parse(env))?.tenantId).toBe('contoso');
    expect(EventHubsConfig.safeParse({ ...env, EVENTHUB_TENANT_ID: 'contoso|fabrikam' }).success).toBe(false);
    const ingestor = new FakeIngestor();
    const handlers = eventHubsHandlers({ ingestor, tenantId: 'contoso', checkpoint: { intervalMs: 10_000, maxEvents: 1_000 } });
    const partition = new FakePartition('0', 'contoso-alerts');
    await handlers.processInitialize(partition);
    const record = { Type: 'SecurityAlert', TenantId: 'fabrikam', SystemAlertId: 'x1', AlertName: 'a', Severity: 'High', TimeGenerated: '2026-01-01T00:00:00Z' };
    await handlers.processEvents([hubEvent(1, { records: [record] }), hubEvent(2, 'not json {')], partition);
    expect(ingestor.ingested.map((r) => r.tenantId)).toEqual(['contoso']);
    expect(ingestor.quarantined.map((q) => q.tenantId)).toEqual(['contoso']);
  });
});
