import { readFileSync, statSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_SERVICES } from '@soc/all-in-one';
import { runServices } from '@soc/platform';
import {
  ADMIN_TOKEN,
  ANALYST_TOKEN,
  APPROVER_TOKEN,
  HUNTER_TOKEN,
  PRINCIPALS,
  SENDER_TOKEN,
  VIEWER_TOKEN,
  client,
  decidedCase,
  eventually,
  startSystem,
} from './support.ts';

/** A critical generic alert naming a public address: its decision asks for a block-ip that waits for approval. */
const critical = (id: string) => ({
  id,
  title: 'Network communication with a malicious machine detected',
  severity: 'critical',
  techniques: ['T1071'],
  entities: [
    { type: 'host', value: 'web01.contoso.com' },
    { type: 'ip', value: '185.220.101.4' },
  ],
});

/** Every analyst route a leaked sending token might try, with what it would change. */
const analystRoutes = (requestId: string, alertId: string) => [
  { path: `/api/v1/containment/${requestId}/approve`, body: { comment: 'approve my own alert' } },
  { path: `/api/v1/containment/${requestId}/deny`, body: { comment: 'deny' } },
  { path: `/api/v1/alerts/${alertId}/disposition`, body: { disposition: 'benign-positive' } },
  { path: '/api/v1/hunt/queries', body: { query: 'SigninLogs | take 1', purpose: 'read the logs' } },
  { path: '/api/v1/hunt/audit' },
  { path: '/api/v1/quarantine' },
  { path: '/api/v1/quarantine/replay', body: {} },
  { path: '/api/v1/quarantine/qr-x/replay', body: {} },
  { path: `/api/v1/alerts/${alertId}` },
  { path: '/api/v1/cases' },
];

describe('scenario 1: one token posts, approves and executes', () => {
  let system: Awaited<ReturnType<typeof startSystem>>;
  let alertId: string;
  let requestId: string;
  const viewer = () => client(system.url, VIEWER_TOKEN);

  beforeAll(async () => {
    system = await startSystem();
    const posted = await client(system.url, SENDER_TOKEN)('/api/v1/alerts/generic', { body: critical('one-token-1') });
    expect(posted.status).toBe(202);
    alertId = posted.body.alertId;
    await decidedCase(viewer(), alertId);
    const pending = await eventually(async () => {
      const view = (await viewer()(`/api/v1/alerts/${alertId}`)).body;
      return view.containment?.find((c: { runbook: string; status: string }) => c.runbook === 'block-ip' && c.status === 'pending-approval');
    }, 10_000, 'a pending block-ip');
    requestId = pending.requestId;
  });
  afterAll(async () => {
    await system.close();
  });

  it('the sending token is refused on every analyst route, and nothing happened', async () => {
    const sender = client(system.url, SENDER_TOKEN);
    for (const route of analystRoutes(requestId, alertId)) {
      const res = await sender(route.path, route.body === undefined ? {} : { body: route.body });
      expect([route.path, res.status]).toEqual([route.path, 401]);
      expect(JSON.stringify(res.body)).not.toContain(SENDER_TOKEN);
    }
    const view = (await viewer()(`/api/v1/alerts/${alertId}`)).body;
    expect(view.containment.find((c: { requestId: string }) => c.requestId === requestId).status).toBe('pending-approval');
    expect(view.disposition ?? null).toBeNull();
    expect(view.timeline.map((t: { type: string }) => t.type)).not.toContain('soc.alert.dispositioned.v1');
  });

  it('an analyst principal without the route\'s role gets 403 naming the role, never the token', async () => {
    const cases = [
      { token: VIEWER_TOKEN, path: `/api/v1/containment/${requestId}/approve`, body: { comment: 'x' }, role: 'approver' },
      { token: ANALYST_TOKEN, path: `/api/v1/containment/${requestId}/approve`, body: { comment: 'x' }, role: 'approver' },
      { token: HUNTER_TOKEN, path: `/api/v1/containment/${requestId}/deny`, body: { comment: 'x' }, role: 'approver' },
      { token: ADMIN_TOKEN, path: `/api/v1/containment/${requestId}/approve`, body: { comment: 'x' }, role: 'approver' },
      { token: VIEWER_TOKEN, path: `/api/v1/alerts/${alertId}/disposition`, body: { disposition: 'benign-positive' }, role: 'analyst' },
      { token: APPROVER_TOKEN, path: `/api/v1/alerts/${alertId}/disposition`, body: { disposition: 'benign-positive' }, role: 'analyst' },
      { token: ANALYST_TOKEN, path: '/api/v1/hunt/queries', body: { query: 'SigninLogs | take 1', purpose: 'read the logs' }, role: 'hunter' },
      { token: ANALYST_TOKEN, path: '/api/v1/quarantine', role: 'admin' },
      { token: APPROVER_TOKEN, path: '/api/v1/quarantine/replay', body: {}, role: 'admin' },
    ];
    for (const c of cases) {
      const res = await client(system.url, c.token)(c.path, c.body === undefined ? {} : { body: c.body });
      expect([c.path, res.status, res.body?.role]).toEqual([c.path, 403, c.role]);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.detail).toContain(c.role);
      expect(JSON.stringify(res.body)).not.toContain(c.token);
    }
    const view = (await viewer()(`/api/v1/alerts/${alertId}`)).body;
    expect(view.containment.find((c: { requestId: string }) => c.requestId === requestId).status).toBe('pending-approval');
    expect(view.timeline.map((t: { type: string }) => t.type)).not.toContain('soc.alert.dispositioned.v1');
  });

  it('each role does what it is for: the analyst dispositions, the hunter hunts, the admin lists the quarantine, the approver approves', async () => {
    expect((await client(system.url, ANALYST_TOKEN)(`/api/v1/alerts/${alertId}/disposition`, { body: { disposition: 'true-positive' } })).status).toBe(202);
    expect((await client(system.url, HUNTER_TOKEN)('/api/v1/hunt/audit')).status).toBe(200);
    expect((await client(system.url, ADMIN_TOKEN)('/api/v1/quarantine')).status).toBe(200);
    const approver = client(system.url, APPROVER_TOKEN);
    const { bindingHash } = (await approver(`/api/v1/containment/${requestId}`)).body;
    const approved = await approver(`/api/v1/containment/${requestId}/approve`, { body: { bindingHash, comment: 'C2 confirmed' } });
    expect(approved).toMatchObject({ status: 202, body: { decision: 'approved', approver: PRINCIPALS.approver } });
  });
});

describe('scenario 1 on the embedded default: two generated tokens', () => {
  let system: Awaited<ReturnType<typeof runServices>>;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'soc-security-default-'));
    system = await runServices(ALL_SERVICES, { env: { SOC_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' }, handleSignals: false });
  });
  afterAll(async () => {
    await system.close();
  });

  it('writes a sender token and an analyst token, each 0600, and they differ', () => {
    const sender = readFileSync(join(dataDir, 'sender-token'), 'utf8').trim();
    const analyst = readFileSync(join(dataDir, 'api-token'), 'utf8').trim();
    expect(sender.length).toBeGreaterThanOrEqual(32);
    expect(analyst.length).toBeGreaterThanOrEqual(32);
    expect(sender).not.toBe(analyst);
    expect(statSync(join(dataDir, 'sender-token')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'api-token')).mode & 0o777).toBe(0o600);
  });

  it('the sender token posts but is refused on analyst routes; the analyst token reads, approves and cannot post', async () => {
    const sender = client(system.url, readFileSync(join(dataDir, 'sender-token'), 'utf8').trim());
    const analyst = client(system.url, readFileSync(join(dataDir, 'api-token'), 'utf8').trim());
    const posted = await sender('/api/v1/alerts/generic', { body: critical('default-1') });
    expect(posted.status).toBe(202);
    expect((await analyst('/api/v1/alerts/generic', { body: critical('default-2') })).status).toBe(401);
    const alertId = posted.body.alertId as string;
    const pending = await eventually(async () => {
      const view = (await analyst(`/api/v1/alerts/${alertId}`)).body;
      return view.containment?.find((c: { runbook: string; status: string }) => c.runbook === 'block-ip' && c.status === 'pending-approval');
    }, 10_000, 'a pending block-ip');
    for (const route of analystRoutes(pending.requestId, alertId)) {
      const res = await sender(route.path, route.body === undefined ? {} : { body: route.body });
      expect([route.path, res.status]).toEqual([route.path, 401]);
    }
    expect((await analyst(`/api/v1/alerts/${alertId}`)).body.containment.find((c: { requestId: string }) => c.requestId === pending.requestId).status).toBe('pending-approval');
    const approved = await analyst(`/api/v1/containment/${pending.requestId}/approve`, { body: { bindingHash: pending.bindingHash, comment: 'local operator' } });
    expect(approved).toMatchObject({ status: 202, body: { approver: 'api' } });
  });
});
