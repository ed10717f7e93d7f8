import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { ingestionService } from '@soc/ingestion';
import { runServices } from '@soc/platform';
import { ALL_SERVICES } from '../src/services.ts';
import { OPERATOR_TOKEN, TOKEN, eventually } from './support.ts';

const BACKLOG = 10_000;
const templates = readFileSync(new URL('../../../test/fixtures/generic-alerts.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Record<string, unknown>);

/**
 * The done-when: with 10,000 low-severity alerts queued, a critical alert posted after them is triaged
 * before at least 99% of them. "Queued" as in production after an outage or a storm: ingestion accepted them while
 * the pipeline was down (here: not started), then the pipeline starts on the backlog. The order of triage is read
 * from the durable bus log (publish order), not from a consumer that could itself favour one lane.
 */
describe('priority lanes on the embedded default (SQLite bus and state)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'soc-lanes-'));
  // The backlog is posted as fast as the edge takes it; the per-sender rate (which counts alerts) is raised so the
  // test queues 10,000 alerts instead of measuring the rate limit.
  const env = { SOC_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', SOC_SENDER_TOKEN: TOKEN, SOC_API_TOKEN: OPERATOR_TOKEN, LOG_LEVEL: 'silent', INGEST_RATE_PER_SECOND: '100000', INGEST_RATE_BURST: '100000' };
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it(`a critical alert posted after ${BACKLOG.toLocaleString('en')} queued low ones is triaged before at least 99% of them`, async () => {
    const edge = await runServices([ingestionService], { env, handleSignals: false });
    const post = async (alerts: object[]) => {
      const res = await fetch(`${edge.url}/api/v1/alerts/generic`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
      expect(res.status).toBe(202);
      return ((await res.json()) as { items: { alertId: string }[] }).items.map((i) => i.alertId);
    };
    for (let i = 0; i < BACKLOG; i += 1000) {
      await post(Array.from({ length: 1000 }, (_, j) => ({ ...templates[(i + j) % templates.length], id: `low-${i + j}`, severity: 'low' })));
    }
    const [criticalId] = await post([{ ...templates[0], id: 'the-critical-one', severity: 'critical' }]);
    await edge.close();

    const pipeline = await runServices(ALL_SERVICES.filter((s) => s.name !== 'ingestion'), { env, handleSignals: false });
    const bus = new DatabaseSync(join(dataDir, 'bus.sqlite'), { readOnly: true });
    try {
      const triagedIds = () => (bus.prepare("SELECT json_extract(body, '$.subject') AS subject FROM bus_messages WHERE type = 'soc.alert.triaged.v1' ORDER BY rowid").all() as { subject: string }[]).map((r) => r.subject);
      const order = await eventually(async () => {
        const ids = triagedIds();
        return ids.includes(criticalId!) ? ids : undefined;
      }, 60_000, 'the critical alert to be triaged');
      const lowBefore = order.indexOf(criticalId!);
      // ≥ 99% of the backlog after it: at most 1% (100) low alerts triaged first.
      expect(lowBefore).toBeLessThanOrEqual(BACKLOG / 100);
    } finally {
      bus.close();
      await pipeline.close();
    }
  }, 120_000);
});
