import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '@soc/contracts';
import { API_TOKEN, bearer, hmacHeaders, post, startIngestion, until } from './support/ingestion-system.ts';

const alert = (id: string, extra: object = {}) => ({ id, title: `Suspicious sign-in ${id}`, severity: 'low', ...extra });
const TOKENS = {
  siemA: 'siem-a-token-0123456789abcdef',
  siemB: 'siem-b-token-0123456789abcdef',
  // Two live tokens of one sender while it rotates: the old one and the new one.
  rotatingOld: 'rotating-old-0123456789abcdef',
  rotatingNew: 'rotating-new-0123456789abcdef',
};
const HMAC_SECRET = 'hmac-secret-0123456789abcdef-0123456789';

describe('alert identity is per sender: tenant + source + sender principal name + vendor id', () => {
  let sys: Awaited<ReturnType<typeof startIngestion>>;
  let url: string;
  let jwtFor: (oid: string) => Promise<string>;
  const alertsOf = (alertId: string) => sys.received.filter((e) => e.subject === alertId).map((e) => (e.data as { alert: Alert }).alert);

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwksFile = join(process.env.TMPDIR ?? '/tmp', `jwks-identity-${process.pid}-${Date.now()}.json`);
    writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }] }));
    const issuer = 'https://sts.windows.net/00000000-0000-0000-0000-00000000000a/';
    const audience = 'api://soc-copilot';
    jwtFor = (oid) => new SignJWT({ oid }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(issuer).setAudience(audience).setIssuedAt().setExpirationTime('10m').sign(privateKey);
    sys = await startIngestion(
      {},
      {
        credentials: [
          { kind: 'bearer', name: 'siem-a', token: { value: TOKENS.siemA } },
          { kind: 'bearer', name: 'siem-b', token: { value: TOKENS.siemB } },
          { kind: 'bearer', name: 'siem-rotating', token: { value: TOKENS.rotatingOld } },
          { kind: 'bearer', name: 'siem-rotating', token: { value: TOKENS.rotatingNew } },
          { kind: 'hmac', name: 'wazuh', secret: { value: HMAC_SECRET } },
          { kind: 'hmac', name: 'wazuh', secret: { value: `${HMAC_SECRET}-next` } },
          { kind: 'entra', name: 'sentinel-playbooks', jwksFile, issuer, audience, allowedClients: ['logic-app-1', 'logic-app-2'] },
        ],
      },
    );
    url = `${sys.url}/api/v1/alerts/generic`;
  });
  afterAll(async () => sys.close());

  it('two senders with the same vendor id get two alerts, neither pre-empting the other', async () => {
    const a = await post(url, alert('INC-1', { severity: 'high' }), bearer(TOKENS.siemA));
    const b = await post(url, alert('INC-1'), bearer(TOKENS.siemB));
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(a.body.alertId).not.toBe(b.body.alertId);
    expect(a.body.correlationId).not.toBe(b.body.correlationId);
    await until(() => alertsOf(a.body.alertId).length === 1 && alertsOf(b.body.alertId).length === 1, 'both alerts');
    expect(alertsOf(a.body.alertId)[0]!.severity).toBe('high');
    expect(alertsOf(b.body.alertId)[0]!.severity).toBe('low');
  });

  it('the old and the new credential of one principal (a rotation) keep the alert id, and an exact re-send publishes nothing', async () => {
    const before = await post(url, alert('INC-2'), bearer(TOKENS.rotatingOld));
    const after = await post(url, alert('INC-2'), bearer(TOKENS.rotatingNew));
    expect(after.body).toEqual(before.body);
    await until(() => alertsOf(before.body.alertId).length === 1, 'the alert');
    await new Promise((r) => setTimeout(r, 50));
    expect(alertsOf(before.body.alertId)).toHaveLength(1);
  });

  it('HMAC keys of one name (a rotation) are one sender; Entra clients allowed by one credential are one sender', async () => {
    const body = JSON.stringify(alert('INC-3'));
    const signedBy = (secret: string) => post(url, body, hmacHeaders(secret, 'generic', body));
    const old = await signedBy(HMAC_SECRET);
    const next = await signedBy(`${HMAC_SECRET}-next`);
    expect([old.status, next.status]).toEqual([202, 202]);
    expect(next.body.alertId).toBe(old.body.alertId);
    expect(old.body.alertId).not.toBe((await post(url, alert('INC-3'), bearer(TOKENS.siemA))).body.alertId);
    const one = await post(url, alert('INC-4'), bearer(await jwtFor('logic-app-1')));
    const two = await post(url, alert('INC-4'), bearer(await jwtFor('logic-app-2')));
    expect(two.body.alertId).toBe(one.body.alertId);
    // The recorded sender still says which client it was.
    await until(() => alertsOf(one.body.alertId).length === 1, 'the alert');
    const received = sys.received.find((e) => e.subject === one.body.alertId)!;
    expect((received.data as { sender: string }).sender).toBe('sentinel-playbooks:logic-app-1');
  });

  it('a changed alert is a new revision of the same alert id; a bookkeeping-only change is not', async () => {
    const first = await post(url, alert('INC-5', { lastSeenAt: '2026-11-23T09:00:00Z' }), bearer(TOKENS.siemA));
    const touched = await post(url, alert('INC-5', { lastSeenAt: '2026-11-23T09:30:00Z', modifiedAt: '2026-11-23T09:31:00Z', labels: ['soc-copilot:triaged'] }), bearer(TOKENS.siemA));
    const raised = await post(url, alert('INC-5', { severity: 'critical', lastSeenAt: '2026-11-23T10:00:00Z' }), bearer(TOKENS.siemA));
    expect(touched.body).toEqual(first.body);
    expect(raised.body.alertId).toBe(first.body.alertId);
    expect(raised.body.correlationId).toBe(first.body.correlationId);
    expect(raised.body.revision).not.toBe(first.body.revision);
    await until(() => alertsOf(first.body.alertId).length === 2, 'both revisions');
    await new Promise((r) => setTimeout(r, 50));
    expect(alertsOf(first.body.alertId).map((a) => [a.severity, a.revision?.key])).toEqual([
      ['low', first.body.revision],
      ['critical', raised.body.revision],
    ]);
  });

  it('refuses one credential name for two different senders (another kind or other sources)', async () => {
    const bad = await startIngestion({}, { credentials: [
      { kind: 'bearer', name: 'siem', token: { value: TOKENS.siemA }, sources: ['splunk'] },
      { kind: 'bearer', name: 'siem', token: { value: TOKENS.siemB }, sources: ['splunk', 'generic'] },
    ] }).catch((error: unknown) => error);
    expect(String(bad)).toContain('credential name "siem" is used twice with a different kind or sources');
  });

  it('an API token is never a sender: senders only send, analysts never do', async () => {
    expect((await post(url, alert('INC-6'), bearer(API_TOKEN))).status).toBe(401);
  });

  it('refuses a sender credential that reuses an API token, and a retired acceptApiTokens: true', async () => {
    const reused = await startIngestion({}, { credentials: [{ kind: 'bearer', name: 'siem', token: { value: API_TOKEN } }] }).catch((error: unknown) => error);
    expect(String(reused)).toContain('Sender "siem" uses the same token as an API principal');
    expect(String(reused)).not.toContain(API_TOKEN);
    const retired = await startIngestion({}, { acceptApiTokens: true, credentials: [] }).catch((error: unknown) => error);
    expect(String(retired)).toContain('API tokens can no longer post alerts');
  });
});
