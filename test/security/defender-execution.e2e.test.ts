import { mkdtempSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPROVER_TOKEN, SENDER_TOKEN, VIEWER_TOKEN, client, eventually, startSystem } from './support.ts';

/**
 * Issue 14, the first runbook executing for real: with CONTAINMENT_DRY_RUN=false and block-ip in
 * CONTAINMENT_EXECUTE_RUNBOOKS, an approved block-ip goes to a local stand-in of Entra ID and the Defender for Endpoint
 * indicators API (exact calls asserted); a runbook left out of the allow-list stays a dry run.
 */
describe('a runbook enabled for real execution (Defender for Endpoint stand-in)', () => {
  const SECRET = 'defender-client-secret~e2e';
  const calls: { method: string; path: string; authorization?: string; body: string }[] = [];
  const indicators: Record<string, unknown>[] = [];
  let defender: Server;
  let system: Awaited<ReturnType<typeof startSystem>>;

  beforeAll(async () => {
    defender = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        const path = req.url ?? '';
        calls.push({ method: req.method ?? '', path, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}), body });
        res.setHeader('content-type', 'application/json');
        if (req.method === 'POST' && path === '/contoso.onmicrosoft.com/oauth2/v2.0/token') return res.end(JSON.stringify({ access_token: 'defender-token', token_type: 'Bearer', expires_in: 3599 }));
        // Stateful: the indicator posted is listed afterwards (what verify reads).
        if (req.method === 'GET' && path.startsWith('/api/indicators?')) return res.end(JSON.stringify({ value: indicators }));
        if (req.method === 'POST' && path === '/api/indicators') {
          const sent = JSON.parse(body) as Record<string, unknown>;
          indicators.push({ id: 995, ...sent });
          return res.end(JSON.stringify({ id: '995', ...sent }));
        }
        res.statusCode = 404;
        res.end(JSON.stringify({ error: { code: 'NotFound', message: `no ${req.method} ${path}` } }));
      });
    });
    await new Promise<void>((r) => defender.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(defender.address() as AddressInfo).port}`;
    const dir = mkdtempSync(join(tmpdir(), 'soc-defender-e2e-'));
    writeFileSync(join(dir, 'defender-secret'), `${SECRET}\n`, { mode: 0o600 });
    system = await startSystem({
      CONTAINMENT_DRY_RUN: 'false',
      CONTAINMENT_EXECUTE_RUNBOOKS: 'block-ip',
      DEFENDER_TENANT_ID: 'contoso.onmicrosoft.com',
      DEFENDER_CLIENT_ID: '11111111-2222-3333-4444-555555555555',
      DEFENDER_CLIENT_SECRET_FILE: join(dir, 'defender-secret'),
      DEFENDER_API_BASE_URL: base,
      DEFENDER_AUTHORITY_HOST: base,
    });
  });
  afterAll(async () => {
    await system?.close();
    await new Promise((r) => defender?.close(r));
  });

  it('an approved block-ip creates one Defender indicator, with the token and the exact body; the executed record says so', async () => {
    const sender = client(system.url, SENDER_TOKEN);
    const viewer = client(system.url, VIEWER_TOKEN);
    const alice = client(system.url, APPROVER_TOKEN);
    const posted = await sender('/api/v1/alerts/generic', {
      body: { id: 'mde-1', title: 'Network communication with a malicious machine detected', severity: 'critical', techniques: ['T1071'], entities: [{ type: 'host', value: 'web01.contoso.com' }, { type: 'ip', value: '185.220.101.77' }] },
    });
    expect(posted.status).toBe(202);
    const request = await eventually(async () => {
      const v = (await viewer(`/api/v1/alerts/${posted.body.alertId as string}`)).body;
      return (v?.containment as { requestId: string; runbook: string; bindingHash?: string }[] | undefined)?.find((c) => c.runbook === 'block-ip' && c.bindingHash !== undefined);
    }, 10_000, 'the block-ip request');
    // Before approving, the approver sees exactly what would be sent (the runbook's dry run against Defender).
    const plan = await eventually(async () => ((await viewer(`/api/v1/containment/${request.requestId}`)).body as { plan?: string }).plan, 10_000, 'the plan');
    expect(plan).toMatch(/^would POST \/api\/indicators \{"indicatorValue":"185\.220\.101\.77","indicatorType":"IpAddress","action":"Block"/);
    expect((await alice(`/api/v1/containment/${request.requestId}/approve`, { body: { bindingHash: request.bindingHash, comment: 'C2 address' } })).status).toBe(202);
    const done = await eventually(async () => {
      const s = (await viewer(`/api/v1/containment/${request.requestId}`)).body as { status: string; dryRun?: boolean; result?: string };
      return s.status === 'done' || s.status === 'failed' ? s : undefined;
    }, 15_000, 'the execution and its check');
    // Executed for real, then verified (the indicator is listed, blocking): done, with what Defender named.
    expect(done).toMatchObject({
      status: 'done',
      dryRun: false,
      result: expect.stringMatching(/^blocked 185\.220\.101\.77 with Defender for Endpoint indicator 995 \(created\)/),
      effect: { indicatorId: '995', type: 'IpAddress', value: '185.220.101.77', origin: 'created' },
      verification: expect.stringContaining('is present and blocking'),
      undoable: true,
    });

    const token = calls.filter((c) => c.path.endsWith('/oauth2/v2.0/token'));
    expect(token).toHaveLength(1);
    expect(Object.fromEntries(new URLSearchParams(token[0]!.body))).toEqual({
      grant_type: 'client_credentials',
      client_id: '11111111-2222-3333-4444-555555555555',
      client_secret: SECRET,
      scope: 'https://api.securitycenter.microsoft.com/.default',
    });
    const api = calls.filter((c) => c.path.startsWith('/api/'));
    // The plan shown to the approver (a read-only look-up), then execute's look-up and POST, then verify's look-up.
    expect(api.map((c) => `${c.method} ${c.path.split('?')[0]}`)).toEqual(['GET /api/indicators', 'GET /api/indicators', 'POST /api/indicators', 'GET /api/indicators']);
    for (const c of api) expect(c.authorization).toBe('Bearer defender-token');
    expect(decodeURIComponent(api[0]!.path)).toBe("/api/indicators?$filter=indicatorValue eq '185.220.101.77' and indicatorType eq 'IpAddress'");
    expect(JSON.parse(api[2]!.body)).toEqual({
      indicatorValue: '185.220.101.77',
      indicatorType: 'IpAddress',
      action: 'Block',
      title: `SOC Copilot containment ${request.requestId}`,
      description: `[soc-copilot:${request.requestId}] block 185[.]220[.]101[.]77 approved by ${'alice'}`,
      severity: 'High',
      generateAlert: true,
    });
  }, 40_000);
});
