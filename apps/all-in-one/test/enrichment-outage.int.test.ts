import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, eventually, startSystem } from './support.ts';

const FEED = fileURLToPath(new URL('../../../test/fixtures/enrichment/ioc_feeds/Log4j_IOC_List.csv', import.meta.url));

/**
 * The whole system with threat intel configured: a real local feed, and VirusTotal pointed at an address where
 * nothing listens (an outage). The alert must still be triaged and decided, with the outage on the case.
 */
describe('an enrichment source outage degrades the case, never blocks it', () => {
  let system: Awaited<ReturnType<typeof startSystem>>;
  beforeAll(async () => {
    system = await startSystem({ SOC_BUS: 'memory', SOC_STATE: 'memory', TI_FEEDS: FEED, VIRUSTOTAL_API_KEY: 'vt-test-key-0123456789abcdef', VIRUSTOTAL_BASE_URL: 'http://127.0.0.1:9' });
  });
  afterAll(async () => system.close());

  it('triages the alert with the feed hit, and lists VirusTotal as missing', async () => {
    const api = client(system.url);
    const res = await api('/api/v1/alerts/generic', {
      body: { id: 'ti-outage-1', title: 'Outbound connection to a known Log4Shell scanner', severity: 'medium', entities: [{ type: 'ip', value: '1.34.18.93' }, { type: 'host', value: 'web01' }] },
    });
    expect(res.status).toBe(202);
    const view = await eventually(async () => {
      const v = (await api(`/api/v1/alerts/${res.body.alertId}`)).body;
      return v?.stage === 'decided' ? v : undefined;
    }, 20_000, 'the decision');
    expect(view.enrichment.missing).toEqual([expect.objectContaining({ source: 'virustotal' })]);
    const intel = view.enrichment.facts.filter((f: { kind: string }) => f.kind === 'threat-intel');
    expect(intel).toEqual([expect.objectContaining({ entityId: 'ip:1.34.18.93' })]);
    const factor = view.triage.risk.factors.find((f: { name: string }) => f.name === 'threat-intel');
    expect(factor.factIds).toEqual(intel.map((f: { id: string }) => f.id));
    expect(factor.points).toBeGreaterThan(0);
  });
});
