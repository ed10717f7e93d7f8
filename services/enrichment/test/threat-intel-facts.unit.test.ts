import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Entity, Fact } from '@soc/contracts';
import { manualClock } from '@soc/runtime';
import { indicatorsFromEntities, intelFact } from '../src/threat-intel/facts.ts';
import { parseFeed } from '../src/threat-intel/feeds.ts';
import { LocalFeedThreatIntel } from '../src/threat-intel/local-feed.ts';

const dir = fileURLToPath(new URL('../../../test/fixtures/enrichment/', import.meta.url));
const feedText = (path: string): string => readFileSync(`${dir}${path}`, 'utf8');

// Entities as ingestion emits them: the Dridex C2 alert of Microsoft's demo workspace (test/fixtures/generic-alerts.jsonl
// line 6: host vm1, ip 183.95.154.13), plus an internal address and a file carrying FoggyWeb's SHA-256 and a domain from
// SOURGUM.csv.
const entities = [
  { id: 'host:vm1', type: 'host', value: 'vm1', hostname: 'vm1' },
  { id: 'ip:183.95.154.13', type: 'ip', value: '183.95.154.13' },
  { id: 'ip:10.0.0.4', type: 'ip', value: '10.0.0.4', isInternal: true },
  {
    id: 'file:version.dll',
    type: 'file',
    value: 'Windows\\ADFS\\version.dll',
    hashes: [{ algorithm: 'sha256', value: '231b5517b583de102cde59630c3bf938155d17037162f663874e4662af2481b1' }],
  },
  { id: 'domain:fbcdnads.live', type: 'domain', value: 'fbcdnads.live' },
].map((e) => Entity.parse(e));

describe('indicators of alert entities', () => {
  it('takes external IPs, domains and file hashes; skips hosts and internal addresses', () => {
    expect(indicatorsFromEntities(entities)).toEqual([
      { entityId: 'ip:183.95.154.13', indicator: { type: 'ip', value: '183.95.154.13' } },
      {
        entityId: 'file:version.dll',
        indicator: { type: 'hash', value: '231b5517b583de102cde59630c3bf938155d17037162f663874e4662af2481b1' },
      },
      { entityId: 'domain:fbcdnads.live', indicator: { type: 'domain', value: 'fbcdnads.live' } },
    ]);
  });
});

describe('findings as enrichment facts', () => {
  const intel = new LocalFeedThreatIntel(
    [
      {
        name: 'SOURGUM',
        file: 'SOURGUM.csv',
        result: parseFeed(feedText('ioc_feeds/SOURGUM.csv'), { fileName: 'SOURGUM.csv', threatNames: ['SOURGUM'] }),
      },
      {
        name: 'test-stix',
        file: 'bundle.json',
        result: parseFeed(feedText('stix/bundle.json'), { fileName: 'bundle.json' }),
      },
    ],
    { clock: manualClock('2026-01-01T00:00:00Z') },
  );

  it('each finding becomes a valid threat-intel fact citing its entity', async () => {
    const pairs = indicatorsFromEntities(entities);
    const facts = [];
    for (const { entityId, indicator } of pairs)
      for (const f of await intel.lookup([indicator])) facts.push(intelFact(f, entityId));
    expect(facts.map((f) => Fact.parse(f))).toHaveLength(2);
    expect(facts[0]).toMatchObject({
      kind: 'threat-intel',
      entityId: 'file:version.dll',
      source: 'feed:test-stix',
      observedAt: '2026-01-01T00:00:00.000Z',
      confidence: 0.85,
      cacheHit: false,
      statement:
        '231b5517b583de102cde59630c3bf938155d17037162f663874e4662af2481b1 is malicious according to feed:test-stix (FoggyWeb, NOBELIUM); confidence 85/100',
      attributes: {
        verdict: 'malicious',
        threatNames: 'FoggyWeb, NOBELIUM',
        firstSeen: '2021-10-22T00:00:00.000Z',
        lastSeen: null,
      },
    });
    expect(facts[1]).toMatchObject({
      entityId: 'domain:fbcdnads.live',
      source: 'feed:SOURGUM',
      attributes: { reference: 'SOURGUM.csv:3', tags: 'tlp:white' },
    });
  });

  it('fact ids are stable for the same source, indicator and reference, and differ otherwise', async () => {
    const [a] = await intel.lookup([{ type: 'domain', value: 'fbcdnads.live' }]);
    const [b] = await intel.lookup([{ type: 'domain', value: 'FBCDNADS[.]live' }]);
    const [c] = await intel.lookup([{ type: 'domain', value: 'hilocake.info' }]);
    if (!a || !b || !c) throw new Error('expected findings');
    expect(intelFact(a).id).toBe(intelFact(b).id);
    expect(intelFact(a).id).not.toBe(intelFact(c).id);
    expect(intelFact(a).id).toMatch(/^threat-intel:feed:SOURGUM:domain:[0-9a-f]{16}$/);
  });
});
