import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type EventByType, SUBSCRIPTIONS } from '@soc/contracts';
import { type RunningSystem, runServices } from '@soc/platform';
import { makeNotificationService } from '../src/service.ts';
import { decisionFixture, sameGroupAlert } from './support/decision.ts';
import { redeliver, replayOf, settled, until } from '@soc/bus/testing';
import { startSlackStandIn } from './support/slack-stand-in.ts';

const TOKEN = 'xoxb-2468013579-1357924680-slackdeliverytesttoken';
const CHANNEL = 'C0SOC5678';
const SUB = SUBSCRIPTIONS.notification.name;

type StandIn = Awaited<ReturnType<typeof startSlackStandIn>>;
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** The notification service as configured for Slack, on the embedded bus and state, against the stand-in. */
async function running(): Promise<{ system: RunningSystem; slack: StandIn }> {
  const slack = await startSlackStandIn();
  closers.push(() => slack.close());
  const system = await runServices([makeNotificationService()], {
    env: {
      SOC_DATA_DIR: mkdtempSync(join(tmpdir(), 'soc-slack-delivery-')),
      SOC_BUS: 'memory',
      SOC_STATE: 'memory',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_CHANNELS: `soc-slack:${CHANNEL}`,
      SLACK_API_URL: slack.url,
    },
    handleSignals: false,
  });
  closers.push(() => system.close());
  return { system, slack };
}

/** The contract fixture's decision with its chat action sent to the Slack destination. */
function slackDecision(): EventByType<'soc.decision.made.v2'> {
  const event = decisionFixture();
  event.data.actions = event.data.actions.map((a) =>
    a.kind === 'PostChat' ? { ...a, channel: 'slack' as const, destination: 'soc-slack' } : a,
  );
  return event;
}

/** The exact wire call of a card post: method, path, bearer bot token, JSON, the configured channel, a Block Kit card. */
function expectCardPost(call: StandIn['calls'][number] | undefined): void {
  expect(call).toBeDefined();
  expect([call!.method, call!.path]).toEqual(['POST', '/api/chat.postMessage']);
  expect(call!.headers.authorization).toBe(`Bearer ${TOKEN}`);
  expect(call!.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(Object.keys(call!.body).sort()).toEqual([
    'blocks',
    'channel',
    'mrkdwn',
    'text',
    'unfurl_links',
    'unfurl_media',
  ]);
  expect(call!.body).toMatchObject({ channel: CHANNEL, mrkdwn: false, unfurl_links: false, unfurl_media: false });
  expect((call!.body.blocks as { type: string }[])[0]?.type).toBe('header');
  expect(call!.raw).not.toContain(TOKEN);
}

describe('Slack case cards through the notification service, against a Slack Web API stand-in', () => {
  it('an outage (503 with Retry-After, then 503 without) is ridden out by bus retries: one card after recovery, nothing dead-lettered', async () => {
    const { system, slack } = await running();
    slack.answer(
      { status: 503, headers: { 'retry-after': '1' }, body: { ok: false, error: 'service_unavailable' } },
      { status: 503 },
    );
    const event = slackDecision();
    await system.platform.bus.publish([event]);
    await until(() => slack.accepted('chat.postMessage').length === 1, 'the card to be posted');
    await settled(system, SUB);

    expect(slack.calls.map((c) => [c.path, c.status])).toEqual([
      ['/api/chat.postMessage', 503],
      ['/api/chat.postMessage', 503],
      ['/api/chat.postMessage', 200],
    ]);
    // Every attempt is the same call: the retry changes nothing on the wire.
    for (const call of slack.calls) expectCardPost(call);
    expect(new Set(slack.calls.map((c) => c.raw)).size).toBe(1);
    // Retry-After: 1 was honoured between the first and the second attempt (the bus waits at least what Slack asked).
    expect(slack.calls[1]!.at - slack.calls[0]!.at).toBeGreaterThanOrEqual(950);
    expect(await system.platform.bus.deadLetters.list()).toEqual([]);
  });

  it('the decision delivered twice (the same event again) and replayed under a new id → one card, never updated', async () => {
    const { system, slack } = await running();
    const event = slackDecision();
    await system.platform.bus.publish([event]);
    await until(() => slack.calls.length === 1, 'the card to be posted');
    await settled(system, SUB);
    await redeliver(system, SUB, event);
    await settled(system, SUB);
    await system.platform.bus.publish([replayOf(event)]);
    await settled(system, SUB);

    expect(slack.calls).toHaveLength(1);
    expectCardPost(slack.calls[0]);
    expect(await system.platform.bus.deadLetters.list()).toEqual([]);
  });

  it('the decision delivered twice at once (a redelivery overlapping a slow first attempt, as after a lost lock) → one card', async () => {
    const { system, slack } = await running();
    slack.options.delayMs = 300;
    const event = slackDecision();
    await Promise.all([redeliver(system, SUB, event), redeliver(system, SUB, event)]);
    await until(() => slack.calls.length >= 1, 'the card to be posted');
    await settled(system, SUB);

    expect(slack.accepted('chat.postMessage')).toHaveLength(1);
    expect(await system.platform.bus.deadLetters.list()).toEqual([]);
  });

  it('two decisions of a new case group at once → one card, updated in place with the count; their redeliveries change nothing', async () => {
    const { system, slack } = await running();
    slack.options.delayMs = 100;
    const first = slackDecision();
    const second = sameGroupAlert(first, 2);
    await system.platform.bus.publish([first, second]);
    await until(() => slack.accepted('chat.update').length === 1, 'the card to be updated');
    await settled(system, SUB);
    await Promise.all([redeliver(system, SUB, first), redeliver(system, SUB, second)]);
    await settled(system, SUB);

    expect(slack.accepted('chat.postMessage')).toHaveLength(1);
    const [update] = slack.accepted('chat.update');
    expect(update?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(update?.body).toMatchObject({ channel: CHANNEL, ts: '1700000000.000100' });
    expect(update?.raw).toContain('2 alerts in this case group');
    expect(slack.calls).toHaveLength(2);
    expect(await system.platform.bus.deadLetters.list()).toEqual([]);
  });
});
