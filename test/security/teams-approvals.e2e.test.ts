import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CryptoKey, type JWK, SignJWT, UnsecuredJWT, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_URL } from '@soc/guardrails';
import { APPROVER_TOKEN, PRINCIPALS, SENDER_TOKEN, VIEWER_TOKEN, checkApiResponse, client, eventually, startSystem } from './support.ts';

const PATH = '/api/v1/integrations/teams/messages';
const APP_ID = '6f1c2b3a-0000-4000-8000-00000000b07a';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const OTHER_TENANT = '11111111-2222-4333-8444-555555555555';
const SERVICE_URL = 'https://smba.trafficmanager.net/emea/';
/** Entra object ids: bob and alice approvers, vera mapped but a viewer. */
const USERS = { bob: 'b0b00000-0000-4000-8000-000000000001', alice: 'a11ce000-0000-4000-8000-000000000002', vera: 'fe7a0000-0000-4000-8000-000000000003', nobody: '0b0d0000-0000-4000-8000-000000000004' };
const TEAMS_ENV = {
  TEAMS_BOT_APP_ID: APP_ID,
  TEAMS_TENANT_ID: TENANT,
  TEAMS_APPROVERS: `${USERS.bob}:${PRINCIPALS.secondApprover},${USERS.alice.toUpperCase()}:${PRINCIPALS.approver},${USERS.vera}:${PRINCIPALS.viewer}`,
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

/**
 * A local stand-in of the Bot Framework's OpenID metadata and JWKS: the signing key is an RSA key of this test,
 * endorsed for `msteams`; a second key is published endorsed for another channel only.
 */
class BotFrameworkStandIn {
  private server!: Server;
  url = '';
  teamsKey!: CryptoKey;
  skypeKey!: CryptoKey;
  jwksReads = 0;

  async start(): Promise<void> {
    const teams = await generateKeyPair('RS256', { extractable: true });
    const skype = await generateKeyPair('RS256', { extractable: true });
    this.teamsKey = teams.privateKey;
    this.skypeKey = skype.privateKey;
    const keys: JWK[] = [
      { ...(await exportJWK(teams.publicKey)), kid: 'teams-key', use: 'sig', endorsements: ['msteams', 'webchat'] } as JWK,
      { ...(await exportJWK(skype.publicKey)), kid: 'skype-key', use: 'sig', endorsements: ['skype'] } as JWK,
    ];
    this.server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/v1/.well-known/openidconfiguration') {
        res.end(JSON.stringify({ issuer: 'https://api.botframework.com', authorization_endpoint: 'https://invalid.botframework.com', jwks_uri: `${this.url}/v1/.well-known/keys`, id_token_signing_alg_values_supported: ['RS256'], token_endpoint_auth_methods_supported: ['private_key_jwt'] }));
      } else if (req.url === '/v1/.well-known/keys') {
        this.jwksReads++;
        res.end(JSON.stringify({ keys }));
      } else {
        res.writeHead(404).end('{}');
      }
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const bf = new BotFrameworkStandIn();

/** A Bot Connector token as the Bot Framework documents it; each field can be varied. */
async function tokenOf(over: { iss?: string; aud?: string; serviceurl?: string; expSeconds?: number; key?: 'teams' | 'skype'; kid?: string } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ serviceurl: over.serviceurl ?? SERVICE_URL })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: over.kid ?? (over.key === 'skype' ? 'skype-key' : 'teams-key') })
    .setIssuer(over.iss ?? 'https://api.botframework.com')
    .setAudience(over.aud ?? APP_ID)
    .setIssuedAt(now - 60)
    .setNotBefore(now - 60)
    .setExpirationTime(now + (over.expSeconds ?? 3600))
    .sign(over.key === 'skype' ? bf.skypeKey : bf.teamsKey);
}

/** An `adaptiveCard/action` invoke as Teams sends it when an Action.Execute button is clicked. */
function invokeOf(user: string, verb: 'containment.approve' | 'containment.approve-irreversible' | 'containment.deny', r: Pending, tenant = TENANT, inputs: Record<string, string> = {}): Record<string, unknown> {
  return {
    type: 'invoke',
    name: 'adaptiveCard/action',
    id: `f:${randomUUID()}`,
    timestamp: new Date().toISOString(),
    channelId: 'msteams',
    serviceUrl: SERVICE_URL,
    from: { id: `29:1${user.replace(/-/g, '')}`, name: 'Someone', aadObjectId: user },
    conversation: { conversationType: 'channel', tenantId: tenant, id: '19:0a1b2c3d4e5f@thread.tacv2;messageid=1700000000000' },
    recipient: { id: `28:${APP_ID}`, name: 'SOC Copilot' },
    channelData: { tenant: { id: tenant }, channel: { id: '19:0a1b2c3d4e5f@thread.tacv2' } },
    replyToId: '1700000000000',
    value: { action: { type: 'Action.Execute', verb, data: { requestId: r.requestId, bindingHash: r.bindingHash, ...inputs } }, trigger: 'manual' },
  };
}

interface InvokeAnswer { statusCode?: number; type?: string; value?: unknown }
async function post(url: string, activity: unknown, authorization?: string) {
  const res = await fetch(`${url}${PATH}`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', ...(authorization ? { authorization } : {}) }, body: JSON.stringify(activity) });
  const text = await res.text();
  checkApiResponse({ method: 'POST', path: PATH, status: res.status, contentType: res.headers.get('content-type'), body: text });
  return { status: res.status, body: text ? (JSON.parse(text) as InvokeAnswer) : undefined };
}
const botPost = async (url: string, activity: unknown) => post(url, activity, `Bearer ${await tokenOf()}`);
const statusOf = async (viewer: Api, requestId: string) => (await viewer(`/api/v1/containment/${requestId}`)).body as Pending;
const runsOf = (value: unknown) => JSON.stringify(value);

describe('approve and deny from Teams through the bot endpoint (issue 13)', () => {
  let system: Awaited<ReturnType<typeof startSystem>>;
  let sender: Api, viewer: Api;
  beforeAll(async () => {
    await bf.start();
    // The bundled policy with isolate-host under four-eyes, and an inventory that knows the hosts (as approvals.e2e does).
    const dir = mkdtempSync(join(tmpdir(), 'soc-teams-policy-'));
    const policy = JSON.parse(readFileSync(DEFAULT_POLICY_URL, 'utf8')) as { containment: Record<string, unknown> };
    const runbookByEntity = { ...(policy.containment.runbookByEntity as Record<string, string>), user: 'disable-user' };
    policy.containment = { ...policy.containment, fourEyesRunbooks: ['isolate-host'], maxPerTargetPerHour: 5, runbookByEntity, allowedRunbooks: [...(policy.containment.allowedRunbooks as string[]), 'disable-user'] };
    writeFileSync(join(dir, 'policy.json'), JSON.stringify(policy));
    writeFileSync(join(dir, 'assets.csv'), 'hostname,fqdn,ip,criticality,owner,location,tags\nweb01,web01.contoso.com,,high,Web,West Europe,web tier\nws-fin-043,ws-fin-043.contoso.com,,medium,Finance,HQ,workstation\n');
    writeFileSync(join(dir, 'users.csv'), 'upn,objectId,account,displayName,department,jobTitle,manager,privilegedGroups,riskLevel,accountEnabled\nmallory@contoso.com,,mallory,Mallory,Sales,Rep,,,medium,true\n');
    system = await startSystem({
      ...TEAMS_ENV,
      TEAMS_OPENID_METADATA_URL: `${bf.url}/v1/.well-known/openidconfiguration`,
      DECISION_POLICY_FILE: join(dir, 'policy.json'),
      ASSET_INVENTORY_FILES: join(dir, 'assets.csv'),
      USER_DIRECTORY_FILES: join(dir, 'users.csv'),
    });
    sender = client(system.url, SENDER_TOKEN);
    viewer = client(system.url, VIEWER_TOKEN);
  });
  afterAll(async () => {
    await system.close();
    await bf.close();
  });

  it('a valid approve from a second principal approves a pending containment (dry run); the invoke is answered with the updated card; a replay does nothing', async () => {
    const r = await pendingBlock(sender, viewer, 'teams-approve', '185.220.101.50');
    expect(r.status).toBe('pending-approval');
    const activity = invokeOf(USERS.bob, 'containment.approve', r);
    const token = await tokenOf();
    const answer = await post(system.url, activity, `Bearer ${token}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: { type: 'AdaptiveCard', version: '1.5', actions: [] } });
    expect(runsOf(answer.body?.value)).toContain(`approved by ${PRINCIPALS.secondApprover}`);
    const done = await eventually(async () => {
      const s = await statusOf(viewer, r.requestId);
      return s.status === 'executed' ? s : undefined;
    });
    expect(done.result).toMatch(/^DRY RUN: would add a blocking Defender for Endpoint indicator for 185\.220\.101\.50/);
    // The same activity again, with the same still-valid token: refused before anything is decided or audited.
    const replay = await post(system.url, activity, `Bearer ${token}`);
    expect(replay.status).toBe(401);
    // The activity is what is remembered, not the token: a fresh token on the same activity is refused too.
    expect((await botPost(system.url, activity)).status).toBe(401);
    // A decided request: the guardrail's answer, as the API's 409.
    const again = await botPost(system.url, invokeOf(USERS.alice, 'containment.approve', r));
    expect(again.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.activity.message' });
    expect(String(again.body?.value)).toMatch(/^Not done \(/);
  });

  it('a viewer-mapped user, an unmapped one and one of another tenant are refused with a message; deny goes through the same path', async () => {
    const r = await pendingBlock(sender, viewer, 'teams-viewer', '185.220.101.51');
    for (const [user, tenant] of [[USERS.vera, TENANT], [USERS.nobody, TENANT], [USERS.bob, OTHER_TENANT]] as const) {
      const answer = await botPost(system.url, invokeOf(user, 'containment.approve', r, tenant));
      expect([user, tenant, answer.status, answer.body?.type, answer.body?.value]).toEqual([user, tenant, 200, 'application/vnd.microsoft.activity.message', expect.stringMatching(/not authorised/)]);
    }
    await new Promise((res) => setTimeout(res, 300));
    expect((await statusOf(viewer, r.requestId)).status).toBe('pending-approval');
    // A tampered binding hash is the guardrail's refusal, not an approval.
    const tampered = await botPost(system.url, invokeOf(USERS.bob, 'containment.approve', { ...r, bindingHash: r.bindingHash.replace(/.$/, (c) => (c === '0' ? '1' : '0')) }));
    expect(String(tampered.body?.value)).toMatch(/^Not done \(/);
    // Alice's id was configured upper-case: object ids compare case-insensitively.
    const denied = await botPost(system.url, invokeOf(USERS.alice, 'containment.deny', r));
    expect(denied.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    expect(runsOf(denied.body?.value)).toContain(`denied by ${PRINCIPALS.approver}`);
    await eventually(async () => ((await statusOf(viewer, r.requestId)).status === 'denied' ? true : undefined));
  });

  it('four-eyes from Teams: the first approval keeps the buttons, the same approver twice is refused, a second approver executes', async () => {
    const posted = await sender('/api/v1/alerts/generic', {
      body: { id: 'teams-4e', title: 'Ransomware behaviour detected on a host', severity: 'critical', techniques: ['T1486'], entities: [{ type: 'host', value: 'ws-fin-043.contoso.com' }] },
    });
    const isolate = await eventually(async () => {
      const v = (await viewer(`/api/v1/alerts/${posted.body.alertId}`)).body;
      return (v?.containment as Pending[] | undefined)?.find((c) => c.runbook === 'isolate-host');
    }, 10_000, 'isolate-host request');
    const first = await botPost(system.url, invokeOf(USERS.alice, 'containment.approve', isolate));
    expect(first.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    expect(runsOf(first.body?.value)).toContain(`approval recorded (1 of 2), by ${PRINCIPALS.approver}`);
    // The next approver needs the buttons: the card keeps them, bound to the same request.
    const data = { requestId: isolate.requestId, bindingHash: isolate.bindingHash };
    expect((first.body?.value as { actions: unknown[] }).actions).toEqual([
      { type: 'Action.Execute', title: 'Approve', verb: 'containment.approve', data, style: 'positive' },
      { type: 'Action.Execute', title: 'Deny', verb: 'containment.deny', data, style: 'destructive' },
    ]);
    await eventually(async () => ((await statusOf(viewer, isolate.requestId)) as Pending & { approvals: unknown[] }).approvals.length === 1 || undefined);
    const twice = await botPost(system.url, invokeOf(USERS.alice, 'containment.approve', isolate));
    expect(twice.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: expect.stringMatching(/^Not done \(same-approver-twice\)/) });
    expect((await statusOf(viewer, isolate.requestId)).status).toBe('pending-approval');
    expect(runsOf((await botPost(system.url, invokeOf(USERS.bob, 'containment.approve', isolate))).body?.value)).toContain(`approved by ${PRINCIPALS.secondApprover}`);
    const done = await eventually(async () => {
      const s = await statusOf(viewer, isolate.requestId);
      return s.status === 'executed' ? s : undefined;
    });
    expect(done.result).toMatch(/approved by alice and bob/);
  });

  it('a runbook that cannot be undone is approved only with the card\'s confirmation toggle on (issue 14)', async () => {
    const posted = await sender('/api/v1/alerts/generic', {
      body: { id: 'teams-irrev', title: 'Impossible travel followed by mass download', severity: 'critical', techniques: ['T1078'], entities: [{ type: 'user', value: 'mallory@contoso.com' }] },
    });
    const r = await eventually(async () => {
      const v = (await viewer(`/api/v1/alerts/${posted.body.alertId}`)).body;
      return (v?.containment as Pending[] | undefined)?.find((c) => c.runbook === 'disable-user' && c.bindingHash !== undefined);
    }, 10_000, 'disable-user request');
    const toggle = `confirmIrreversible:${r.requestId}`;
    for (const [verb, inputs] of [
      ['containment.approve', {}],
      ['containment.approve-irreversible', {}],
      ['containment.approve-irreversible', { [toggle]: 'false' }],
      ['containment.approve', { [toggle]: 'true' }],
    ] as const) {
      const refused = await botPost(system.url, invokeOf(USERS.bob, verb, r, TENANT, inputs));
      expect(refused.body, `${verb} ${JSON.stringify(inputs)}`).toMatchObject({ value: expect.stringMatching(/^Not done \(confirmation-required\)/) });
    }
    expect((await statusOf(viewer, r.requestId)).status).toBe('pending-approval');
    const confirmed = await botPost(system.url, invokeOf(USERS.bob, 'containment.approve-irreversible', r, TENANT, { [toggle]: 'true' }));
    expect(runsOf(confirmed.body?.value)).toContain(`approved by ${PRINCIPALS.secondApprover}`);
    await eventually(async () => ((await statusOf(viewer, r.requestId)).status === 'executed' ? true : undefined));
  });

  it('validates the Bot Connector token: wrong audience, issuer, expired, serviceUrl mismatch, unsigned, unknown or unendorsed key, an API token, none → 401', async () => {
    const r = await pendingBlock(sender, viewer, 'teams-token', '185.220.101.52');
    const activity = () => invokeOf(USERS.bob, 'containment.approve', r);
    const unsigned = new UnsecuredJWT({ serviceurl: SERVICE_URL }).setIssuer('https://api.botframework.com').setAudience(APP_ID).setExpirationTime('1h').encode();
    // Each with the check that refused it, as the problem's detail says.
    const cases: [string, string | undefined, string][] = [
      ['wrong audience', `Bearer ${await tokenOf({ aud: '00000000-0000-4000-8000-000000000000' })}`, 'ERR_JWT_CLAIM_VALIDATION_FAILED: aud'],
      ['wrong issuer', `Bearer ${await tokenOf({ iss: 'https://sts.windows.net/attacker/' })}`, 'ERR_JWT_CLAIM_VALIDATION_FAILED: iss'],
      ['expired beyond the 5-minute skew', `Bearer ${await tokenOf({ expSeconds: -6 * 60 })}`, 'ERR_JWT_EXPIRED: exp'],
      ['serviceUrl mismatch', `Bearer ${await tokenOf({ serviceurl: 'https://attacker.example/' })}`, 'serviceurl claim does not match the activity'],
      ['unsigned (alg none)', `Bearer ${unsigned}`, 'ERR_JOSE_ALG_NOT_ALLOWED'],
      ['a key the Bot Framework does not publish', `Bearer ${await tokenOf({ kid: 'made-up' })}`, 'unknown signing key'],
      ['a key not endorsed for msteams', `Bearer ${await tokenOf({ key: 'skype' })}`, 'signing key not endorsed for msteams'],
      ['an API token', `Bearer ${APPROVER_TOKEN}`, 'no bearer token'],
      ['no Authorization', undefined, 'A Bot Connector token (Authorization: Bearer) is required.'],
    ];
    for (const [what, authorization, reason] of cases) {
      const answer = await post(system.url, activity(), authorization);
      expect([what, answer.status, (answer.body as { detail?: string } | undefined)?.detail]).toEqual([what, 401, expect.stringContaining(reason)]);
    }
    await new Promise((res) => setTimeout(res, 300));
    expect((await statusOf(viewer, r.requestId)).status).toBe('pending-approval');
    // Within the skew an expired token still holds (clocks differ); a good one is acted on.
    const skewed = await post(system.url, activity(), `Bearer ${await tokenOf({ expSeconds: -2 * 60 })}`);
    expect(runsOf(skewed.body?.value)).toContain(`approved by ${PRINCIPALS.secondApprover}`);
  });

  it('acknowledges other activities (200, empty) and answers other invokes 501; both still need a valid token', async () => {
    const message = { type: 'message', id: 'm1', channelId: 'msteams', serviceUrl: SERVICE_URL, text: 'hello', from: { id: '29:1' }, conversation: { id: '19:x' } };
    expect(await botPost(system.url, message)).toEqual({ status: 200, body: undefined });
    expect((await post(system.url, message)).status).toBe(401);
    expect((await botPost(system.url, { ...message, id: 'i1', type: 'invoke', name: 'composeExtension/query' })).status).toBe(501);
  });
});

describe('the Teams bot endpoint when no bot is configured', () => {
  it('refuses everything (401), whatever the token', async () => {
    await bf.start();
    const system = await startSystem();
    try {
      const r = { requestId: 'cr-x', bindingHash: 'a'.repeat(64), runbook: 'block-ip', status: 'pending-approval' };
      expect((await botPost(system.url, invokeOf(USERS.bob, 'containment.approve', r))).status).toBe(401);
    } finally {
      await system.close();
      await bf.close();
    }
  });
});
