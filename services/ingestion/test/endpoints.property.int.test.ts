import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceName } from '@soc/contracts';
import { SENDER_TOKEN, startIngestion, until } from './support/ingestion-system.ts';
import { mutationsOf } from './support/mutate.ts';

const fixture = (path: string): unknown => JSON.parse(readFileSync(new URL(`../../../test/fixtures/${path}`, import.meta.url), 'utf8'));
const firstLine = (path: string): unknown => JSON.parse(readFileSync(new URL(`../../../test/fixtures/${path}`, import.meta.url), 'utf8').split('\n')[0]!);

/** A real payload per source: the seeds of the mutations. */
const text = (path: string): string => readFileSync(new URL(`../../../test/fixtures/${path}`, import.meta.url), 'utf8');
const SAMPLES: Record<SourceName, { mediaType: string; samples: unknown[] }> = {
  generic: { mediaType: 'application/json', samples: [firstLine('generic-alerts.jsonl')] },
  sentinel: { mediaType: 'application/json', samples: [firstLine('alerts/sentinel/rows.jsonl'), fixture('alerts/sentinel/incident-trigger.json')] },
  defender: {
    mediaType: 'application/json',
    samples: [fixture('alerts/defender/graph_alert_v2_get_example.json'), fixture('alerts/defender/graph_incident_get_example.json'), fixture('alerts/defender/mde_api_alert_example.json'), fixture('alerts/defender/streaming_eventhubs_alertinfo_alertevidence.json')],
  },
  splunk: { mediaType: 'application/json', samples: [fixture('alerts/splunk/webhook-alert-action-example.json'), fixture('alerts/splunk/es-notable-event.json')] },
  wazuh: { mediaType: 'application/json', samples: [fixture('alerts/wazuh/sysmon-process-create.json'), fixture('alerts/wazuh/syscheck-whodata-modified.json')] },
  cef: { mediaType: 'text/plain', samples: [text('alerts/cef/checkpoint-syslog.log').split('\n').slice(0, 3).join('\n')] },
};
/** Lines of real CEF/syslog text, cut and spliced at random. */
const cefLines = text('alerts/cef/checkpoint-syslog.log').split('\n').filter((l) => l.trim() !== '');

const RUNS = Number(process.env.PROPERTY_RUNS ?? 60);

/**
 * Random and mutated payloads at every source endpoint: the answer is always a 2xx or 4xx with a reason, never a
 * 5xx or a crash, and every alert a 202 acknowledged is on the bus.
 */
describe('every alert endpoint under random and mutated payloads', () => {
  let sys: Awaited<ReturnType<typeof startIngestion>>;
  const accepted = new Set<string>();
  beforeAll(async () => {
    sys = await startIngestion({ INGEST_MAX_BODY_BYTES: String(256 * 1024), INGEST_RATE_PER_SECOND: '100000', INGEST_RATE_BURST: '100000' });
  });
  afterAll(async () => sys.close());

  const send = async (source: string, body: string, contentType: string) => {
    const res = await fetch(`${sys.url}/api/v1/alerts/${source}`, { method: 'POST', headers: { authorization: `Bearer ${SENDER_TOKEN}`, 'content-type': contentType }, body });
    const text = await res.text();
    expect(res.status, `${source} answered ${res.status}: ${text.slice(0, 300)}`).toBeLessThan(500);
    expect([202, 400, 413, 415]).toContain(res.status);
    if (res.status === 202) {
      const json = JSON.parse(text) as { alertId?: string; items?: { alertId: string }[] };
      for (const r of json.items ?? [json]) accepted.add(r.alertId!);
    } else {
      const problem = JSON.parse(text) as { detail?: string; title?: string };
      expect(problem.title ?? problem.detail).toBeTruthy();
    }
  };

  for (const [source, { mediaType, samples }] of Object.entries(SAMPLES)) {
    it(`${source}: mutated real payloads and random JSON`, async () => {
      const body = fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...samples).chain((s) => mutationsOf(s)) },
        { weight: 1, arbitrary: fc.constantFrom(...samples).chain((s) => fc.array(mutationsOf(s), { minLength: 1, maxLength: 5 })) },
        { weight: 1, arbitrary: fc.jsonValue() },
      );
      await fc.assert(fc.asyncProperty(body, async (b) => send(source, JSON.stringify(b) ?? 'null', 'application/json')), { numRuns: RUNS });
      if (mediaType.startsWith('text/')) {
        const spliced = fc
          .array(fc.tuple(fc.constantFrom(...cefLines), fc.nat(), fc.nat(), fc.string({ maxLength: 20 })), { minLength: 1, maxLength: 5 })
          .map((parts) => parts.map(([line, a, b, junk]) => `${line.slice(0, a % (line.length + 1))}${junk}${line.slice(b % (line.length + 1))}`).join('\n'));
        await fc.assert(fc.asyncProperty(fc.oneof(fc.string({ maxLength: 2000 }), spliced), async (t) => send(source, t, 'text/plain')), { numRuns: RUNS });
      }
    });
  }

  it('random bytes under random content types are refused with a reason', async () => {
    const contentType = fc.constantFrom('application/json', 'text/plain', 'application/xml', 'application/octet-stream', 'application/json; charset=latin1', '');
    const bytes = fc.oneof(fc.string({ maxLength: 500 }), fc.uint8Array({ maxLength: 500 }).map((a) => Buffer.from(a).toString('latin1')));
    const source = fc.constantFrom(...Object.keys(SAMPLES), 'unknown-source');
    await fc.assert(
      fc.asyncProperty(source, contentType, bytes, async (s, ct, b) => {
        const res = await fetch(`${sys.url}/api/v1/alerts/${s}`, { method: 'POST', headers: { authorization: `Bearer ${SENDER_TOKEN}`, ...(ct ? { 'content-type': ct } : {}) }, body: b });
        const text = await res.text();
        expect(res.status, text.slice(0, 300)).toBeLessThan(500);
        if (res.status === 202) for (const r of (JSON.parse(text) as { items?: { alertId: string }[] }).items ?? [JSON.parse(text) as { alertId: string }]) accepted.add(r.alertId);
      }),
      { numRuns: RUNS },
    );
  });

  it('every accepted alert reached the bus, and the service is still healthy', async () => {
    expect(accepted.size).toBeGreaterThan(0);
    await until(() => [...accepted].every((id) => sys.received.some((e) => e.subject === id)), `${accepted.size} accepted alerts on the bus`);
    expect((await fetch(`${sys.url}/healthz`)).status).toBe(200);
  });
});
