import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainmentApprovedV2, type SocEvent, createEvent, parseEvent } from '@soc/contracts';
import { DEFAULT_POLICY_URL } from '@soc/guardrails';
import type { AuditLog } from '@soc/audit';
import { ADMIN_TOKEN, ANALYST_TOKEN, APPROVER_TOKEN, PRINCIPALS, SENDER_TOKEN, VIEWER_TOKEN, checkApiResponse, client, eventually, startSystem } from './support.ts';

/**
 * Issue 14, done when 2 and 3: a whole containment, in one running system, against local stand-ins of every API it
 * calls (Entra ID tokens, Defender for Endpoint, Slack's Web API, Sentinel's SecurityInsights API):
 * a Sentinel incident → the Slack case card with its approval buttons → a signed approve from a second principal →
 * isolate-host executes for real against Defender → verify (the machine action is pending first, then succeeded) →
 * the Sentinel incident receives the verdict comment → an undo asked by an analyst and approved by an approver
 * releases the device; the audit chain verifies; with the freeze on, nothing executes; replaying the decision and
 * the approval (same ids, and new ids) runs the runbook once.
 */

const SUB = 'd0cfe6b2-9ac0-4464-9919-dccaee2e48c0';
const WORKSPACE_PATH = `/subscriptions/${SUB}/resourceGroups/myRg/providers/Microsoft.OperationalInsights/workspaces/myWorkspace/providers/Microsoft.SecurityInsights`;
const MACHINE = '1e5bc9d7e413ddd7902c2932e418702b84d0cc07';
const SLACK_SECRET = 'slack-signing-secret-lifecycle-0123456789';
const DEFENDER_SECRET = 'defender-client-secret~lifecycle';
const ARM_SECRET = 'arm-client-secret~lifecycle';
const TENANT = 'contoso.onmicrosoft.com';

interface Call {
  method: string;
  path: string;
  authorization?: string;
  body: string;
}

/** One stand-in for every API: state kept like the real service keeps it (machine actions, comments, messages). */
function standIn() {
  const calls: Call[] = [];
  const actions: { id: string; type: string; status: string; machineId: string; requestorComment: string; checks: number }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const path = req.url ?? '';
      calls.push({ method: req.method ?? '', path, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}), body });
      const json = (status: number, value: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      const u = new URL(path, 'http://stand-in');
      // Entra ID: one token per scope.
      if (req.method === 'POST' && u.pathname === `/${TENANT}/oauth2/v2.0/token`) {
        const form = new URLSearchParams(body);
        const scope = form.get('scope') ?? '';
        return json(200, { access_token: scope.includes('securitycenter') ? 'defender-token' : scope.includes('management') ? 'arm-token' : 'other-token', token_type: 'Bearer', expires_in: 3599 });
      }
      // Defender for Endpoint.
      if (req.method === 'GET' && u.pathname === '/api/machines') return json(200, { value: [{ id: MACHINE, computerDnsName: 'vm1.contoso' }] });
      if (req.method === 'GET' && u.pathname === '/api/machineactions') {
        const type = /type eq '(\w+)'/.exec(u.searchParams.get('$filter') ?? '')?.[1];
        return json(200, { value: actions.filter((a) => a.type === type) });
      }
      const act = /^\/api\/machines\/([0-9a-f]+)\/(isolate|unisolate)$/.exec(u.pathname);
      if (req.method === 'POST' && act) {
        const action = { id: randomUUID(), type: act[2] === 'isolate' ? 'Isolate' : 'Unisolate', status: 'Pending', machineId: act[1]!, requestorComment: (JSON.parse(body) as { Comment: string }).Comment, checks: 0 };
        actions.push(action);
        return json(201, action);
      }
      const one = /^\/api\/machineactions\/([0-9a-f-]+)$/.exec(u.pathname);
      if (req.method === 'GET' && one) {
        const action = actions.find((a) => a.id === one[1]);
        if (!action) return json(404, { error: { code: 'NotFound', message: 'no such action' } });
        // Pending at the first check, succeeded at the next: containment must come back by itself.
        action.checks++;
        if (action.checks > 1) action.status = 'Succeeded';
        return json(200, action);
      }
      // Sentinel: a comment is a PUT under its id.
      if (req.method === 'PUT' && u.pathname.startsWith(`${WORKSPACE_PATH}/incidents/`) && u.pathname.includes('/comments/')) {
        return json(201, { name: u.pathname.split('/').at(-1), properties: JSON.parse(body).properties });
      }
      // Slack Web API.
      if (req.method === 'POST' && u.pathname === '/slack/api/chat.postMessage') return json(200, { ok: true, channel: 'C0SOC', ts: `${Date.now() / 1000}` });
      if (req.method === 'POST' && u.pathname === '/slack/api/chat.update') return json(200, { ok: true, channel: 'C0SOC', ts: '1' });
      json(404, { error: { code: 'NotFound', message: `stand-in has no ${req.method} ${u.pathname}` } });
    });
  });
  return {
    calls,
    actions,
    start: () => new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`))),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type Api = ReturnType<typeof client>;
interface RequestView {
  requestId: string;
  status: string;
  dryRun?: boolean;
  result?: string;
  effect?: Record<string, string>;
  verification?: string;
  plan?: string;
  undoable?: boolean;
  undo?: { bindingHash: string; requestedBy: string; result?: string };
}

const slackSign = (body: string, ts: number) => `v0=${createHmac('sha256', SLACK_SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;

describe('a containment end to end: card, signed approval, real isolation, verify, SIEM comment, approved undo (issue 14)', () => {
  const apis = standIn();
  let base = '';
  let system: Awaited<ReturnType<typeof startSystem>>;
  let sender: Api, viewer: Api, ana: Api, alice: Api, root: Api;

  beforeAll(async () => {
    base = await apis.start();
    const dir = mkdtempSync(join(tmpdir(), 'soc-lifecycle-'));
    // A policy that isolates hosts of high-risk true positives and posts a Slack card for them.
    const policy = JSON.parse(readFileSync(DEFAULT_POLICY_URL, 'utf8')) as Record<string, Record<string, unknown>>;
    policy.chat = { enabled: true, minLevel: 'high', destinations: [{ name: 'soc', channel: 'slack' }] };
    policy.containment = { ...policy.containment, minLevel: 'high', minTruePositive: 0.7, runbookByEntity: { host: 'isolate-host' }, allowedRunbooks: ['isolate-host'], maxPerTargetPerHour: 5 };
    writeFileSync(join(dir, 'policy.json'), JSON.stringify(policy));
    writeFileSync(join(dir, 'assets.csv'), 'hostname,fqdn,ip,criticality,owner,location,tags\nvm1,vm1.contoso,,medium,Finance,HQ,workstation\n');
    writeFileSync(join(dir, 'defender-secret'), DEFENDER_SECRET, { mode: 0o600 });
    writeFileSync(join(dir, 'arm-secret'), ARM_SECRET, { mode: 0o600 });
    system = await startSystem({
      DECISION_POLICY_FILE: join(dir, 'policy.json'),
      ASSET_INVENTORY_FILES: join(dir, 'assets.csv'),
      CONTAINMENT_DRY_RUN: 'false',
      CONTAINMENT_EXECUTE_RUNBOOKS: 'isolate-host',
      CONTAINMENT_VERIFY_INTERVAL_SECONDS: '0.2',
      DEFENDER_TENANT_ID: TENANT,
      DEFENDER_CLIENT_ID: '11111111-2222-3333-4444-555555555555',
      DEFENDER_CLIENT_SECRET_FILE: join(dir, 'defender-secret'),
      DEFENDER_API_BASE_URL: base,
      DEFENDER_AUTHORITY_HOST: base,
      SLACK_BOT_TOKEN: 'xoxb-lifecycle-token',
      SLACK_CHANNELS: 'soc:C0SOC',
      SLACK_API_URL: `${base}/slack/api`,
      SLACK_SIGNING_SECRET: SLACK_SECRET,
      SLACK_TEAM_ID: 'T0SOC',
      SLACK_APPROVERS: `U0BOB:${PRINCIPALS.secondApprover}`,
      SIEM_WRITEBACK: 'on',
      SENTINEL_SUBSCRIPTION_ID: SUB,
      SENTINEL_RESOURCE_GROUP: 'myRg',
      SENTINEL_WORKSPACE_NAME: 'myWorkspace',
      SENTINEL_ARM_BASE_URL: base,
      SIEM_WRITEBACK_TENANT_ID: TENANT,
      SIEM_WRITEBACK_CLIENT_ID: '66666666-7777-8888-9999-000000000000',
      SIEM_WRITEBACK_CLIENT_SECRET_FILE: join(dir, 'arm-secret'),
      SIEM_WRITEBACK_AUTHORITY_HOST: base,
    });
    sender = client(system.url, SENDER_TOKEN);
    viewer = client(system.url, VIEWER_TOKEN);
    ana = client(system.url, ANALYST_TOKEN);
    alice = client(system.url, APPROVER_TOKEN);
    root = client(system.url, ADMIN_TOKEN);
  });
  afterAll(async () => {
    await system?.close();
    await apis.close();
  });

  const incident = (id: string) => {
    const trigger = JSON.parse(readFileSync(new URL('../fixtures/alerts/sentinel/incident-trigger.json', import.meta.url), 'utf8')) as { object: { id: string; name: string; properties: Record<string, unknown> } };
    trigger.object.id = `${WORKSPACE_PATH}/incidents/${id}`;
    trigger.object.name = id;
    trigger.object.properties = { ...trigger.object.properties, title: 'Ransomware behaviour detected on a host', description: 'Files encrypted by a ransomware process; shadow copies deleted' };
    return trigger;
  };
  const statusOf = async (requestId: string) => (await viewer(`/api/v1/containment/${requestId}`)).body as RequestView;
  const defenderCalls = () => apis.calls.filter((c) => c.path.startsWith('/api/'));

  it('runs the whole journey once, and undoes it with its own approval', async () => {
    const posted = await sender('/api/v1/alerts/sentinel', { body: incident('73e01a99-5cd7-4139-a149-9f2736ff2ab5') });
    expect(posted.status).toBe(202);

    // The Slack card, posted with the bot token, carries the approval buttons for the isolation.
    const card = await eventually(async () => apis.calls.find((c) => c.path === '/slack/api/chat.postMessage'), 10_000, 'the Slack card');
    expect(card.authorization).toBe('Bearer xoxb-lifecycle-token');
    const blocks = (JSON.parse(card.body) as { blocks: { type: string; elements?: { action_id?: string; value?: string }[] }[] }).blocks;
    const approve = blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id === 'containment.approve');
    expect(approve?.value).toBeDefined();
    const { requestId, bindingHash } = JSON.parse(approve!.value!) as { requestId: string; bindingHash: string };
    // The approver sees exactly what would change: the runbook's dry run against Defender (a read-only lookup).
    const pending = await eventually(async () => {
      const s = await statusOf(requestId);
      return s.status === 'pending-approval' && s.plan !== undefined ? s : undefined;
    }, 10_000, 'the pending request and its plan');
    expect(pending.plan).toBe(
      `would POST /api/machines/${MACHINE}/isolate {"Comment":"[soc-copilot:${requestId}] isolate vm1.contoso approved by <the approvers>","IsolationType":"Selective"} (machineId ${MACHINE}, computerDnsName vm1.contoso)`,
    );
    expect(defenderCalls().map((c) => `${c.method} ${c.path.split('?')[0]}`)).toEqual(['GET /api/machines']);

    // Bob clicks Approve in Slack: a signed interaction, bob being a second principal (the SIEM sent the alert).
    const payload = { type: 'block_actions', team: { id: 'T0SOC' }, user: { id: 'U0BOB', username: 'bob' }, actions: [{ action_id: 'containment.approve', type: 'button', value: approve!.value }] };
    const form = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const ts = Math.floor(Date.now() / 1000);
    const clicked = await fetch(`${system.url}/api/v1/integrations/slack/interactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': slackSign(form, ts) },
      body: form,
    });
    expect(clicked.status).toBe(200);
    const clickedText = await clicked.text();
    checkApiResponse({ method: 'POST', path: '/api/v1/integrations/slack/interactions', status: clicked.status, contentType: clicked.headers.get('content-type'), body: clickedText });
    expect((JSON.parse(clickedText) as { text: string }).text).toContain(`approved by ${PRINCIPALS.secondApprover}`);

    // Isolated for real, then verified: the first check finds the action pending, containment checks again by itself.
    const done = await eventually(async () => {
      const s = await statusOf(requestId);
      return s.status === 'done' || s.status === 'failed' ? s : undefined;
    }, 15_000, 'the isolation and its check');
    expect(done).toMatchObject({ status: 'done', dryRun: false, effect: { machineId: MACHINE, computerDnsName: 'vm1.contoso', origin: 'created' }, undoable: true });
    expect(done.verification).toMatch(/Succeeded/);
    const isolate = apis.actions.find((a) => a.type === 'Isolate')!;
    expect(isolate.checks).toBe(2);
    expect(defenderCalls().map((c) => `${c.method} ${c.path.split('?')[0]}`)).toEqual([
      'GET /api/machines', // the plan
      'GET /api/machines',
      'GET /api/machineactions',
      `POST /api/machines/${MACHINE}/isolate`,
      `GET /api/machineactions/${isolate.id}`,
      `GET /api/machineactions/${isolate.id}`,
    ]);
    for (const c of defenderCalls()) expect(c.authorization).toBe('Bearer defender-token');
    expect(JSON.parse(defenderCalls()[3]!.body)).toEqual({ Comment: `[soc-copilot:${requestId}] isolate vm1.contoso approved by ${PRINCIPALS.secondApprover}`, IsolationType: 'Selective' });

    // The Sentinel incident received the verdict comment, with an ARM token.
    const comment = await eventually(async () => apis.calls.find((c) => c.method === 'PUT' && c.path.includes('/incidents/73e01a99-5cd7-4139-a149-9f2736ff2ab5/comments/')), 10_000, 'the Sentinel comment');
    expect(comment.authorization).toBe('Bearer arm-token');
    expect((JSON.parse(comment.body) as { properties: { message: string } }).properties.message).toMatch(/^SOC Copilot verdict: true-positive/);
    const tokenForms = apis.calls.filter((c) => c.path.endsWith('/oauth2/v2.0/token')).map((c) => Object.fromEntries(new URLSearchParams(c.body)));
    expect(tokenForms).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ client_secret: DEFENDER_SECRET, scope: 'https://api.securitycenter.microsoft.com/.default' }),
        expect.objectContaining({ client_secret: ARM_SECRET, scope: 'https://management.azure.com/.default' }),
      ]),
    );

    // Replays: the approval again (same decision from the API: 409), then the decision and the approval events
    // published again, with their own ids and with new ones. The runbook ran once.
    expect((await alice(`/api/v1/containment/${requestId}/approve`, { body: { bindingHash } })).status).toBe(409);
    const replayed = await replayDecisionAndApproval(posted.body.alertId as string, requestId, bindingHash);
    expect(replayed).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(defenderCalls().filter((c) => c.method === 'POST')).toHaveLength(1);
    expect((await statusOf(requestId)).status).toBe('done');

    // The undo: asked by an analyst, approved by another principal quoting the undo's own hash; it releases the device.
    const asked = await ana(`/api/v1/containment/${requestId}/undo`, { body: { reason: 'Reimaged and cleared by the desktop team' } });
    expect(asked.status).toBe(202);
    const undoHash = asked.body.undoBindingHash as string;
    expect(undoHash).toMatch(/^[0-9a-f]{64}$/);
    expect(undoHash).not.toBe(bindingHash);
    await eventually(async () => ((await statusOf(requestId)).status === 'undo-pending-approval' ? true : undefined), 5_000, 'the undo request');
    // The action's hash approves nothing here; the analyst who asked cannot approve (no approver role, and never the asker).
    expect((await alice(`/api/v1/containment/${requestId}/undo/approve`, { body: { bindingHash } })).status).toBe(409);
    expect((await ana(`/api/v1/containment/${requestId}/undo/approve`, { body: { bindingHash: undoHash } })).status).toBe(403);
    expect((await alice(`/api/v1/containment/${requestId}/undo/approve`, { body: { bindingHash: undoHash, comment: 'release' } })).status).toBe(202);
    const undone = await eventually(async () => {
      const s = await statusOf(requestId);
      return s.status === 'undone' || s.status === 'undo-failed' ? s : undefined;
    }, 10_000, 'the undo');
    expect(undone.status).toBe('undone');
    expect(undone.undo?.result).toMatch(/^released machine 1e5bc9d7e413ddd7902c2932e418702b84d0cc07 from isolation/);
    const release = defenderCalls().find((c) => c.path === `/api/machines/${MACHINE}/unisolate`)!;
    expect(JSON.parse(release.body)).toEqual({ Comment: `[soc-copilot:${requestId}] release vm1.contoso approved by ${PRINCIPALS.approver}` });
    expect(defenderCalls().filter((c) => c.method === 'POST')).toHaveLength(2);

    // The case shows the journey; the audit chain holds every step and verifies.
    const view = (await viewer(`/api/v1/alerts/${posted.body.alertId as string}`)).body as { containment: RequestView[]; timeline: { type: string }[] };
    expect(view.containment.find((c) => c.requestId === requestId)).toMatchObject({ status: 'undone' });
    for (const type of ['soc.containment.executed.v2', 'soc.containment.verified.v1', 'soc.containment.undo-requested.v1', 'soc.containment.undo-decided.v1', 'soc.containment.undone.v1']) {
      expect(view.timeline.filter((t) => t.type === type), type).toHaveLength(1);
    }
    const audit = system.platform.audit as AuditLog;
    const kinds = (await audit.list({ limit: 1000 })).filter((r) => r.subject === requestId).map((r) => r.kind);
    expect(kinds).toEqual(expect.arrayContaining(['containment.requested', 'containment.approved', 'containment.execution-started', 'containment.executed', 'containment.verified', 'containment.undo-requested', 'containment.undo-approved', 'containment.undone']));
    expect((await audit.verify()).ok).toBe(true);
  }, 60_000);

  it('with the freeze on, nothing executes: the new request is voided and Defender is never called', async () => {
    expect((await root('/api/v1/containment/freeze', { method: 'PUT', body: { frozen: true, reason: 'incident bridge: hands off' } })).status).toBe(200);
    const before = defenderCalls().length;
    const posted = await sender('/api/v1/alerts/sentinel', { body: incident('0b2d5e6f-1111-4222-8333-944455556666') });
    expect(posted.status).toBe(202);
    const request = await eventually(async () => {
      const v = (await viewer(`/api/v1/alerts/${posted.body.alertId as string}`)).body as { containment?: RequestView[] };
      return v?.containment?.find((c) => c.status === 'voided');
    }, 10_000, 'the voided request');
    expect((await statusOf(request.requestId)).status).toBe('voided');
    await new Promise((r) => setTimeout(r, 500));
    expect(defenderCalls()).toHaveLength(before);
    expect((await root('/api/v1/containment/freeze', { method: 'PUT', body: { frozen: false, reason: 'bridge closed' } })).status).toBe(200);
  }, 30_000);

  /**
   * Publishes the case's decision event and an approval of the request again: as recorded (same ids: the bus dedupes)
   * and as new deliveries (new ids: containment's own idempotence). Returns how many events were published.
   */
  async function replayDecisionAndApproval(alertId: string, requestId: string, bindingHash: string): Promise<number> {
    const docs = (await system.platform.state.query<{ eventId: string; type: string; time: string; source: string; correlationid: string; causationid: string | null; data: Record<string, unknown> }>('case-events', { where: { alertId }, limit: 1000 })).map((d) => d.value);
    const received = docs.find((d) => d.type === 'soc.alert.received.v1')!;
    const decision = docs.find((d) => d.type === 'soc.decision.made.v2')!;
    const alert = received.data.alert as { tenantId: string };
    const rebuilt = (id: string) =>
      parseEvent({
        specversion: '1.0',
        id,
        type: decision.type,
        source: decision.source,
        time: decision.time,
        datacontenttype: 'application/json',
        correlationid: decision.correlationid,
        ...(decision.causationid ? { causationid: decision.causationid } : {}),
        tenantid: alert.tenantId,
        subject: alertId,
        data: { ...decision.data, alert: received.data.alert },
      });
    const events: SocEvent[] = [];
    for (const id of [decision.eventId, randomUUID()]) {
      const parsed = rebuilt(id);
      if (!parsed.ok) throw new Error(parsed.description);
      events.push(parsed.event);
    }
    for (const id of [randomUUID(), randomUUID()]) {
      events.push(
        createEvent(
          ContainmentApprovedV2,
          { requestId, alertId, approver: PRINCIPALS.secondApprover, decidedAt: new Date().toISOString(), comment: 'replayed', bindingHash },
          { id, source: '/soc/api', time: new Date(), correlationid: decision.correlationid, tenantid: alert.tenantId, subject: alertId },
        ),
      );
    }
    await system.platform.bus.publish(events);
    await system.platform.bus.publish(events);
    return events.length * 2;
  }
});
