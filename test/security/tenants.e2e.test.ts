import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, ANALYST_TOKEN, APPROVER_TOKEN, SECOND_APPROVER_TOKEN, VIEWER_TOKEN, client, decidedCase, eventually, startSystem } from './support.ts';

/**
 * Issue 15, point 4 (MSSP mode), through the running system: an alert's tenant is its sender's credential's, never
 * the payload's; a principal sees and acts on its tenants' cases only, and another tenant's case, group or
 * containment request answers 404 exactly like one that does not exist.
 *
 * Principals (support.ts) and their tenants here: ana (analyst) and alice (approver) serve contoso, bob (approver)
 * serves fabrikam, vera (viewer) serves every tenant (`*`), root (admin) is not named and so serves SOC_TENANT_ID.
 */
const CONTOSO_SENDER = 'siem-contoso-token-0123456789';
const FABRIKAM_SENDER = 'siem-fabrikam-token-0123456789';

/** A Sentinel alert row (its own `TenantId` field names a tenant: the payload's claim, which must change nothing). */
const sentinelRow = (vendorId: string, claimedTenant: string) => {
  const row = JSON.parse(readFileSync(new URL('../fixtures/alerts/sentinel/rows.jsonl', import.meta.url), 'utf8').split('\n')[0]!) as Record<string, unknown>;
  return { ...row, TenantId: claimedTenant, SystemAlertId: vendorId };
};
/** A critical alert whose decision asks to block one external address. */
const critical = (id: string, ip: string) => ({
  id,
  title: 'Network communication with a malicious machine detected',
  severity: 'critical',
  techniques: ['T1071'],
  entities: [{ type: 'host', value: 'web01.contoso.com' }, { type: 'ip', value: ip }],
});
type Api = ReturnType<typeof client>;
const SLACK_SECRET = 'slack-signing-secret-tenants-0123456789';
/** A signed Slack block_actions click on a request's Approve button, as Slack sends it. */
async function slackApprove(url: string, user: string, r: { requestId: string; bindingHash: string }): Promise<string | undefined> {
  const payload = { type: 'block_actions', team: { id: 'T0SOC' }, user: { id: user, username: 'someone' }, actions: [{ action_id: 'containment.approve', type: 'button', value: JSON.stringify({ requestId: r.requestId, bindingHash: r.bindingHash }) }] };
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const ts = String(Math.floor(Date.now() / 1000));
  const signature = `v0=${createHmac('sha256', SLACK_SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
  const res = await fetch(`${url}/api/v1/integrations/slack/interactions`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': signature }, body });
  return ((await res.json()) as { text?: string }).text;
}
interface Pending { requestId: string; runbook: string; status: string; bindingHash: string; tenantId: string }

describe('tenants: MSSP mode (issue 15, point 4)', () => {
  let system: Awaited<ReturnType<typeof startSystem>>;
  let contosoSender: Api, fabrikamSender: Api, ana: Api, alice: Api, bob: Api, vera: Api, root: Api;
  let contosoAlert: string, fabrikamAlert: string;

  beforeAll(async () => {
    // Two senders of two customers, each credential naming its tenant.
    const authFile = join(mkdtempSync(join(tmpdir(), 'soc-tenants-')), 'ingest-auth.json');
    writeFileSync(authFile, JSON.stringify({ credentials: [
      { kind: 'bearer', name: 'siem-contoso', token: { value: CONTOSO_SENDER }, tenantId: 'contoso' },
      { kind: 'bearer', name: 'siem-fabrikam', token: { value: FABRIKAM_SENDER }, tenantId: 'fabrikam' },
    ] }), { mode: 0o600 });
    system = await startSystem({
      INGEST_AUTH_FILE: authFile,
      SOC_API_TENANTS: 'ana:contoso,alice:contoso,bob:fabrikam,vera:*',
      // Slack users mapped to alice (contoso) and bob (fabrikam).
      SLACK_SIGNING_SECRET: SLACK_SECRET,
      SLACK_TEAM_ID: 'T0SOC',
      SLACK_APPROVERS: 'U0ALICE:alice,U0BOB:bob',
    });
    contosoSender = client(system.url, CONTOSO_SENDER);
    fabrikamSender = client(system.url, FABRIKAM_SENDER);
    ana = client(system.url, ANALYST_TOKEN);
    alice = client(system.url, APPROVER_TOKEN);
    bob = client(system.url, SECOND_APPROVER_TOKEN);
    vera = client(system.url, VIEWER_TOKEN);
    root = client(system.url, ADMIN_TOKEN);
    // The same kind of alert from both; contoso's payload claims to be fabrikam's.
    const fromContoso = await contosoSender('/api/v1/alerts/sentinel', { body: sentinelRow('tenants-1', 'fabrikam') });
    const fromFabrikam = await fabrikamSender('/api/v1/alerts/sentinel', { body: sentinelRow('tenants-1', 'contoso') });
    expect([fromContoso.status, fromFabrikam.status]).toEqual([202, 202]);
    contosoAlert = fromContoso.body.alertId;
    fabrikamAlert = fromFabrikam.body.alertId;
    await decidedCase(vera, contosoAlert);
    await decidedCase(vera, fabrikamAlert);
  });
  afterAll(async () => {
    await system?.close();
  });

  it("each case has its sender's tenant; the payload's TenantId changes nothing", async () => {
    expect(contosoAlert).not.toBe(fabrikamAlert);
    expect((await vera(`/api/v1/alerts/${contosoAlert}`)).body.alert.tenantId).toBe('contoso');
    expect((await vera(`/api/v1/alerts/${fabrikamAlert}`)).body.alert.tenantId).toBe('fabrikam');
  });

  it("tenant A's analyst cannot open, list, hunt on or dispose tenant B's case: 404 as if it did not exist", async () => {
    const own = await ana(`/api/v1/alerts/${contosoAlert}`);
    expect(own.status).toBe(200);
    const other = await ana(`/api/v1/alerts/${fabrikamAlert}`);
    const never = await ana('/api/v1/alerts/alt-00000000-0000-0000-0000-000000000000');
    expect(other.status).toBe(404);
    expect({ ...other.body, instance: undefined }).toEqual({ ...never.body, instance: undefined });
    expect((await ana(`/api/v1/alerts/${fabrikamAlert}/hunts`)).status).toBe(404);
    const listed = (await ana('/api/v1/alerts')).body.items as { alertId: string }[];
    expect(listed.map((s) => s.alertId)).toEqual([contosoAlert]);
    const groups = (await ana('/api/v1/cases')).body.items as { groupId: string; tenantId: string }[];
    expect(groups.map((g) => g.tenantId)).toEqual(['contoso']);
    const otherGroup = ((await vera('/api/v1/cases')).body.items as { groupId: string; tenantId: string }[]).find((g) => g.tenantId === 'fabrikam')!;
    expect((await ana(`/api/v1/cases/${otherGroup.groupId}`)).status).toBe(404);
    const dispose = await ana(`/api/v1/alerts/${fabrikamAlert}/disposition`, { body: { disposition: 'false-positive' } });
    expect(dispose.status).toBe(404);
    expect((await vera(`/api/v1/alerts/${fabrikamAlert}`)).body.disposition ?? null).toBeNull();
    expect((await ana(`/api/v1/alerts/${contosoAlert}/disposition`, { body: { disposition: 'benign-positive' } })).status).toBe(202);
  });

  it("tenant A's approver cannot read, approve (API or Slack), deny or undo tenant B's containment; B's approver can", async () => {
    const posted = await fabrikamSender('/api/v1/alerts/generic', { body: critical('tenants-block', '185.220.101.44') });
    expect(posted.status).toBe(202);
    const request = await eventually(async () => {
      const v = (await vera(`/api/v1/alerts/${posted.body.alertId}`)).body;
      return (v?.containment as Pending[] | undefined)?.find((c) => c.runbook === 'block-ip' && c.bindingHash !== undefined);
    }, 10_000, 'the containment request');
    expect(request.tenantId).toBe('fabrikam');
    const path = `/api/v1/containment/${request.requestId}`;
    expect((await alice(path)).status).toBe(404);
    expect((await alice(`${path}/approve`, { body: { bindingHash: request.bindingHash } })).status).toBe(404);
    expect((await alice(`${path}/deny`, { body: { comment: 'not mine' } })).status).toBe(404);
    expect((await ana(`${path}/undo`, { body: { reason: 'not mine either' } })).status).toBe(404);
    expect((await alice(`${path}/undo/approve`, { body: { bindingHash: request.bindingHash } })).status).toBe(404);
    // From Slack, the clicking user's principal is alice: her tenants decide, the button's request id does not.
    expect(await slackApprove(system.url, 'U0ALICE', request)).toMatch(/^Not done \(unknown-request\)/);
    expect((await vera(path)).body.status).toBe('pending-approval');
    expect((await bob(`${path}/approve`, { body: { bindingHash: request.bindingHash } })).status).toBe(202);
  });

  it('a * principal sees both tenants; a principal not named sees SOC_TENANT_ID only', async () => {
    const all = ((await vera('/api/v1/alerts')).body.items as { tenantId: string }[]).map((s) => s.tenantId);
    expect(new Set(all)).toEqual(new Set(['contoso', 'fabrikam']));
    expect((await root(`/api/v1/alerts/${contosoAlert}`)).status).toBe(404);
    expect((await root('/api/v1/alerts')).body.items).toEqual([]);
    // Triage tuning is per tenant: an admin tunes only its tenants.
    expect((await root('/api/v1/tenants/contoso/triage-tuning')).status).toBe(404);
    expect((await root('/api/v1/tenants/default/triage-tuning')).status).toBe(200);
  });

  it('the containment freeze spans every tenant: an administrator of some tenants may not set it (403), nothing changes', async () => {
    const before = (await vera('/api/v1/containment/freeze')).body;
    const refused = await root('/api/v1/containment/freeze', { method: 'PUT', body: { frozen: true, reason: 'stop everything' } });
    expect(refused.status).toBe(403);
    expect(refused.body.type).toContain('installation-wide');
    expect((await vera('/api/v1/containment/freeze')).body).toEqual(before);
  });
});
