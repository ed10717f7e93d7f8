import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_URL } from '@soc/guardrails';
import { APPROVER_TOKEN, PRINCIPALS, SENDER_TOKEN, VIEWER_TOKEN, checkApiResponse, client, eventually, startSystem } from './support.ts';

const SECRET = 'slack-signing-secret-0123456789abcdef';
const TEAM = 'T0SOC';
const PATH = '/api/v1/integrations/slack/interactions';
/** Slack users: bob and alice approvers, vera a viewer (mapped, but without the role). */
const SLACK_ENV = {
  SLACK_SIGNING_SECRET: SECRET,
  SLACK_TEAM_ID: TEAM,
  SLACK_APPROVERS: `U0BOB:${PRINCIPALS.secondApprover},U0ALICE:${PRINCIPALS.approver},U0VERA:${PRINCIPALS.viewer}`,
};

type Api = ReturnType<typeof client>;
interface Pending { requestId: string; runbook: string; status: string; bindingHash: string; result?: string }

async function pendingBlock(sender: Api, viewer: Api, id: string, ip: string): Promise<Pending> {
  const posted = await sender('/api/v1/alerts/generic', {
    body: { id, title: 'Network communication with a malicious machine detected', severity: 'critical', techniques: ['T1071'], entities: [{ type: 'host', value: 'web01.contoso.com' }, { type: 'ip', value: ip }] },
  });
  expect(posted.status).toBe(202);
  return eventually(async () => {
    const v = (await viewer(`/api/v1/alerts/${posted.body.alertId}`)).body;
    return (v?.containment as Pending[] | undefined)?.find((c) => c.runbook === 'block-ip' && c.bindingHash !== undefined);
  }, 10_000, `containment of ${id}`);
}

/** A Slack block_actions callback as Slack sends it: form-encoded `payload=<json>`, signed v0 over the raw body. */
function slackBody(user: string, action: 'containment.approve' | 'containment.deny', r: Pending, team = TEAM, responseUrl?: string): string {
  const payload = { type: 'block_actions', team: { id: team }, user: { id: user, username: 'someone' }, ...(responseUrl ? { response_url: responseUrl } : {}), actions: [{ action_id: action, type: 'button', value: JSON.stringify({ requestId: r.requestId, bindingHash: r.bindingHash }) }] };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
const sign = (body: string, ts: number, secret = SECRET) => `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`;
const nowSeconds = () => Math.floor(Date.now() / 1000);

async function post(url: string, body: string, headers: Record<string, string>) {
  const res = await fetch(`${url}${PATH}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
  const text = await res.text();
  checkApiResponse({ method: 'POST', path: PATH, status: res.status, contentType: res.headers.get('content-type'), body: text });
  return { status: res.status, body: text ? (JSON.parse(text) as { text?: string; response_type?: string; type?: string }) : undefined };
}
const signedPost = (url: string, body: string, ts = nowSeconds()) => post(url, body, { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sign(body, ts) });
const statusOf = async (viewer: Api, requestId: string) => (await viewer(`/api/v1/containment/${requestId}`)).body as Pending;

/** A stand-in of Slack's `response_url` endpoint: it keeps what is posted, by path. */
function hooksStandIn() {
  const posted: { path: string; body: { text?: string; response_type?: string } }[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      posted.push({ path: req.url ?? '', body: JSON.parse(raw) as { text?: string } });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  return {
    posted,
    server,
    start: () => new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`))),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('approve and deny from Slack (issue 13)', () => {
  let system: Awaited<ReturnType<typeof startSystem>>;
  let sender: Api, viewer: Api;
  const hooks = hooksStandIn();
  let hooksUrl = '';
  beforeAll(async () => {
    hooksUrl = await hooks.start();
    system = await startSystem({ ...SLACK_ENV, SLACK_RESPONSE_URL_PREFIX: `${hooksUrl}/hooks/` });
    sender = client(system.url, SENDER_TOKEN);
    viewer = client(system.url, VIEWER_TOKEN);
  });
  afterAll(async () => {
    await system.close();
    await hooks.close();
  });

  it('a signed approve from a second principal approves a pending containment (dry run), through api and containment', async () => {
    const r = await pendingBlock(sender, viewer, 'slack-approve', '185.220.101.40');
    expect(r.status).toBe('pending-approval');
    const answer = await signedPost(system.url, slackBody('U0BOB', 'containment.approve', r, TEAM, `${hooksUrl}/hooks/T0SOC/1/abc`));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ response_type: 'ephemeral' });
    expect(answer.body?.text).toContain(`${r.requestId}: approved by ${PRINCIPALS.secondApprover}`);
    // The clicking user is told through Slack's response_url too.
    const told = await eventually(async () => hooks.posted.find((p) => p.path === '/hooks/T0SOC/1/abc'), 5_000, 'response_url post');
    expect(told.body).toEqual(answer.body);
    const done = await eventually(async () => {
      const s = await statusOf(viewer, r.requestId);
      return s.status === 'executed' ? s : undefined;
    });
    expect(done.result).toMatch(/^DRY RUN: would add a blocking Defender for Endpoint indicator for 185\.220\.101\.40/);
    // The same as the API: a decided request is 409 there, "already decided" here.
    const again = await signedPost(system.url, slackBody('U0ALICE', 'containment.approve', r));
    expect(again.status).toBe(200);
    expect(again.body?.text).toMatch(/^Not done \(/);
  });

  it('a viewer-mapped Slack user, an unmapped one and one of another workspace are not authorised; nothing happens', async () => {
    const r = await pendingBlock(sender, viewer, 'slack-viewer', '185.220.101.41');
    for (const [user, team] of [['U0VERA', TEAM], ['U0NOBODY', TEAM], ['U0BOB', 'T0OTHER']] as const) {
      // A response_url that is not Slack's (here: outside the configured prefix) is never called.
      const answer = await signedPost(system.url, slackBody(user, 'containment.approve', r, team, `${hooksUrl}/elsewhere/${user}`));
      expect([user, team, answer.status, answer.body?.text]).toEqual([user, team, 200, expect.stringMatching(/not authorised/)]);
    }
    await new Promise((res) => setTimeout(res, 300));
    expect((await statusOf(viewer, r.requestId)).status).toBe('pending-approval');
    expect(hooks.posted.filter((p) => p.path.startsWith('/elsewhere'))).toEqual([]);
    // Deny goes through the same path.
    const denied = await signedPost(system.url, slackBody('U0BOB', 'containment.deny', r));
    expect(denied.body?.text).toContain('denied by bob');
    await eventually(async () => ((await statusOf(viewer, r.requestId)).status === 'denied' ? true : undefined));
  });

  it('verifies the signature: bad, stale, replayed, missing, wrong content type and oversized requests are refused', async () => {
    const r = await pendingBlock(sender, viewer, 'slack-sig', '185.220.101.42');
    const body = slackBody('U0BOB', 'containment.approve', r);
    const ts = nowSeconds();
    expect((await post(system.url, body, { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sign(body, ts, 'another-secret') })).status).toBe(401);
    expect((await post(system.url, body, { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sign(`${body}&x=1`, ts) })).status).toBe(401);
    const stale = ts - 6 * 60;
    expect((await post(system.url, body, { 'x-slack-request-timestamp': String(stale), 'x-slack-signature': sign(body, stale) })).status).toBe(401);
    expect((await post(system.url, body, {})).status).toBe(401);
    // A bearer token is no way in either.
    expect((await post(system.url, body, { authorization: `Bearer ${APPROVER_TOKEN}` })).status).toBe(401);
    const json = await fetch(`${system.url}${PATH}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sign(body, ts) }, body });
    expect(json.status).toBe(415);
    const big = `${body}&pad=${'a'.repeat(70 * 1024)}`;
    expect((await post(system.url, big, { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sign(big, ts) })).status).toBe(413);
    await new Promise((res) => setTimeout(res, 300));
    expect((await statusOf(viewer, r.requestId)).status).toBe('pending-approval');
    // A good one is acted on once; the same signed request again is refused.
    const headers = { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sign(body, ts) };
    expect((await post(system.url, body, headers)).body?.text).toContain('approved by bob');
    expect((await post(system.url, body, headers)).status).toBe(401);
  });
});

describe('the sender\'s own Slack user cannot approve (issue 13)', () => {
  it('alice sent the alert: her Slack click is refused as the API refuses her; bob may', async () => {
    const aliceSends = 'alice-sends-0123456789abcdef';
    const authFile = join(mkdtempSync(join(tmpdir(), 'soc-slack-')), 'ingest-auth.json');
    writeFileSync(authFile, JSON.stringify({ credentials: [{ kind: 'bearer', name: PRINCIPALS.approver, token: { value: aliceSends } }] }), { mode: 0o600 });
    const system = await startSystem({ ...SLACK_ENV, INGEST_AUTH_FILE: authFile });
    try {
      const viewer = client(system.url, VIEWER_TOKEN);
      const r = await pendingBlock(client(system.url, aliceSends), viewer, 'slack-sender', '185.220.101.43');
      const own = await signedPost(system.url, slackBody('U0ALICE', 'containment.approve', r));
      expect(own.status).toBe(200);
      expect(own.body?.text).toMatch(/^Not done \(sender-cannot-approve\)/);
      await new Promise((res) => setTimeout(res, 300));
      expect((await statusOf(viewer, r.requestId)).status).toBe('pending-approval');
      expect((await signedPost(system.url, slackBody('U0BOB', 'containment.approve', r))).body?.text).toContain('approved by bob');
    } finally {
      await system.close();
    }
  });
});

describe('a runbook that cannot be undone needs an explicit confirmation, in Slack and at the API (issue 14)', () => {
  let system: Awaited<ReturnType<typeof startSystem>>;
  let sender: Api, viewer: Api;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'soc-irrev-'));
    const policy = JSON.parse(readFileSync(DEFAULT_POLICY_URL, 'utf8')) as { containment: Record<string, unknown> };
    policy.containment = { ...policy.containment, runbookByEntity: { user: 'disable-user' }, allowedRunbooks: ['disable-user'] };
    writeFileSync(join(dir, 'policy.json'), JSON.stringify(policy));
    // Users are contained only when the directory describes them (fail closed).
    writeFileSync(
      join(dir, 'users.csv'),
      'upn,objectId,account,displayName,department,jobTitle,manager,privilegedGroups,riskLevel,accountEnabled\nmallory@contoso.com,,mallory,Mallory,Sales,Rep,,,medium,true\ntrudy@contoso.com,,trudy,Trudy,Sales,Rep,,,medium,true\n',
    );
    system = await startSystem({ ...SLACK_ENV, DECISION_POLICY_FILE: join(dir, 'policy.json'), USER_DIRECTORY_FILES: join(dir, 'users.csv') });
    sender = client(system.url, SENDER_TOKEN);
    viewer = client(system.url, VIEWER_TOKEN);
  });
  afterAll(async () => {
    await system.close();
  });

  const pendingDisable = async (id: string, user: string): Promise<Pending> => {
    const posted = await sender('/api/v1/alerts/generic', {
      body: { id, title: 'Impossible travel followed by mass download', severity: 'critical', techniques: ['T1078'], entities: [{ type: 'user', value: user }] },
    });
    expect(posted.status).toBe(202);
    return eventually(async () => {
      const v = (await viewer(`/api/v1/alerts/${posted.body.alertId}`)).body;
      return (v?.containment as Pending[] | undefined)?.find((c) => c.runbook === 'disable-user' && c.bindingHash !== undefined);
    }, 10_000, `containment of ${id}`);
  };

  it('the plain Approve is refused with the reason; the confirmed one (its own action id, after Slack\'s dialog) approves', async () => {
    const r = await pendingDisable('irrev-slack', 'mallory@contoso.com');
    const info = (await viewer(`/api/v1/containment/${r.requestId}`)).body as { runbookInfo: { reversible: boolean; cannotBeUndone?: string } };
    expect(info.runbookInfo).toMatchObject({ reversible: true, cannotBeUndone: expect.stringContaining('stay revoked') });
    const plain = await signedPost(system.url, slackBody('U0BOB', 'containment.approve', r));
    expect(plain.body?.text).toMatch(/^Not done \(confirmation-required\)/);
    expect((await statusOf(viewer, r.requestId)).status).toBe('pending-approval');
    const body = new URLSearchParams({
      payload: JSON.stringify({ type: 'block_actions', team: { id: TEAM }, user: { id: 'U0BOB', username: 'bob' }, actions: [{ action_id: 'containment.approve-irreversible', type: 'button', value: JSON.stringify({ requestId: r.requestId, bindingHash: r.bindingHash }) }] }),
    }).toString();
    const confirmed = await signedPost(system.url, body);
    expect(confirmed.body?.text).toContain(`${r.requestId}: approved by ${PRINCIPALS.secondApprover}`);
    await eventually(async () => ((await statusOf(viewer, r.requestId)).status === 'executed' ? true : undefined));
  });

  it('the API answers 422 without confirmIrreversible, and approves with it', async () => {
    const r = await pendingDisable('irrev-api', 'trudy@contoso.com');
    const alice = client(system.url, APPROVER_TOKEN);
    const refused = await alice(`/api/v1/containment/${r.requestId}/approve`, { body: { bindingHash: r.bindingHash } });
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toMatch(/confirmIrreversible/);
    expect((await alice(`/api/v1/containment/${r.requestId}/approve`, { body: { bindingHash: r.bindingHash, confirmIrreversible: true } })).status).toBe(202);
    await eventually(async () => ((await statusOf(viewer, r.requestId)).status === 'executed' ? true : undefined));
  });
});
