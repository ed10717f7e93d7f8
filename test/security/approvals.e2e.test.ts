import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_URL } from '@soc/guardrails';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ADMIN_TOKEN,
  APPROVER_TOKEN,
  PRINCIPALS,
  SECOND_APPROVER_TOKEN,
  SENDER_TOKEN,
  VIEWER_TOKEN,
  client,
  eventually,
  startSystem,
} from './support.ts';

/** A critical alert whose decision asks to block one external address (a source-named entity). */
const critical = (id: string, ip: string) => ({
  id,
  title: 'Network communication with a malicious machine detected',
  severity: 'critical',
  techniques: ['T1071'],
  entities: [{ type: 'host', value: 'web01.contoso.com' }, { type: 'ip', value: ip }],
});

type Api = ReturnType<typeof client>;
interface Pending { requestId: string; runbook: string; status: string; bindingHash: string; approvals: { approver: string }[] }

async function pendingBlock(sender: Api, viewer: Api, id: string, ip: string): Promise<Pending & { alertId: string }> {
  const posted = await sender('/api/v1/alerts/generic', { body: critical(id, ip) });
  expect(posted.status).toBe(202);
  const alertId: string = posted.body.alertId;
  const request = await eventually(async () => {
    const v = (await viewer(`/api/v1/alerts/${alertId}`)).body;
    return (v?.containment as Pending[] | undefined)?.find((c) => c.runbook === 'block-ip' && c.bindingHash !== undefined);
  }, 10_000, `containment of ${id}`);
  return { ...request, alertId };
}

const statusOf = async (viewer: Api, requestId: string) => (await viewer(`/api/v1/containment/${requestId}`)).body as Pending & { result?: string; decidedBy?: string };
const settle = () => new Promise((r) => setTimeout(r, 300));

describe('approvals safe by construction (issue 11)', () => {
  let system: Awaited<ReturnType<typeof startSystem>>;
  let sender: Api, viewer: Api, alice: Api, bob: Api, root: Api;
  beforeAll(async () => {
    // The bundled policy, with isolate-host under four-eyes and room for a few executions per target; an inventory
    // that knows the hosts (a host without one is never isolated: fail closed).
    const dir = mkdtempSync(join(tmpdir(), 'soc-appr-policy-'));
    const policy = JSON.parse(readFileSync(DEFAULT_POLICY_URL, 'utf8')) as { containment: Record<string, unknown> };
    policy.containment = { ...policy.containment, fourEyesRunbooks: ['isolate-host'], maxPerTargetPerHour: 5 };
    writeFileSync(join(dir, 'policy.json'), JSON.stringify(policy));
    writeFileSync(join(dir, 'assets.csv'), 'hostname,fqdn,ip,criticality,owner,location,tags\nweb01,web01.contoso.com,,high,Web,West Europe,web tier\nws-fin-042,ws-fin-042.contoso.com,,medium,Finance,HQ,workstation\n');
    system = await startSystem({ DECISION_POLICY_FILE: join(dir, 'policy.json'), ASSET_INVENTORY_FILES: join(dir, 'assets.csv') });
    sender = client(system.url, SENDER_TOKEN);
    viewer = client(system.url, VIEWER_TOKEN);
    alice = client(system.url, APPROVER_TOKEN);
    bob = client(system.url, SECOND_APPROVER_TOKEN);
    root = client(system.url, ADMIN_TOKEN);
  });
  afterAll(async () => {
    await system.close();
  });

  it('an approval must quote the binding hash shown: missing → 400, another → 409; the right one executes once', async () => {
    const r = await pendingBlock(sender, viewer, 'appr-bind', '185.220.101.4');
    expect(r.bindingHash).toMatch(/^[0-9a-f]{64}$/);
    const shown = await statusOf(viewer, r.requestId);
    expect(shown).toMatchObject({ status: 'pending-approval', bindingHash: r.bindingHash, sender: PRINCIPALS.sender });
    const missing = await alice(`/api/v1/containment/${r.requestId}/approve`, { body: { comment: 'go' } });
    expect(missing.status).toBe(400);
    expect(missing.body.detail).toMatch(/bindingHash/);
    expect((await alice(`/api/v1/containment/${r.requestId}/approve`, { body: { bindingHash: '0'.repeat(64) } })).status).toBe(409);
    expect((await statusOf(viewer, r.requestId)).status).toBe('pending-approval');
    expect((await alice(`/api/v1/containment/${r.requestId}/approve`, { body: { bindingHash: r.bindingHash, comment: 'C2' } })).status).toBe(202);
    const done = await eventually(async () => {
      const s = await statusOf(viewer, r.requestId);
      return s.status === 'executed' ? s : undefined;
    });
    expect(done.result).toMatch(/^DRY RUN: would add a blocking Defender for Endpoint indicator for 185\.220\.101\.4/);
    // Replayed approval: already decided, never 202, and the runbook is not run again.
    expect((await alice(`/api/v1/containment/${r.requestId}/approve`, { body: { bindingHash: r.bindingHash } })).status).toBe(409);
    expect((await bob(`/api/v1/containment/${r.requestId}/deny`, { body: {} })).status).toBe(409);
  });

  it('after expiry the API answers 410 and nothing runs', async () => {
    const short = await startSystem({ CONTAINMENT_APPROVAL_TTL_MINUTES: '0.02' });
    try {
      const s = client(short.url, SENDER_TOKEN);
      const v = client(short.url, VIEWER_TOKEN);
      const a = client(short.url, APPROVER_TOKEN);
      const r = await pendingBlock(s, v, 'appr-exp', '185.220.101.5');
      await eventually(async () => ((await statusOf(v, r.requestId)).status === 'expired' ? true : undefined), 5_000, 'expiry');
      const late = await a(`/api/v1/containment/${r.requestId}/approve`, { body: { bindingHash: r.bindingHash } });
      expect(late.status).toBe(410);
      expect((await a(`/api/v1/containment/${r.requestId}/deny`, { body: {} })).status).toBe(410);
      await settle();
      expect((await statusOf(v, r.requestId)).status).toBe('expired');
    } finally {
      await short.close();
    }
  });

  it('the alert sender can never approve its own containment, whatever role it is given', async () => {
    // alice is an approver (an API token) and also holds a sending credential of the same name (INGEST_AUTH_FILE):
    // what she sends, she may not approve.
    const aliceSends = 'alice-sends-0123456789abcdef';
    const authFile = join(mkdtempSync(join(tmpdir(), 'soc-appr-')), 'ingest-auth.json');
    writeFileSync(authFile, JSON.stringify({ credentials: [{ kind: 'bearer', name: PRINCIPALS.approver, token: { value: aliceSends } }] }), { mode: 0o600 });
    const asApprover = await startSystem({ INGEST_AUTH_FILE: authFile });
    try {
      const s = client(asApprover.url, aliceSends);
      const v = client(asApprover.url, VIEWER_TOKEN);
      const r = await pendingBlock(s, v, 'appr-sender', '185.220.101.6');
      const own = await client(asApprover.url, APPROVER_TOKEN)(`/api/v1/containment/${r.requestId}/approve`, { body: { bindingHash: r.bindingHash } });
      expect(own.status).toBe(403);
      expect(own.body.type).toMatch(/sender-cannot-approve/);
      await settle();
      expect((await statusOf(v, r.requestId)).status).toBe('pending-approval');
      // Another approver may.
      expect((await client(asApprover.url, SECOND_APPROVER_TOKEN)(`/api/v1/containment/${r.requestId}/approve`, { body: { bindingHash: r.bindingHash } })).status).toBe(202);
    } finally {
      await asApprover.close();
    }
  });

  it('four-eyes: the same approver twice is refused; a second approver executes', async () => {
    const posted = await sender('/api/v1/alerts/generic', {
      body: { id: 'appr-4e', title: 'Ransomware behaviour detected on a host', severity: 'critical', techniques: ['T1486'], entities: [{ type: 'host', value: 'ws-fin-042.contoso.com' }] },
    });
    const isolate = await eventually(async () => {
      const v = (await viewer(`/api/v1/alerts/${posted.body.alertId}`)).body;
      return (v?.containment as Pending[] | undefined)?.find((c) => c.runbook === 'isolate-host');
    }, 10_000, 'isolate-host request');
    expect(isolate).toMatchObject({ approvalsRequired: 2 });
    const first = await alice(`/api/v1/containment/${isolate.requestId}/approve`, { body: { bindingHash: isolate.bindingHash } });
    expect(first.body).toMatchObject({ decision: 'approval-recorded', approvals: 1, approvalsRequired: 2 });
    await eventually(async () => ((await statusOf(viewer, isolate.requestId)).approvals.length === 1 ? true : undefined));
    const twice = await alice(`/api/v1/containment/${isolate.requestId}/approve`, { body: { bindingHash: isolate.bindingHash } });
    expect(twice.status).toBe(409);
    expect(twice.body.type).toMatch(/same-approver-twice/);
    expect((await statusOf(viewer, isolate.requestId)).status).toBe('pending-approval');
    expect((await bob(`/api/v1/containment/${isolate.requestId}/approve`, { body: { bindingHash: isolate.bindingHash } })).body).toMatchObject({ decision: 'approved' });
    const done = await eventually(async () => {
      const s = await statusOf(viewer, isolate.requestId);
      return s.status === 'executed' ? s : undefined;
    });
    expect(done.result).toMatch(/approved by alice and bob/);
  });

  it('a freeze (admin only) voids a pending request and a later approval is refused; unfreezing lets new requests through', async () => {
    const r = await pendingBlock(sender, viewer, 'appr-freeze', '185.220.101.7');
    expect((await alice('/api/v1/containment/freeze', { method: 'PUT', body: { frozen: true, reason: 'not an admin' } })).status).toBe(403);
    const frozen = await root('/api/v1/containment/freeze', { method: 'PUT', body: { frozen: true, reason: 'runbooks misbehaving' } });
    expect(frozen).toMatchObject({ status: 200, body: { global: { frozen: true, by: PRINCIPALS.admin, reason: 'runbooks misbehaving' } } });
    await eventually(async () => ((await statusOf(viewer, r.requestId)).status === 'voided' ? true : undefined), 5_000, 'void');
    expect((await alice(`/api/v1/containment/${r.requestId}/approve`, { body: { bindingHash: r.bindingHash } })).status).toBe(409);
    expect((await viewer('/api/v1/containment/freeze')).body).toMatchObject({ global: { frozen: true } });
    // Asked for while frozen: recorded as voided, nobody is asked.
    const during = await pendingBlockOrVoided('appr-frozen-new', '185.220.101.8');
    expect(during.status).toBe('voided');
    expect((await root('/api/v1/containment/freeze', { method: 'PUT', body: { frozen: false, reason: 'fixed' } })).status).toBe(200);
    const after = await pendingBlock(sender, viewer, 'appr-unfrozen', '185.220.101.9');
    expect(after.status).toBe('pending-approval');
    expect((await alice(`/api/v1/containment/${after.requestId}/approve`, { body: { bindingHash: after.bindingHash } })).status).toBe(202);
  });

  async function pendingBlockOrVoided(id: string, ip: string) {
    const posted = await sender('/api/v1/alerts/generic', { body: critical(id, ip) });
    return eventually(async () => {
      const v = (await viewer(`/api/v1/alerts/${posted.body.alertId}`)).body;
      return (v?.containment as Pending[] | undefined)?.find((c) => c.runbook === 'block-ip');
    }, 10_000, `containment of ${id}`);
  }
});
