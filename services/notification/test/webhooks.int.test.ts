import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBus, NOOP_OBSERVER, type Consumer } from '@soc/bus';
import { type EventByType, parseEvent, SUBSCRIPTIONS } from '@soc/contracts';
import { createLogger } from '@soc/observability';
import { loadConfig, systemClock } from '@soc/runtime';
import { runServices } from '@soc/platform';
import { MemoryStateStore } from '@soc/state';
import { FetchWebhookTransport } from '../src/adapters/fetch-webhook-transport.ts';
import { StateWebhookLedger, WEBHOOK_LEDGER_COLLECTION } from '../src/adapters/state-webhook-ledger.ts';
import { parseWebhookSubscribers, type WebhookSubscriber } from '../src/webhooks/config.ts';
import { makeWebhookHandler } from '../src/webhooks/handler.ts';
import { notificationService } from '../src/service.ts';
import { NotificationConfig } from '../src/config.ts';
import { decisionFixture, delivery } from './support/decision.ts';
import { eventually, startSubscriber, type SubscriberStandIn, verifyStandardWebhook } from './support/webhook-subscriber.ts';

const secret = () => `whsec_${randomBytes(32).toString('base64')}`;
const nowSeconds = () => Math.floor(Date.now() / 1000);

function triagedFixture(): EventByType<'soc.alert.triaged.v1'> {
  const parsed = parseEvent(JSON.parse(readFileSync(new URL('../../../contracts/fixtures/soc.alert.triaged.v1.json', import.meta.url), 'utf8')));
  if (!parsed.ok || parsed.event.type !== 'soc.alert.triaged.v1') throw new Error('bad fixture');
  return parsed.event;
}

/** Subscribers through the same parser start-up uses, secrets from an environment. */
function subscribers(entries: readonly object[], env: Record<string, string>): readonly WebhookSubscriber[] {
  const parsed = parseWebhookSubscribers({ subscribers: entries }, { env, allowLoopback: true });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.subscribers;
}

const standIns: SubscriberStandIn[] = [];
const consumers: Consumer[] = [];
const buses: MemoryBus[] = [];
afterEach(async () => {
  await Promise.all(consumers.splice(0).map((c) => c.close()));
  await Promise.all(buses.splice(0).map((b) => b.close()));
  await Promise.all(standIns.splice(0).map((s) => s.close()));
});

async function standIn(): Promise<SubscriberStandIn> {
  const s = await startSubscriber();
  standIns.push(s);
  return s;
}

/** The webhook handler on a real (in-memory) bus: its redelivery, backoff and dead letters, a fast policy. */
async function running(subs: readonly WebhookSubscriber[], state = new MemoryStateStore()) {
  const counted: string[] = [];
  const bus = new MemoryBus({ retry: { maxDeliveryCount: 4, initialBackoffMs: 10, maxBackoffMs: 2_000 } }, { observer: NOOP_OBSERVER });
  buses.push(bus);
  await bus.ensureTopology([SUBSCRIPTIONS.notificationWebhooks]);
  const handler = makeWebhookHandler({
    subscribers: subs,
    transport: new FetchWebhookTransport(),
    ledger: new StateWebhookLedger(state),
    clock: systemClock,
    log: createLogger({ service: 'test', level: 'silent' }),
    count: (subscriber, outcome) => counted.push(`${subscriber}:${outcome}`),
  });
  consumers.push(bus.subscribe({ subscription: SUBSCRIPTIONS.notificationWebhooks.name }, handler));
  return { bus, handler, state, counted };
}

describe('outbound decision webhooks against a local subscriber', () => {
  it('POSTs the event as a structured CloudEvent, signed as the Standard Webhooks spec says, with the event id as webhook-id', async () => {
    const siem = await standIn();
    const key = secret();
    const subs = subscribers([{ name: 'siem', url: siem.url, types: ['soc.decision.made.v2'], keys: [{ keyId: 'k1', secretEnv: 'HOOK_K1' }] }], { HOOK_K1: key });
    const { bus } = await running(subs);
    const event = decisionFixture();
    await bus.publish([event]);
    await eventually(() => siem.received.length === 1);
    const [req] = siem.received;
    expect(req!.method).toBe('POST');
    expect(req!.path).toBe('/hooks/soc');
    expect(req!.headers['content-type']).toBe('application/cloudevents+json; charset=utf-8');
    expect(req!.headers['webhook-id']).toBe(event.id);
    expect(req!.headers['webhook-key-id']).toBe('k1');
    expect(Math.abs(Number(req!.headers['webhook-timestamp']) - nowSeconds())).toBeLessThanOrEqual(5);
    expect(req!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(verifyStandardWebhook(key, req!.headers, req!.body, nowSeconds())).toBe(true);
    // One byte changed, or another key: refused, so the check above can fail.
    expect(verifyStandardWebhook(key, req!.headers, req!.body.replace('"high"', '"low"'), nowSeconds())).toBe(false);
    expect(verifyStandardWebhook(secret(), req!.headers, req!.body, nowSeconds())).toBe(false);
    expect(verifyStandardWebhook(key, req!.headers, req!.body, nowSeconds() + 600)).toBe(false);
    const body = JSON.parse(req!.body) as Record<string, unknown>;
    expect(body).toMatchObject({ specversion: '1.0', id: event.id, type: 'soc.decision.made.v2', source: event.source, tenantid: 'contoso' });
    expect(body.data).toEqual(JSON.parse(JSON.stringify(event.data)));
    // No secret of ours travels in the request.
    expect(JSON.stringify(req!.headers) + req!.body).not.toContain(key.slice(6));
  });

  it('during a rotation signs with every active key: a subscriber holding either key accepts', async () => {
    const siem = await standIn();
    const [oldKey, newKey] = [secret(), secret()];
    const subs = subscribers(
      [{ name: 'siem', url: siem.url, types: ['soc.decision.made.v2'], keys: [{ keyId: '2026-12', secretEnv: 'NEW' }, { keyId: '2026-06', secretEnv: 'OLD' }] }],
      { NEW: newKey, OLD: oldKey },
    );
    const { bus } = await running(subs);
    await bus.publish([decisionFixture()]);
    await eventually(() => siem.received.length === 1);
    const [req] = siem.received;
    expect(req!.headers['webhook-signature']!.toString().split(' ')).toHaveLength(2);
    expect(req!.headers['webhook-key-id']).toBe('2026-12 2026-06');
    expect(verifyStandardWebhook(oldKey, req!.headers, req!.body, nowSeconds())).toBe(true);
    expect(verifyStandardWebhook(newKey, req!.headers, req!.body, nowSeconds())).toBe(true);
    expect(verifyStandardWebhook(secret(), req!.headers, req!.body, nowSeconds())).toBe(false);
  });

  it('routes by type and filter: severity at least, verdict, tenant', async () => {
    const [all, critical, benign, fabrikam, triage] = await Promise.all([standIn(), standIn(), standIn(), standIn(), standIn()]);
    const key = { keys: [{ keyId: 'k', secretEnv: 'K' }] };
    const subs = subscribers(
      [
        { name: 'all', url: all.url, types: ['soc.decision.made.v2'], ...key },
        { name: 'critical', url: critical.url, types: ['soc.decision.made.v2'], filter: { minSeverity: 'critical' }, ...key },
        { name: 'benign', url: benign.url, types: ['soc.decision.made.v2'], filter: { verdicts: ['benign-positive', 'false-positive'] }, ...key },
        { name: 'fabrikam', url: fabrikam.url, types: ['soc.decision.made.v2'], filter: { tenants: ['fabrikam'] }, ...key },
        { name: 'triage', url: triage.url, types: ['soc.alert.triaged.v1'], filter: { minSeverity: 'high', tenants: ['contoso'] }, ...key },
      ],
      { K: secret() },
    );
    const { bus } = await running(subs);
    const high = decisionFixture();
    const crit = { ...high, id: 'evt-critical', data: { ...high.data, alert: { ...high.data.alert, severity: 'critical' as const } } };
    const fp = { ...high, id: 'evt-fp', data: { ...high.data, triage: { ...high.data.triage, verdict: { ...high.data.triage.verdict, class: 'false-positive' as const } } } };
    const other = { ...high, id: 'evt-fabrikam', tenantid: 'fabrikam' };
    await bus.publish([high, crit, fp, other, triagedFixture()]);
    await eventually(() => all.received.length === 4 && triage.received.length === 1);
    await new Promise((r) => setTimeout(r, 200));
    const ids = (s: SubscriberStandIn) => s.received.map((r) => r.headers['webhook-id']).sort();
    expect(ids(all)).toEqual([high.id, 'evt-critical', 'evt-fabrikam', 'evt-fp'].sort());
    expect(ids(critical)).toEqual(['evt-critical']);
    expect(ids(benign)).toEqual(['evt-fp']);
    expect(ids(fabrikam)).toEqual(['evt-fabrikam']);
    expect(ids(triage)).toEqual([triagedFixture().id]);
  });

  it('an outage (503 twice, then 200) is retried by the bus until delivered once; the healthy subscriber gets it once', async () => {
    const [down, healthy] = await Promise.all([standIn(), standIn()]);
    down.script(503, 503);
    const key = { keys: [{ keyId: 'k', secretEnv: 'K' }] };
    const subs = subscribers(
      [{ name: 'down', url: down.url, types: ['soc.decision.made.v2'], ...key }, { name: 'healthy', url: healthy.url, types: ['soc.decision.made.v2'], ...key }],
      { K: secret() },
    );
    const { bus, state, counted } = await running(subs);
    const event = decisionFixture();
    await bus.publish([event]);
    await eventually(async () => (await state.get(WEBHOOK_LEDGER_COLLECTION, `${event.id}:down`)) !== undefined);
    await new Promise((r) => setTimeout(r, 200));
    expect(counted.sort()).toEqual(['down:delivered', 'down:failed', 'down:failed', 'healthy:delivered']);
    expect(down.received.map((r) => r.status)).toEqual([503, 503, 204]);
    expect(new Set(down.received.map((r) => r.headers['webhook-id']))).toEqual(new Set([event.id]));
    expect(healthy.received.map((r) => r.status)).toEqual([204]);
    expect(await bus.deadLetters.list()).toEqual([]);
  });

  it('honours Retry-After on a 429', async () => {
    const limited = await standIn();
    limited.script({ status: 429, retryAfter: '1' });
    const subs = subscribers([{ name: 'limited', url: limited.url, types: ['soc.decision.made.v2'], keys: [{ keyId: 'k', secretEnv: 'K' }] }], { K: secret() });
    const { bus } = await running(subs);
    await bus.publish([decisionFixture()]);
    await eventually(() => limited.received.length === 2);
    expect(limited.received.map((r) => r.status)).toEqual([429, 204]);
    expect(limited.received[1]!.at - limited.received[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it('a permanent 400 is recorded with its reason and not retried; the event completes', async () => {
    const [refusing, healthy] = await Promise.all([standIn(), standIn()]);
    refusing.script(400);
    const key = { keys: [{ keyId: 'k', secretEnv: 'K' }] };
    const subs = subscribers(
      [{ name: 'refusing', url: refusing.url, types: ['soc.decision.made.v2'], ...key }, { name: 'healthy', url: healthy.url, types: ['soc.decision.made.v2'], ...key }],
      { K: secret() },
    );
    const { bus, state, counted } = await running(subs);
    const event = decisionFixture();
    await bus.publish([event]);
    await eventually(async () => (await state.get(WEBHOOK_LEDGER_COLLECTION, `${event.id}:refusing`)) !== undefined);
    await new Promise((r) => setTimeout(r, 300));
    expect(counted.sort()).toEqual(['healthy:delivered', 'refusing:rejected']);
    expect(refusing.received).toHaveLength(1);
    expect(healthy.received).toHaveLength(1);
    expect((await state.get(WEBHOOK_LEDGER_COLLECTION, `${event.id}:refusing`))?.value).toMatchObject({ outcome: 'rejected', status: 400, reason: 'HTTP 400' });
    expect(await bus.deadLetters.list()).toEqual([]);
  });

  it('a subscriber down for good: after the last delivery the event is dead-lettered with the subscriber and status as reason', async () => {
    const [down, healthy] = await Promise.all([standIn(), startSubscriber('/h', 204)]);
    standIns.push(healthy);
    down.script(503, 503, 503, 503, 503, 503);
    const key = { keys: [{ keyId: 'k', secretEnv: 'K' }] };
    const subs = subscribers(
      [{ name: 'down', url: down.url, types: ['soc.decision.made.v2'], ...key }, { name: 'healthy', url: healthy.url, types: ['soc.decision.made.v2'], ...key }],
      { K: secret() },
    );
    const { bus } = await running(subs);
    const event = decisionFixture();
    await bus.publish([event]);
    await eventually(async () => (await bus.deadLetters.list()).length === 1);
    const [dl] = await bus.deadLetters.list();
    expect(dl).toMatchObject({ subscription: 'notification-webhooks', messageId: event.id, reason: 'MaxDeliveryCountExceeded', deliveryCount: 4 });
    expect(dl!.description).toContain('webhook delivery failed for down (HTTP 503)');
    expect(down.received).toHaveLength(4);
    expect(healthy.received).toHaveLength(1);
  });

  it('a network failure (nothing listening) is retryable', async () => {
    const gone = await startSubscriber();
    await gone.close();
    const subs = subscribers([{ name: 'gone', url: gone.url, types: ['soc.decision.made.v2'], keys: [{ keyId: 'k', secretEnv: 'K' }] }], { K: secret() });
    const { handler } = await running(subs);
    await expect(handler(decisionFixture(), { ...delivery, subscription: 'notification-webhooks' })).rejects.toMatchObject({
      name: 'AppError',
      code: 'DEPENDENCY_UNAVAILABLE',
      retryable: true,
      message: expect.stringContaining('gone (network error'),
    });
  });

  it('a subscriber that does not answer within its timeout is retryable; the request is bounded', async () => {
    const hung = createServer(() => undefined); // reads the request, never answers
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(hung.address() as AddressInfo).port}/h`;
    try {
      const subs = subscribers([{ name: 'hung', url, types: ['soc.decision.made.v2'], timeoutMs: 200, keys: [{ keyId: 'k', secretEnv: 'K' }] }], { K: secret() });
      const { handler } = await running(subs);
      const started = Date.now();
      await expect(handler(decisionFixture(), { ...delivery, subscription: 'notification-webhooks' })).rejects.toMatchObject({
        retryable: true,
        message: 'webhook delivery failed for hung (no answer within 200 ms)',
      });
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      hung.closeAllConnections();
      await new Promise((resolve) => hung.close(resolve));
    }
  });

  it('the same event delivered twice reaches each subscriber once, with a stable webhook-id', async () => {
    const [a, b] = await Promise.all([standIn(), standIn()]);
    const key = { keys: [{ keyId: 'k', secretEnv: 'K' }] };
    const subs = subscribers(
      [{ name: 'a', url: a.url, types: ['soc.decision.made.v2'], ...key }, { name: 'b', url: b.url, types: ['soc.decision.made.v2'], ...key }],
      { K: secret() },
    );
    const { handler } = await running(subs);
    const event = decisionFixture();
    const info = { ...delivery, subscription: 'notification-webhooks' };
    await handler(event, info);
    await handler(event, { ...info, deliveryCount: 2 });
    expect(a.received.map((r) => r.headers['webhook-id'])).toEqual([event.id]);
    expect(b.received.map((r) => r.headers['webhook-id'])).toEqual([event.id]);
  });
});

describe('wiring', () => {
  it('start-up stops on a bad file with every problem under OUTBOUND_WEBHOOKS_FILE', () => {
    const K = secret();
    const dir = mkdtempSync(join(tmpdir(), 'hooks-'));
    const file = join(dir, 'hooks.json');
    writeFileSync(file, JSON.stringify({ subscribers: [{ name: 'siem', url: 'ftp://x', types: ['soc.decision.made.v2'], keys: [{ keyId: 'k1', secretEnv: 'HOOK_SECRET' }] }] }));
    expect(() => loadConfig(NotificationConfig, { OUTBOUND_WEBHOOKS_FILE: file, HOOK_SECRET: K })).toThrow(/OUTBOUND_WEBHOOKS_FILE: subscribers\.0\.url: Invalid URL/);
    writeFileSync(file, '{ not json');
    expect(() => loadConfig(NotificationConfig, { OUTBOUND_WEBHOOKS_FILE: file })).toThrow(/OUTBOUND_WEBHOOKS_FILE: cannot read .* as JSON/);
    writeFileSync(file, JSON.stringify({ subscribers: [{ name: 'siem', url: 'https://hooks.example.org/soc', types: ['soc.decision.made.v2'], keys: [{ keyId: 'k1', secretEnv: 'HOOK_SECRET' }] }] }));
    const config = loadConfig(NotificationConfig, { OUTBOUND_WEBHOOKS_FILE: file, HOOK_SECRET: K, NOTIFY_FROM: 'a@example.org' });
    expect(config.webhooks.map((s) => s.name)).toEqual(['siem']);
    expect(config.NOTIFY_FROM).toBe('a@example.org');
    expect(config).not.toHaveProperty('HOOK_SECRET');
    expect(loadConfig(NotificationConfig, {}).webhooks).toEqual([]);
  });
  it('the notification service reads OUTBOUND_WEBHOOKS_FILE, resolves the key from the environment and delivers', async () => {
    const siem = await standIn();
    const dir = mkdtempSync(join(tmpdir(), 'soc-hooks-'));
    const key = secret();
    writeFileSync(join(dir, 'hooks.json'), JSON.stringify({ subscribers: [{ name: 'siem', url: siem.url, types: ['soc.alert.triaged.v1'], keys: [{ keyId: 'k1', secretEnv: 'SIEM_HOOK_SECRET' }] }] }));
    const system = await runServices([notificationService], {
      env: {
        SOC_DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent',
        OUTBOUND_WEBHOOKS_FILE: join(dir, 'hooks.json'), OUTBOUND_WEBHOOKS_ALLOW_LOOPBACK: 'true', SIEM_HOOK_SECRET: key,
      },
      handleSignals: false,
    });
    try {
      const event = triagedFixture();
      await system.platform.bus.publish([event]);
      await eventually(() => siem.received.length === 1);
      expect(siem.received[0]!.headers['webhook-id']).toBe(event.id);
      expect(verifyStandardWebhook(key, siem.received[0]!.headers, siem.received[0]!.body, nowSeconds())).toBe(true);
      await eventually(async () =>
        (await system.platform.metrics.registry.getSingleMetricAsString('soc_outbound_deliveries_total')).includes(
          'soc_outbound_deliveries_total{service="notification",channel="webhook",destination="siem",outcome="delivered"} 1',
        ),
      );
    } finally {
      await system.close();
    }
  });
});
