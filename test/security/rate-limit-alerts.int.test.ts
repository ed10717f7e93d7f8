import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, SENDER_TOKEN, client, eventually, startSystem } from './support.ts';

const alerts = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${i}`, title: `${prefix} ${i}`, severity: 'low' }));

// Point 4 of issue 11: the per-sender bucket was charged one token per request, so one batch of 10,000 alerts cost
// what one alert costs. It is charged per alert the body holds, after parsing and before anything is stored.
describe('the per-sender rate limit counts alerts, not requests', () => {
  let sys: Awaited<ReturnType<typeof startSystem>>;
  let sender: ReturnType<typeof client>;
  let admin: ReturnType<typeof client>;

  beforeAll(async () => {
    sys = await startSystem({ INGEST_RATE_PER_SECOND: '10', INGEST_RATE_BURST: '20' });
    sender = client(sys.url, SENDER_TOKEN);
    admin = client(sys.url, ADMIN_TOKEN);
  });
  afterAll(async () => sys.close());

  it('refuses one request of 100 alerts (more than the burst) and stores none of them', async () => {
    const res = await sender('/api/v1/alerts/generic', { body: alerts('batch100', 100) });
    expect(res.status).toBe(413);
    expect(res.body.detail).toContain('INGEST_RATE_BURST');
  });

  it('lets 20 single alerts through, then refuses a batch of 15 with 429 and Retry-After; only the singles are stored', async () => {
    await sleep(300); // the refused request's own token refills
    for (const a of alerts('single', 20)) expect((await sender('/api/v1/alerts/generic', { body: a })).status).toBe(202);
    const batch = await sender('/api/v1/alerts/generic', { body: alerts('batch15', 15) });
    expect(batch.status).toBe(429);
    expect(Number(batch.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const titles = await eventually(async () => {
      const list = await admin('/api/v1/alerts?limit=100');
      const seen = (list.body.items as { title?: string }[]).map((i) => i.title ?? '');
      return seen.filter((t) => t.startsWith('single')).length === 20 ? seen : undefined;
    }, 10_000, 'the 20 single alerts');
    expect(titles.filter((t) => t.startsWith('batch'))).toEqual([]);
  });
});
