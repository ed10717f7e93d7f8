import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SUBSCRIPTIONS } from '@soc/contracts';
import { type RunningSystem, runServices } from '@soc/platform';
import { makeNotificationService } from '../src/service.ts';
import { decisionFixture } from './support/decision.ts';
import { redeliver, replayOf, settled, until } from '@soc/bus/testing';
import { type SubscriberStandIn, startSubscriber, verifyStandardWebhook } from './support/webhook-subscriber.ts';

const SUB = SUBSCRIPTIONS.notificationWebhooks.name;
const nowSeconds = () => Math.floor(Date.now() / 1000);

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** The notification service with one decision-webhook subscriber (the stand-in), configured by file and environment. */
async function running(): Promise<{ system: RunningSystem; hook: SubscriberStandIn; key: string }> {
  const hook = await startSubscriber();
  closers.push(() => hook.close());
  const dir = mkdtempSync(join(tmpdir(), 'soc-webhook-delivery-'));
  const key = `whsec_${randomBytes(32).toString('base64')}`;
  writeFileSync(
    join(dir, 'hooks.json'),
    JSON.stringify({
      subscribers: [
        {
          name: 'siem',
          url: hook.url,
          types: ['soc.decision.made.v2'],
          keys: [{ keyId: 'k1', secretEnv: 'SIEM_HOOK_SECRET' }],
        },
      ],
    }),
  );
  const system = await runServices([makeNotificationService()], {
    env: {
      SOC_DATA_DIR: dir,
      SOC_BUS: 'memory',
      SOC_STATE: 'memory',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      OUTBOUND_WEBHOOKS_FILE: join(dir, 'hooks.json'),
      OUTBOUND_WEBHOOKS_ALLOW_LOOPBACK: 'true',
      SIEM_HOOK_SECRET: key,
    },
    handleSignals: false,
  });
  closers.push(() => system.close());
  return { system, hook, key };
}

describe('outbound decision webhooks through the notification service, against a local subscriber', () => {
  it('an outage (503 with Retry-After, then 503 without) → delivered once after recovery, each attempt signed with the same webhook-id, nothing dead-lettered', async () => {
    const { system, hook, key } = await running();
    hook.script({ status: 503, retryAfter: '1' }, 503);
    const event = decisionFixture();
    await system.platform.bus.publish([event]);
    await until(() => hook.received.length === 3, 'the third attempt');
    await settled(system, SUB);

    expect(hook.received.map((r) => r.status)).toEqual([503, 503, 204]);
    for (const r of hook.received) {
      expect([r.method, r.path]).toEqual(['POST', '/hooks/soc']);
      expect(r.headers['content-type']).toBe('application/cloudevents+json; charset=utf-8');
      expect(r.headers['webhook-id']).toBe(event.id);
      expect(r.headers['webhook-key-id']).toBe('k1');
      expect(verifyStandardWebhook(key, r.headers, r.body, nowSeconds())).toBe(true);
      expect(r.body).not.toContain(key.slice(6));
    }
    expect(hook.received[1]!.at - hook.received[0]!.at).toBeGreaterThanOrEqual(950);
    expect(await system.platform.bus.deadLetters.list()).toEqual([]);
  });

  it('the decision delivered twice → one POST; a replay under a new id is a new event (its own webhook-id)', async () => {
    const { system, hook } = await running();
    const event = decisionFixture();
    await system.platform.bus.publish([event]);
    await until(() => hook.received.length === 1, 'the POST');
    await settled(system, SUB);
    await redeliver(system, SUB, event);
    await settled(system, SUB);
    expect(hook.received.map((r) => r.headers['webhook-id'])).toEqual([event.id]);

    const replay = replayOf(event);
    await system.platform.bus.publish([replay]);
    await settled(system, SUB);
    expect(hook.received.map((r) => r.headers['webhook-id'])).toEqual([event.id, replay.id]);
    expect(await system.platform.bus.deadLetters.list()).toEqual([]);
  });

  it('the decision delivered twice at once → every POST carries the one webhook-id, so a subscriber deduplicating on it (as Standard Webhooks asks) takes it once', async () => {
    const { system, hook } = await running();
    const event = decisionFixture();
    await Promise.all([redeliver(system, SUB, event), redeliver(system, SUB, event)]);
    await until(() => hook.received.length >= 1, 'the POST');
    await settled(system, SUB);

    // Two overlapping deliveries may both POST (the ledger is read, not claimed): at least once, never more than the
    // deliveries, and always the same webhook-id, signature input and body.
    expect(hook.received.length).toBeGreaterThanOrEqual(1);
    expect(hook.received.length).toBeLessThanOrEqual(2);
    expect(new Set(hook.received.map((r) => r.headers['webhook-id']))).toEqual(new Set([event.id]));
    expect(new Set(hook.received.map((r) => r.body)).size).toBe(1);
    expect(await system.platform.bus.deadLetters.list()).toEqual([]);
  });
});
