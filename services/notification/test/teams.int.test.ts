import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { caseLink } from '@soc/outbound';
import { runServices } from '@soc/platform';
import { manualClock } from '@soc/runtime';
import { MemoryStateStore } from '@soc/state';
import { StateCaseGroupStore } from '../src/adapters/state-group-store.ts';
import { ClientSecretBotCredential } from '../src/adapters/teams/bot-credential.ts';
import { TeamsChatPoster, type TeamsDestination } from '../src/adapters/teams/teams-chat-poster.ts';
import { NotificationConfig } from '../src/config.ts';
import { makeNotificationHandler } from '../src/handler.ts';
import type { OutgoingChat } from '../src/ports.ts';
import { notificationService } from '../src/service.ts';
import { cardFile, decisionFixture, delivery } from './support/decision.ts';
import { MemoryMailer } from './support/memory-transports.ts';

const APP_ID = '00000000-0000-0000-0000-00000000b07a';
const APP_PASSWORD = 'bot-app-password-Secret~0123456789';
const ACCESS_TOKEN = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.bot-connector-access-token.sig';
const CONVERSATION = '19:0a1b2c3d4e5f@thread.tacv2';
const WEBHOOK_PATH = '/workflows/abc123/triggers/manual/paths/invoke?api-version=1&sig=Webhook-Signature-Secret';
const PUBLIC_URL = 'http://localhost:8080';

interface Call { method: string; path: string; headers: IncomingMessage['headers']; raw: string }
interface Answer { status: number; headers?: Record<string, string>; body?: unknown }

/**
 * A local stand-in of the three Microsoft endpoints the poster calls: Entra's token endpoint
 * (`/{tenant}/oauth2/v2.0/token`), the Bot Connector (`/v3/conversations/{id}/activities[/{activityId}]`) and a Teams
 * Workflows webhook. Each call is recorded; the next queued answer of its kind, else what the service answers.
 */
class MicrosoftStandIn {
  readonly calls: Call[] = [];
  readonly answers: { token: Answer[]; connector: Answer[]; webhook: Answer[] } = { token: [], connector: [], webhook: [] };
  private server!: Server;
  url = '';
  private next = 1;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const path = req.url ?? '';
        this.calls.push({ method: req.method ?? '', path, headers: req.headers, raw });
        const kind = path.includes('/oauth2/v2.0/token') ? 'token' : path.startsWith('/v3/') ? 'connector' : 'webhook';
        const fallback: Answer =
          kind === 'token'
            ? { status: 200, body: { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: ACCESS_TOKEN } }
            : kind === 'connector'
              ? { status: req.method === 'PUT' ? 200 : 201, body: { id: req.method === 'PUT' ? path.split('/').pop() : `1:activity-${this.next++}` } }
              : { status: 202 };
        const answer = this.answers[kind].shift() ?? fallback;
        res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...answer.headers });
        res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const ms = new MicrosoftStandIn();
const destinations = (): ReadonlyMap<string, TeamsDestination> =>
  new Map<string, TeamsDestination>([
    ['soc-high-severity', { kind: 'bot', serviceUrl: `${ms.url}/`, conversationId: CONVERSATION }],
    ['soc-webhook', { kind: 'webhook', url: `${ms.url}${WEBHOOK_PATH}` }],
  ]);
const credential = () => new ClientSecretBotCredential({ appId: APP_ID, appPassword: APP_PASSWORD, loginUrl: ms.url });
const poster = (cred = credential()) => new TeamsChatPoster({ destinations: destinations(), credential: cred, approvalUrl: (a) => `${PUBLIC_URL}/api/v1/containment/${a.requestId}` });
const message = (over: Partial<OutgoingChat> = {}): OutgoingChat => ({ idempotencyKey: 'k1', channel: 'teams', destination: 'soc-high-severity', title: 'T', text: 'x', ...over });
const ACTIVITIES = `/v3/conversations/${encodeURIComponent(CONVERSATION)}/activities`;
const secretsIn = (text: string) => [APP_PASSWORD, ACCESS_TOKEN, 'Webhook-Signature-Secret', encodeURIComponent(APP_PASSWORD)].filter((s) => text.includes(s));

describe('TeamsChatPoster, bot mode, against a Bot Connector and token stand-in', () => {
  beforeAll(() => ms.start());
  afterAll(() => ms.close());
  beforeEach(() => {
    ms.calls.length = 0;
    ms.answers.token.length = 0;
    ms.answers.connector.length = 0;
    ms.answers.webhook.length = 0;
  });

  it('posts a decision\'s case card as a message activity: client-credentials token, bearer, the configured conversation, Action.Execute per request', async () => {
    const event = decisionFixture();
    event.data.alert.title = 'Beacon to evil-c2.com [click](https://phish.example/login) <at>General</at>';
    const handle = makeNotificationHandler({ groups: new StateCaseGroupStore(new MemoryStateStore()), mailer: new MemoryMailer(), chat: poster(), clock: manualClock(), publicUrl: PUBLIC_URL });
    const outcome = await handle(event, delivery);

    expect(ms.calls.map((c) => [c.method, c.path])).toEqual([
      ['POST', '/botframework.com/oauth2/v2.0/token'],
      ['POST', ACTIVITIES],
    ]);
    const [token, post] = ms.calls as [Call, Call];
    expect(token.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(token.raw))).toEqual({ grant_type: 'client_credentials', client_id: APP_ID, client_secret: APP_PASSWORD, scope: 'https://api.botframework.com/.default' });
    expect(post.headers.authorization).toBe(`Bearer ${ACCESS_TOKEN}`);
    expect(post.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(secretsIn(post.raw)).toEqual([]);
    const activity = JSON.parse(post.raw) as { type: string; text?: string; attachments: { contentType: string; content: { version: string; actions: unknown[] } }[] };
    expect(activity.type).toBe('message');
    // No activity text: Teams renders it as Markdown.
    expect(activity.text).toBeUndefined();
    expect(activity.attachments).toHaveLength(1);
    expect(activity.attachments[0]).toMatchObject({ contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard', version: '1.5' } });
    expect(activity.attachments[0]!.content.actions).toEqual([{ type: 'Action.OpenUrl', title: 'Open case', url: caseLink(PUBLIC_URL, event.data.alert.alertId) }]);
    for (const live of ['evil-c2.com', 'https://phish', '<at>', '203.0.113.45', 'jane.doe@contoso.com']) expect([live, post.raw.includes(live)]).toEqual([live, false]);
    expect(post.raw).toContain('"verb":"containment.approve"');
    expect(post.raw).toContain('"verb":"containment.deny"');

    const sent = outcome.emit.find((e) => e.type === 'soc.notification.sent.v1' && (e.data as { channel: string }).channel === 'teams');
    expect((sent?.data as { deliveryId: string }).deliveryId).toBe('teams:soc-high-severity/1:activity-1');
  });

  it('an outage (503) then recovery posts the card once; the decision delivered again posts nothing more', async () => {
    const event = decisionFixture();
    const handle = makeNotificationHandler({ groups: new StateCaseGroupStore(new MemoryStateStore()), mailer: new MemoryMailer(), chat: poster(), clock: manualClock(), publicUrl: PUBLIC_URL });
    ms.answers.connector.push({ status: 503, headers: { 'retry-after': '1' } }, { status: 503 });
    await expect(handle(event, delivery)).rejects.toMatchObject({ retryable: true, details: { retryAfterSeconds: 1 } });
    await expect(handle(event, { ...delivery, deliveryCount: 2 })).rejects.toMatchObject({ retryable: true });
    await handle(event, { ...delivery, deliveryCount: 3 });
    await handle(event, { ...delivery, deliveryCount: 4 });
    // Two POSTs answered 503, one accepted; the fourth delivery finds the group's card and sends nothing.
    expect(ms.answers.connector).toEqual([]);
    expect(ms.calls.filter((c) => c.path === ACTIVITIES).map((c) => c.method)).toEqual(['POST', 'POST', 'POST']);
    expect(ms.calls.filter((c) => c.method === 'PUT')).toEqual([]);
  });

  it('updates the card in place with PUT on the activity, reusing the cached token', async () => {
    const teams = poster();
    const ref = await teams.post(message());
    expect(await teams.update(ref, message({ text: 'now 12 alerts' }))).toBe(ref);
    const activityId = ref.split('/')[1]!;
    expect(ms.calls.map((c) => [c.method, c.path])).toEqual([
      ['POST', '/botframework.com/oauth2/v2.0/token'],
      ['POST', ACTIVITIES],
      ['PUT', `${ACTIVITIES}/${encodeURIComponent(activityId)}`],
    ]);
    const put = ms.calls[2]!;
    expect(put.headers.authorization).toBe(`Bearer ${ACCESS_TOKEN}`);
    expect(JSON.parse(put.raw)).toMatchObject({ type: 'message', id: activityId, attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive' }] });
    expect(put.raw).toContain('now 12 alerts');
    await expect(teams.update('teams:../x', message())).rejects.toMatchObject({ code: 'VALIDATION_FAILED', retryable: false });
    await expect(teams.update('teams:elsewhere/1:x', message())).rejects.toMatchObject({ code: 'CONFIGURATION_INVALID', retryable: false });
    expect(ms.calls).toHaveLength(3);
  });

  it('a 429 with Retry-After is retryable and carries the wait; the retry then posts', async () => {
    const teams = poster();
    ms.answers.connector.push({ status: 429, headers: { 'retry-after': '3' }, body: { error: { code: 'Throttled', message: 'slow down' } } });
    await expect(teams.post(message())).rejects.toMatchObject({ code: 'RATE_LIMITED', retryable: true, details: { status: 429, retryAfterSeconds: 3 } });
    expect(await teams.post(message())).toMatch(/^teams:soc-high-severity\/1:activity-\d+$/);
    expect(ms.calls.filter((c) => c.method === 'POST' && c.path === ACTIVITIES)).toHaveLength(2);
  });

  it('5xx is retryable; 403 (bot not in the conversation) and 404 are not, with the connector\'s code and no secret', async () => {
    const teams = poster();
    ms.answers.connector.push({ status: 503 });
    await expect(teams.post(message())).rejects.toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', retryable: true });
    ms.answers.connector.push({ status: 403, body: { error: { code: 'BotNotInConversationRoster', message: 'The bot is not part of the conversation roster.' } } });
    const refused = await teams.post(message()).then(() => undefined, (e: unknown) => e as Error & { details: unknown });
    expect(refused).toMatchObject({ code: 'UNAUTHORIZED', retryable: false, details: { status: 403, teamsError: 'BotNotInConversationRoster' } });
    ms.answers.connector.push({ status: 404, body: { error: { code: 'ConversationNotFound' } } });
    await expect(teams.post(message())).rejects.toMatchObject({ code: 'NOT_FOUND', retryable: false });
    expect(secretsIn(`${refused?.message} ${JSON.stringify(refused?.details)}`)).toEqual([]);
  });

  it('a token refusal is not retryable and never quotes the password; a token outage is', async () => {
    ms.answers.token.push({ status: 401, body: { error: 'invalid_client', error_description: `AADSTS7000215: Invalid client secret provided ${APP_PASSWORD}` } });
    const refused = await poster().post(message()).then(() => undefined, (e: unknown) => e as Error & { details: unknown });
    expect(refused).toMatchObject({ code: 'UNAUTHORIZED', retryable: false, details: { error: 'invalid_client' } });
    expect(secretsIn(`${refused?.message} ${JSON.stringify(refused?.details)}`)).toEqual([]);
    ms.answers.token.push({ status: 503, headers: { 'retry-after': '2' } });
    await expect(poster().post(message())).rejects.toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', retryable: true, details: { retryAfterSeconds: 2 } });
    expect(ms.calls.filter((c) => c.path.startsWith('/v3/'))).toEqual([]);
  });

  it('a destination not configured sends nothing; alert text never picks a conversation', async () => {
    await expect(poster().post(message({ destination: '19:attacker@thread.tacv2' }))).rejects.toMatchObject({ code: 'CONFIGURATION_INVALID', retryable: false });
    expect(ms.calls).toHaveLength(0);
  });
});

describe('TeamsChatPoster, webhook mode (Teams Workflows)', () => {
  beforeAll(() => ms.start());
  afterAll(() => ms.close());
  beforeEach(() => {
    ms.calls.length = 0;
    ms.answers.webhook.length = 0;
  });

  it('posts the card as a message with approvals as links; an update is a new message; no bot token is asked for', async () => {
    const event = decisionFixture();
    event.data.actions = event.data.actions.map((a) => (a.kind === 'PostChat' ? { ...a, destination: 'soc-webhook' } : a));
    const handle = makeNotificationHandler({ groups: new StateCaseGroupStore(new MemoryStateStore()), mailer: new MemoryMailer(), chat: poster(), clock: manualClock(), publicUrl: PUBLIC_URL });
    const outcome = await handle(event, delivery);
    expect(ms.calls.map((c) => [c.method, c.path])).toEqual([['POST', WEBHOOK_PATH]]);
    const call = ms.calls[0]!;
    expect(call.headers.authorization).toBeUndefined();
    const body = JSON.parse(call.raw) as { type: string; attachments: { contentType: string; contentUrl: null; content: unknown }[] };
    expect(body).toMatchObject({ type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: { type: 'AdaptiveCard', version: '1.5' } }] });
    expect(call.raw).not.toContain('Action.Execute');
    const requestLinks = [...call.raw.matchAll(/"url":"([^"]+\/api\/v1\/containment\/[^"]+)"/g)].map((m) => m[1]);
    expect(requestLinks.length).toBe(event.data.actions.filter((a) => a.kind === 'RunContainment').length);
    expect(requestLinks.every((u) => u!.startsWith(`${PUBLIC_URL}/api/v1/containment/cr-`))).toBe(true);
    const ref = (outcome.emit.find((e) => e.type === 'soc.notification.sent.v1' && (e.data as { channel: string }).channel === 'teams')?.data as { deliveryId: string }).deliveryId;
    expect(ref).toMatch(/^teams:soc-webhook\/webhook-[0-9a-f]{24}$/);
    expect(secretsIn(ref)).toEqual([]);

    expect(await poster().update(ref, message({ destination: 'soc-webhook', text: 'now 3 alerts' }))).toBe(ref);
    expect(ms.calls.map((c) => [c.method, c.path])).toEqual([['POST', WEBHOOK_PATH], ['POST', WEBHOOK_PATH]]);
    expect(ms.calls[1]!.raw).toContain('now 3 alerts');
  });

  it('429 is retryable with its wait; 400 is not; neither error quotes the webhook URL', async () => {
    ms.answers.webhook.push({ status: 429, headers: { 'retry-after': '5' } });
    const limited = await poster().post(message({ destination: 'soc-webhook' })).then(() => undefined, (e: unknown) => e as Error);
    expect(limited).toMatchObject({ code: 'RATE_LIMITED', retryable: true, details: { retryAfterSeconds: 5 } });
    ms.answers.webhook.push({ status: 400, body: { error: { code: 'InvalidRequestContent', message: 'bad' } } });
    const refused = await poster().post(message({ destination: 'soc-webhook' })).then(() => undefined, (e: unknown) => e as Error);
    expect(refused).toMatchObject({ code: 'CONFIGURATION_INVALID', retryable: false, details: { status: 400, teamsError: 'InvalidRequestContent' } });
    for (const e of [limited, refused]) expect([e?.message.includes('sig='), secretsIn(e?.message ?? '')]).toEqual([false, []]);
  });
});

describe('the notification service wired to Teams by configuration', () => {
  beforeAll(() => ms.start());
  afterAll(() => ms.close());

  it('TEAMS_DESTINATIONS_FILE and the bot\'s app id and password file send a decision\'s Teams card through the Bot Connector', async () => {
    ms.calls.length = 0;
    const dataDir = mkdtempSync(join(tmpdir(), 'notify-teams-'));
    const passwordFile = join(dataDir, 'teams-password');
    writeFileSync(passwordFile, `${APP_PASSWORD}\n`, { mode: 0o600 });
    const destinationsFile = join(dataDir, 'teams.json');
    writeFileSync(destinationsFile, JSON.stringify({ 'soc-high-severity': { serviceUrl: `${ms.url}/`, conversationId: CONVERSATION } }));
    const system = await runServices([notificationService], {
      env: {
        SOC_DATA_DIR: dataDir, SOC_BUS: 'memory', SOC_STATE: 'memory', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent',
        TEAMS_DESTINATIONS_FILE: destinationsFile, TEAMS_BOT_APP_ID: APP_ID, TEAMS_BOT_APP_PASSWORD_FILE: passwordFile, TEAMS_BOT_TENANT_ID: 'contoso.onmicrosoft.com',
        TEAMS_LOGIN_URL: ms.url, TEAMS_ALLOW_LOOPBACK: 'true',
      },
      handleSignals: false,
    });
    try {
      const event = decisionFixture();
      const teams = event.data.actions.find((a) => a.kind === 'PostChat')!;
      event.data.actions.push({ ...teams, actionId: 'chat-slack-1', channel: 'slack', destination: 'soc-slack' });
      await system.platform.bus.publish([event]);
      const deadline = Date.now() + 10_000;
      const outboxCards = () => (existsSync(join(dataDir, 'outbox')) ? readdirSync(join(dataDir, 'outbox')).filter((f) => f.endsWith('.json')) : []);
      // The Teams card is posted, then the Slack one (no Slack configured) written to the outbox.
      while (!(ms.calls.some((c) => c.path.startsWith('/v3/')) && outboxCards().length > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(ms.calls.map((c) => [c.method, c.path, c.headers.authorization])).toEqual([
        ['POST', '/contoso.onmicrosoft.com/oauth2/v2.0/token', undefined],
        ['POST', ACTIVITIES, `Bearer ${ACCESS_TOKEN}`],
      ]);
      // The Slack message, with no Slack configured, stays in the outbox.
      expect(outboxCards()).toEqual([cardFile(event, 'slack', 'soc-slack')]);
    } finally {
      await system.close();
    }
  });

  it('refuses bad Teams configuration, naming the problem and never a secret', () => {
    const bot = JSON.stringify({ soc: { serviceUrl: 'https://smba.trafficmanager.net/emea/', conversationId: CONVERSATION } });
    const issues = (env: Record<string, string>) => NotificationConfig.safeParse(env).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    expect(issues({ TEAMS_DESTINATIONS: bot })).toEqual([
      'TEAMS_BOT_APP_ID: required when a Teams destination is a bot conversation (serviceUrl, conversationId)',
      'TEAMS_BOT_APP_PASSWORD: TEAMS_BOT_APP_PASSWORD or TEAMS_BOT_APP_PASSWORD_FILE is required when a Teams destination is a bot conversation',
    ]);
    expect(issues({ TEAMS_DESTINATIONS: JSON.stringify({ soc: { serviceUrl: 'http://smba.example/', conversationId: 'c' } }), TEAMS_BOT_APP_ID: APP_ID, TEAMS_BOT_APP_PASSWORD: APP_PASSWORD })).toEqual([
      'TEAMS_DESTINATIONS: soc.serviceUrl: must be https, without credentials',
    ]);
    const webhookUrl = 'http://prod.example/workflows/x?sig=Webhook-Signature-Secret';
    const insecure = issues({ TEAMS_DESTINATIONS: JSON.stringify({ soc: { webhookUrlEnv: 'TEAMS_WEBHOOK_SOC' } }), TEAMS_WEBHOOK_SOC: webhookUrl });
    expect(insecure).toEqual(['TEAMS_DESTINATIONS: soc.webhookUrlEnv: TEAMS_WEBHOOK_SOC does not hold an https URL']);
    expect(issues({ TEAMS_DESTINATIONS: JSON.stringify({ soc: { webhookUrlEnv: 'TEAMS_WEBHOOK_SOC' } }) })).toEqual(['TEAMS_DESTINATIONS: soc.webhookUrlEnv: TEAMS_WEBHOOK_SOC is not set']);
    expect(issues({ TEAMS_DESTINATIONS: bot, TEAMS_DESTINATIONS_FILE: '/x.json', TEAMS_BOT_APP_ID: APP_ID, TEAMS_BOT_APP_PASSWORD: APP_PASSWORD })).toEqual(['TEAMS_DESTINATIONS_FILE: set TEAMS_DESTINATIONS or TEAMS_DESTINATIONS_FILE, not both', expect.stringMatching(/^TEAMS_DESTINATIONS_FILE: not JSON/)]);
    // The bot's app id alone (the api's bot endpoint reads it too) posts nothing: Teams stays in the outbox.
    expect(NotificationConfig.parse({ TEAMS_BOT_APP_ID: APP_ID }).teams.size).toBe(0);
    // A webhook-only configuration needs no bot.
    const ok = NotificationConfig.parse({ TEAMS_DESTINATIONS: JSON.stringify({ soc: { webhookUrlEnv: 'TEAMS_WEBHOOK_SOC' } }), TEAMS_WEBHOOK_SOC: 'https://prod.example/workflows/x?sig=s' });
    expect([...ok.teams.keys()]).toEqual(['soc']);
  });
});
