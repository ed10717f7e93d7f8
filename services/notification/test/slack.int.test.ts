import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, type Server, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RUNBOOKS, bindingHashOf, requestIdFor } from '@soc/containment-requests';
import { caseLink } from '@soc/outbound';
import { runServices } from '@soc/platform';
import { isAppError, manualClock } from '@soc/runtime';
import { SlackChatPoster } from '../src/adapters/slack/slack-chat-poster.ts';
import { NotificationConfig } from '../src/config.ts';
import { StateCaseGroupStore } from '../src/adapters/state-group-store.ts';
import { MemoryStateStore } from '@soc/state';
import { makeNotificationHandler } from '../src/handler.ts';
import { notificationService } from '../src/service.ts';
import type { OutgoingChat } from '../src/ports.ts';
import { cardFile, decisionFixture, delivery } from './support/decision.ts';
import { MemoryMailer } from './support/memory-transports.ts';

const TOKEN = 'xoxb-1234567890-0987654321-abcdefghijklmnopqrstuvwx';
const PUBLIC_URL = 'http://localhost:8080';

/** One call the stand-in received, as Slack would see it. */
interface Call { method: string; path: string; headers: IncomingMessage['headers']; body: Record<string, unknown>; raw: string }
/** How the stand-in answers the next call: a status, headers and a Web API body. */
interface Answer { status?: number; headers?: Record<string, string>; body: Record<string, unknown> }

/**
 * A local stand-in of Slack's Web API (`chat.postMessage`, `chat.update`): it records each call and answers the
 * next queued answer, or `{ ok: true, channel, ts }` as Slack does.
 */
class SlackStandIn {
  readonly calls: Call[] = [];
  readonly answers: Answer[] = [];
  private server!: Server;
  url = '';
  private ts = 1_700_000_000;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const body = JSON.parse(raw) as Record<string, unknown>;
        this.calls.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, raw });
        const next = this.answers.shift() ?? { body: { ok: true, channel: body.channel, ts: `${this.ts++}.000100` } };
        res.writeHead(next.status ?? 200, { 'content-type': 'application/json; charset=utf-8', ...next.headers });
        res.end(JSON.stringify(next.body));
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const slack = new SlackStandIn();
const poster = () => new SlackChatPoster({ token: TOKEN, channels: new Map([['soc-slack', 'C0SOC1234']]), apiUrl: slack.url });
const message = (over: Partial<OutgoingChat> = {}): OutgoingChat => ({ idempotencyKey: 'k1', channel: 'slack', destination: 'soc-slack', title: 'T', text: 'x', ...over });

/** Every button of a message's blocks. */
const buttonsOf = (body: Record<string, unknown>) =>
  (body.blocks as { type: string; elements?: { type: string; action_id: string; value?: string; url?: string }[] }[])
    .filter((b) => b.type === 'actions')
    .flatMap((b) => b.elements ?? []);

describe('SlackChatPoster against a Slack Web API stand-in', () => {
  beforeAll(() => slack.start());
  afterAll(() => slack.close());
  beforeEach(() => {
    slack.calls.length = 0;
    slack.answers.length = 0;
  });

  it('posts a decision\'s case card with chat.postMessage: bearer bot token, channel by destination, defanged blocks, Approve / Deny bound to each request', async () => {
    const event = decisionFixture();
    const { alert, triage } = event.data;
    alert.title = 'Beacon to evil-c2.com <!channel> <https://phish.example/login|click here>';
    triage.summary = 'Download from https://bad-site.example/payload by 198.51.100.7';
    event.data.actions = event.data.actions.map((a) => (a.kind === 'PostChat' ? { ...a, channel: 'slack' as const, destination: 'soc-slack' } : a));
    const handle = makeNotificationHandler({ groups: new StateCaseGroupStore(new MemoryStateStore()), mailer: new MemoryMailer(), chat: poster(), clock: manualClock(), publicUrl: PUBLIC_URL });
    const outcome = await handle(event, delivery);

    expect(slack.calls).toHaveLength(1);
    const call = slack.calls[0]!;
    expect([call.method, call.path]).toEqual(['POST', '/api/chat.postMessage']);
    expect(call.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(call.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(call.body).toMatchObject({ channel: 'C0SOC1234', mrkdwn: false, unfurl_links: false, unfurl_media: false });
    // The token travels in the header only; no raw indicator, live link or mention reaches Slack.
    expect(call.raw).not.toContain(TOKEN);
    for (const live of ['evil-c2.com', 'https://bad-site.example', 'bad-site.example', '198.51.100.7', '203.0.113.45', '10.20.31.45', 'jane.doe@contoso.com', 'phish.example', '<!channel>', '<https://']) {
      expect([live, call.raw.includes(live)]).toEqual([live, false]);
    }
    expect(call.raw).toContain('evil-c2[.]com');
    expect(call.raw).toContain('203[.]0[.]113[.]45');
    // Alert text only in plain_text: Slack parses no markup there.
    expect(call.raw).not.toContain('"type":"mrkdwn"');
    const blocks = call.body.blocks as { type: string; text?: { type: string; text: string } }[];
    expect(blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text', text: `True positive · ${triage.risk.level.toUpperCase()} ${triage.risk.score}` } });
    expect(call.raw).toContain('T1059.001');

    const buttons = buttonsOf(call.body);
    expect(buttons[0]).toMatchObject({ action_id: 'case.open', url: caseLink(PUBLIC_URL, alert.alertId) });
    const containments = event.data.actions.filter((a) => a.kind === 'RunContainment');
    const approves = buttons.filter((b) => b.action_id === 'containment.approve' || b.action_id === 'containment.approve-irreversible');
    expect(approves).toHaveLength(containments.length);
    for (const [i, action] of containments.entries()) {
      const requestId = requestIdFor(alert.alertId, action.runbook, action.target.entityId);
      const bindingHash = bindingHashOf({ requestId, runbook: action.runbook, target: action.target, arguments: {}, tenantId: alert.tenantId });
      // A runbook that cannot be (fully) undone has its own action id: its click carries the dialog's confirmation.
      expect(approves[i]!.action_id).toBe(RUNBOOKS[action.runbook].cannotBeUndone !== undefined ? 'containment.approve-irreversible' : 'containment.approve');
      // The request id and binding hash only: nothing else, no secret.
      expect(JSON.parse(approves[i]!.value!)).toEqual({ requestId, bindingHash });
    }
    expect(buttons.filter((b) => b.action_id === 'containment.deny').map((b) => b.value)).toEqual(approves.map((b) => b.value));

    // The delivery reference is the channel and ts, for chat.update.
    const sent = outcome.emit.find((e) => e.type === 'soc.notification.sent.v1' && (e.data as { channel: string }).channel === 'slack');
    expect((sent?.data as { deliveryId: string }).deliveryId).toMatch(/^slack:C0SOC1234\/1700000000\.000100$/);
  });

  it('updates a posted message in place with chat.update (channel and ts of the reference)', async () => {
    const ref = await poster().post(message());
    expect(await poster().update(ref, message({ text: 'now 12 alerts' }))).toBe(ref);
    expect(slack.calls.map((c) => c.path)).toEqual(['/api/chat.postMessage', '/api/chat.update']);
    const update = slack.calls[1]!;
    expect(update.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(update.body).toMatchObject({ channel: 'C0SOC1234', ts: ref.split('/')[1], mrkdwn: false });
    expect(update.raw).toContain('now 12 alerts');
    await expect(poster().update('slack:../x', message())).rejects.toMatchObject({ code: 'VALIDATION_FAILED', retryable: false });
    expect(slack.calls).toHaveLength(2);
  });

  it.each([
    ['channel_not_found', false, 'CONFIGURATION_INVALID'],
    ['not_in_channel', false, 'CONFIGURATION_INVALID'],
    ['invalid_auth', false, 'UNAUTHORIZED'],
    ['ratelimited', true, 'RATE_LIMITED'],
    ['internal_error', true, 'DEPENDENCY_UNAVAILABLE'],
  ])('Slack\'s 200 {"ok":false,"error":"%s"} is retryable: %s', async (error, retryable, code) => {
    slack.answers.push({ body: { ok: false, error } });
    const failure = await poster().post(message()).catch((e: unknown) => e);
    expect(isAppError(failure)).toBe(true);
    expect(failure).toMatchObject({ code, retryable, details: { slackError: error } });
    expect(String((failure as Error).message)).not.toContain(TOKEN);
  });

  it('a 429 with Retry-After is retryable and carries the wait; a 503 is retryable', async () => {
    slack.answers.push({ status: 429, headers: { 'retry-after': '7' }, body: { ok: false, error: 'ratelimited' } });
    await expect(poster().post(message())).rejects.toMatchObject({ code: 'RATE_LIMITED', retryable: true, details: { retryAfterSeconds: 7 } });
    slack.answers.push({ status: 503, body: { ok: false, error: 'service_unavailable' } });
    await expect(poster().post(message())).rejects.toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', retryable: true });
  });

  it('a destination not in SLACK_CHANNELS is a configuration error and nothing is sent; alert text never picks a channel', async () => {
    await expect(poster().post(message({ destination: 'C0ATTACKER' }))).rejects.toMatchObject({ code: 'CONFIGURATION_INVALID', retryable: false });
    expect(slack.calls).toHaveLength(0);
  });
});

describe('the notification service wired to Slack by configuration', () => {
  beforeAll(() => slack.start());
  afterAll(() => slack.close());

  it('SLACK_BOT_TOKEN_FILE and SLACK_CHANNELS send a decision\'s Slack card through the Web API; its Teams message stays in the outbox', async () => {
    slack.calls.length = 0;
    const dataDir = mkdtempSync(join(tmpdir(), 'notify-slack-'));
    const tokenFile = join(dataDir, 'slack-token');
    writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    const system = await runServices([notificationService], {
      env: { SOC_DATA_DIR: dataDir, SOC_BUS: 'memory', SOC_STATE: 'memory', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', SLACK_BOT_TOKEN_FILE: tokenFile, SLACK_CHANNELS: 'soc-slack:C0SOC1234', SLACK_API_URL: slack.url },
      handleSignals: false,
    });
    try {
      const event = decisionFixture();
      const teams = event.data.actions.find((a) => a.kind === 'PostChat')!;
      event.data.actions.push({ ...teams, actionId: 'chat-slack-1', channel: 'slack', destination: 'soc-slack' });
      await system.platform.bus.publish([event]);
      const deadline = Date.now() + 10_000;
      while (slack.calls.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(slack.calls.map((c) => [c.path, c.headers.authorization, c.body.channel])).toEqual([['/api/chat.postMessage', `Bearer ${TOKEN}`, 'C0SOC1234']]);
      expect(readdirSync(join(dataDir, 'outbox')).filter((f) => f.endsWith('.json'))).toEqual([cardFile(event, 'teams', teams.destination)]);
    } finally {
      await system.close();
    }
  });

  it('refuses a token that is not a bot token, and a token without channels, without echoing it', () => {
    const user = NotificationConfig.safeParse({ SLACK_BOT_TOKEN: 'xoxp-user-token-secret', SLACK_CHANNELS: 'soc:C0123' });
    expect(user.error?.issues.map((i) => i.path.join('.'))).toEqual(['SLACK_BOT_TOKEN']);
    expect(JSON.stringify(user.error?.issues)).not.toContain('xoxp-user-token-secret');
    const noChannels = NotificationConfig.safeParse({ SLACK_BOT_TOKEN: TOKEN });
    expect(noChannels.error?.issues.map((i) => i.path.join('.'))).toEqual(['SLACK_CHANNELS']);
    expect(NotificationConfig.safeParse({ SLACK_CHANNELS: 'soc:https://hooks.example/x' }).success).toBe(false);
  });
});
