import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { manualClock } from '@soc/runtime';
import { parseFeed } from '../src/threat-intel/feeds.ts';
import { LocalFeedThreatIntel, type LoadedFeed } from '../src/threat-intel/local-feed.ts';
import type { FeedEntry, FeedParseResult, ParsedFeed } from '../src/threat-intel/feed-entry.ts';

// Real Microsoft IOC feeds (Azure/Azure-Sentinel `Sample Data/Feeds`, MIT) and STIX/MISP samples converted
// from their rows; see test/fixtures/enrichment/README.md.
const dir = fileURLToPath(new URL('../../../test/fixtures/enrichment/', import.meta.url));
const read = (path: string): string => readFileSync(`${dir}${path}`, 'utf8');
const parse = (path: string, extra: { threatNames?: string[]; confidence?: number } = {}): FeedParseResult =>
  parseFeed(read(path), { fileName: path.split('/').pop() ?? path, ...extra });
const feed = (path: string, extra?: { threatNames?: string[]; confidence?: number }): ParsedFeed => {
  const r = parse(path, extra);
  if (r.kind !== 'feed') throw new Error(`${path}: ${r.reason}`);
  return r;
};
const entryOf = (f: ParsedFeed, key: string): FeedEntry | undefined => f.entries.find((e) => e.indicator.key === key);

describe('CSV feeds: the layout is detected per file', () => {
  it('SOURGUM.csv: IoC/Type columns, domains and a hash kept, file paths and registry keys counted', () => {
    const f = feed('ioc_feeds/SOURGUM.csv', { threatNames: ['SOURGUM'] });
    expect(f.entries).toHaveLength(18);
    expect(f.skipped).toEqual({
      'unsupported type filepath1': 1,
      'unsupported type filepath2': 2,
      'unsupported type filepath3': 3,
      'unsupported type regkey': 4,
    });
    expect(entryOf(f, 'domain:hilocake.info')).toEqual({
      indicator: { type: 'domain', value: 'hilocake.info', key: 'domain:hilocake.info' },
      verdict: 'malicious',
      confidence: 80,
      threatNames: ['SOURGUM'],
      tags: ['tlp:white'],
      firstSeen: '2021-07-16T00:00:00.000Z',
      reference: 'SOURGUM.csv:4',
      attributes: { dateAdded: '2021-07-16T00:00:00.000Z' },
    });
  });

  it('IP_IOC_V1.csv: actor names, JSON tags, expiry and reference columns', () => {
    const f = feed('ioc_feeds/IP_IOC_V1.csv');
    expect(f.entries).toHaveLength(423);
    expect(entryOf(f, 'ip:103.99.209.78')).toMatchObject({
      threatNames: ['Barium'],
      tags: ['Barium', 'APT41'],
      firstSeen: '2020-09-16T00:00:00.000Z',
      validUntil: '2021-01-21T13:34:00.000Z',
      reference: 'IP_IOC_V1.csv:2',
      attributes: {
        targetedService: 'Infrastructure',
        feedReference:
          'https://techcommunity.microsoft.com/t5/microsoft-sentinel-blog/hunting-for-barium-using-azure-sentinel/ba-p/1875913',
      },
    });
    // A row without DateAdded has no first-seen date rather than a made-up one.
    expect(entryOf(f, 'ip:95.179.192.125')?.firstSeen).toBeUndefined();
  });

  it('Log4j_IOC_List.csv: a single IPAddress column fixes the type', () => {
    const f = feed('ioc_feeds/Log4j_IOC_List.csv');
    expect(f.entries).toHaveLength(323);
    expect(f.entries[0]).toMatchObject({ indicator: { key: 'ip:1.34.18.93' }, reference: 'Log4j_IOC_List.csv:2' });
  });

  it('Exchange 2021 CSV: Indicator/IndicatorType columns and FirstSeen over DateAdded', () => {
    const f = feed('ioc_feeds/MSTICIoCs-ExchangeServerVulnerabilitiesDisclosedMarch2021.csv');
    expect(f.entries).toHaveLength(48);
    expect(f.skipped).toEqual({ 'unsupported type filepath': 104 });
    expect(entryOf(f, 'hash:8e90ed33c7ee82c0b64078ea36ec95f7420ba435c693b3b3dd728b494abf7dfc')?.firstSeen).toBe(
      '2021-03-05T10:07:29.042Z',
    );
    expect(entryOf(f, 'domain:jennifer.krebsonsecurity.top')).toMatchObject({
      reference: 'MSTICIoCs-ExchangeServerVulnerabilitiesDisclosedMarch2021.csv:153',
      firstSeen: '2021-04-01T00:00:00.000Z',
    });
  });

  it('FoggyWeb, Actinium and Dev-0530: only hashes, IPs and domains are kept', () => {
    expect(feed('ioc_feeds/FoggyWebIOC.csv').skipped).toEqual({
      'unsupported type FilePath': 2,
      'unsupported type URI1': 1,
      'unsupported type URI2': 3,
    });
    const actinium = feed('ioc_feeds/ActiniumIOC.csv');
    expect([actinium.entries.length, actinium.skipped]).toEqual([141, { 'unsupported type AVDetection': 11 }]);
    expect(feed('ioc_feeds/Dev-0530_July2022.csv').entries.map((e) => e.indicator.type)).toEqual([
      'hash',
      'hash',
      'hash',
      'ip',
    ]);
  });

  it('Microsoft.Covid19.Indicators.csv has no header: the type-word column is found from the first row', () => {
    const f = feed('ioc_feeds/Microsoft.Covid19.Indicators.csv');
    expect(f.entries).toHaveLength(36);
    expect(f.entries[0]).toMatchObject({
      indicator: { key: 'hash:56ff731ac45bd95082663da70fc6cdb4560e5f84fc2ba36317cb7836a1534b3a', algorithm: 'sha256' },
      firstSeen: '2020-09-29T08:01:39.000Z',
      reference: 'Microsoft.Covid19.Indicators.csv:1',
    });
  });

  it.each([
    [
      'ioc_feeds/CMMCPolicyMapping.csv',
      'no indicator column (first row: RecommendationName, ControlFamily, ControlNumber, MaturityLevel)',
    ],
    [
      'ioc_feeds/Microsoft.OAuth.KnownApplications.csv',
      'no indicator column (first row: 5523c0ac-586d-491e-bc73-fc18f9ed2c28, DocuSign NA1)',
    ],
    [
      'ioc_feeds/VPS_Networks.head.csv',
      'CIDR network list (first row: 68.232.171.0/24); network ranges are not indicators this module matches',
    ],
  ])('%s is not an IOC feed', (path, reason) => {
    expect(parse(path)).toEqual({ kind: 'not-a-feed', reason });
  });
});

describe('Microsoft JSON feeds', () => {
  it('Exchange 2021 JSON: the MD5 and SHA-1 of each file are indexed too', () => {
    const f = feed('ioc_feeds/MSTICIoCs-ExchangeServerVulnerabilitiesDisclosedMarch2021.json');
    expect(f.format).toBe('microsoft-json');
    expect(f.entries).toHaveLength(45 * 3 + 3);
    expect(f.skipped).toEqual({ 'unsupported type filepath': 104 });
    expect(entryOf(f, 'hash:4ef04cba6bec2c3a164b9b755efbeb1c')).toMatchObject({
      tags: ['malware', 'tlp:white'],
      firstSeen: '2021-03-05T10:07:29.042Z',
      reference: 'MSTICIoCs-ExchangeServerVulnerabilitiesDisclosedMarch2021.json#0',
      attributes: {
        sameFileAs: '8e90ed33c7ee82c0b64078ea36ec95f7420ba435c693b3b3dd728b494abf7dfc',
        dateAdded: '2021-03-10T00:00:00.000Z',
      },
    });
  });

  it('COVID-19 JSON: rows under Covid19Indicators, referenced by ExternalId', () => {
    const f = feed('ioc_feeds/Microsoft.Covid19.Indicators.json');
    expect(f.entries).toHaveLength(36 * 3);
    expect(entryOf(f, 'hash:7e9019b7260ceeba7accc91fd6795c5b217070c9')?.reference).toBe(
      'Microsoft.Covid19.Indicators.json#32d16b15-441a-44bb-967f-07fdd213ca86',
    );
  });
});

describe('STIX 2.1 bundle', () => {
  const f = feed('stix/bundle.json');

  it('indexes each observable of each indicator; revoked ones are skipped', () => {
    expect(f.format).toBe('stix');
    expect(f.entries.map((e) => e.indicator.key)).toEqual([
      'hash:231b5517b583de102cde59630c3bf938155d17037162f663874e4662af2481b1',
      'domain:noc-service-streamer.com',
      'ip:144.34.179.162',
      'ip:98.176.196.89',
      'ip:103.99.209.78',
      'url:http://218.54.47.76/',
      'hash:99fc54786a72f32fd44c7391c2171ca31e72ca52725c68e2dde94d04c286fccd',
      'ip:193.56.29.123',
    ]);
    expect(f.skipped).toEqual({ revoked: 1 });
  });

  it('threat names from indicates relationships, confidence, labels and validity', () => {
    expect(entryOf(f, 'hash:231b5517b583de102cde59630c3bf938155d17037162f663874e4662af2481b1')).toMatchObject({
      verdict: 'malicious',
      confidence: 85,
      threatNames: ['FoggyWeb', 'NOBELIUM'],
      tags: ['tlp:white', 'malicious-activity'],
      firstSeen: '2021-10-22T00:00:00.000Z',
      attributes: { exactPattern: true },
    });
    expect(entryOf(f, 'ip:103.99.209.78')).toMatchObject({
      threatNames: ['Barium'],
      validUntil: '2021-01-21T13:34:00.000Z',
      confidence: 80,
    });
    expect(entryOf(f, 'ip:98.176.196.89')?.reference).toMatch(/^indicator--/);
  });

  it('anomalous-activity is suspicious; an AND pattern is downgraded to suspicious', () => {
    expect(entryOf(f, 'url:http://218.54.47.76/')).toMatchObject({ verdict: 'suspicious', confidence: 15 });
    expect(entryOf(f, 'ip:193.56.29.123')).toMatchObject({
      verdict: 'suspicious',
      attributes: { exactPattern: false },
    });
  });
});

describe('MISP export', () => {
  const f = feed('misp/events.json');

  it('reads Event.Attribute and Event.Object[].Attribute of every event; unsupported and deleted are counted', () => {
    expect(f.format).toBe('misp');
    expect(f.entries.map((e) => e.indicator.key)).toEqual([
      'domain:noc-service-streamer.com',
      'domain:fbcdnads.live',
      'hash:c299063e3eae8ddc15839767e83b9808fd43418dc5a1af7e4f44b97ba53fbd3d',
      'domain:jennifer.krebsonsecurity.top',
      'domain:krebsonsecurity.top',
      'hash:8e90ed33c7ee82c0b64078ea36ec95f7420ba435c693b3b3dd728b494abf7dfc',
      'hash:4ef04cba6bec2c3a164b9b755efbeb1c',
      'hash:49644cbbb9d234bd4f7a47ed596c8bbfefd39065',
      'ip:193.56.29.123',
    ]);
    expect(f.skipped).toEqual({
      'unsupported type regkey': 1,
      'unsupported type filename': 1,
      'unsupported type email-src': 1,
      deleted: 1,
    });
  });

  it('galaxy tags name the threat; the event date is the first-seen fallback', () => {
    expect(entryOf(f, 'domain:fbcdnads.live')).toMatchObject({
      verdict: 'malicious',
      threatNames: ['SOURGUM'],
      tags: ['tlp:white'],
      firstSeen: '2021-07-16T00:00:00.000Z',
      attributes: {
        mispType: 'domain',
        event: 'SOURGUM IOCs (Microsoft, July 2021)',
        toIds: true,
        category: 'Network activity',
        threatLevel: 'high',
      },
    });
    expect(entryOf(f, 'domain:fbcdnads.live')?.reference).toMatch(
      /^misp:event\/[0-9a-f-]{36}\/attribute\/[0-9a-f-]{36}$/,
    );
  });

  it('to_ids false is suspicious; object attributes carry the object name and their own first_seen', () => {
    expect(entryOf(f, 'domain:krebsonsecurity.top')?.verdict).toBe('suspicious');
    expect(entryOf(f, 'hash:4ef04cba6bec2c3a164b9b755efbeb1c')).toMatchObject({
      verdict: 'malicious',
      firstSeen: '2021-03-05T10:07:29.042Z',
      attributes: { mispObject: 'file', threatLevel: 'medium' },
    });
  });

  it('old-style "1" booleans, composite ip|port values and galaxy clusters', () => {
    expect(entryOf(f, 'ip:193.56.29.123')).toMatchObject({
      verdict: 'malicious',
      threatNames: ['DEV-0530'],
      attributes: { mispType: 'ip-dst|port' },
    });
  });
});

describe('LocalFeedThreatIntel', () => {
  const loaded = (path: string, name: string, threatNames?: string[]): LoadedFeed => ({
    name,
    file: path.split('/').pop() ?? path,
    result: parse(path, threatNames ? { threatNames } : {}),
  });

  function intel(now = '2026-01-01T00:00:00Z') {
    const clock = manualClock(now);
    return {
      clock,
      intel: new LocalFeedThreatIntel(
        [
          loaded('ioc_feeds/SOURGUM.csv', 'SOURGUM', ['SOURGUM']),
          loaded('ioc_feeds/IP_IOC_V1.csv', 'IP_IOC_V1'),
          loaded('ioc_feeds/Dev-0530_July2022.csv', 'Dev-0530'),
          loaded('stix/bundle.json', 'test-stix'),
          loaded('misp/events.json', 'test-misp'),
          loaded('ioc_feeds/CMMCPolicyMapping.csv', 'CMMCPolicyMapping'),
        ],
        { clock },
      ),
    };
  }

  it('reports what each file gave, including files that are not feeds', () => {
    expect(intel().intel.report.map((r) => [r.name, r.status, r.entries])).toEqual([
      ['SOURGUM', 'loaded', 18],
      ['IP_IOC_V1', 'loaded', 423],
      ['Dev-0530', 'loaded', 4],
      ['test-stix', 'loaded', 8],
      ['test-misp', 'loaded', 9],
      ['CMMCPolicyMapping', 'not-a-feed', 0],
    ]);
  });

  it('finds a defanged, mixed-case indicator in every feed that lists it, with provenance', async () => {
    const { intel: ti } = intel();
    const findings = await ti.lookup([{ type: 'domain', value: 'NOC-service-streamer[.]com' }]);
    expect(
      findings.map((f) => [
        f.provenance.source,
        f.reference.replace(/--.*|\/attribute\/.*/, ''),
        f.verdict,
        f.threatNames,
      ]),
    ).toEqual([
      ['feed:SOURGUM', 'SOURGUM.csv:2', 'malicious', ['SOURGUM']],
      ['feed:test-stix', 'indicator', 'malicious', ['SOURGUM']],
      ['feed:test-misp', 'misp:event/3f8a6210-c612-5ab5-bf48-47b9ca06bef6', 'malicious', ['SOURGUM']],
    ]);
    expect(findings[0]?.provenance).toEqual({
      source: 'feed:SOURGUM',
      fetchedAt: '2026-01-01T00:00:00.000Z',
      confidence: 80,
      cacheHit: false,
    });
  });

  it('reports an expired entry as suspicious at half confidence, and a live one unchanged', async () => {
    const { intel: ti } = intel();
    const [csv, stix] = await ti.lookup([{ type: 'ip', value: '103.99.209.78' }]);
    expect([csv?.verdict, csv?.provenance.confidence, csv?.attributes['expired'], stix?.verdict]).toEqual([
      'suspicious',
      40,
      true,
      'suspicious',
    ]);
    const before = intel('2020-12-01T00:00:00Z').intel;
    const [early] = await before.lookup([{ type: 'ip', value: '103.99.209.78' }]);
    expect([early?.verdict, early?.provenance.confidence, early?.attributes['expired']]).toEqual([
      'malicious',
      80,
      false,
    ]);
  });

  it('returns nothing for indicators no feed lists, and for invalid ones', async () => {
    const { intel: ti } = intel();
    expect(
      await ti.lookup([
        { type: 'domain', value: 'example.org' },
        { type: 'hash', value: 'not-a-hash' },
      ]),
    ).toEqual([]);
  });

  it('loads a directory of feeds from disk and reports non-feeds without failing', async () => {
    const ti = await LocalFeedThreatIntel.load([{ path: `${dir}ioc_feeds` }], { clock: manualClock() });
    expect(ti.report.filter((r) => r.status === 'not-a-feed').map((r) => r.file)).toEqual([
      'CMMCPolicyMapping.csv',
      'Microsoft.OAuth.KnownApplications.csv',
      'VPS_Networks.head.csv',
    ]);
    expect(ti.report.find((r) => r.file === 'Log4j_IOC_List.csv')).toMatchObject({
      status: 'loaded',
      format: 'csv',
      entries: 323,
    });
    const hits = await ti.lookup([{ type: 'ip', value: '193.56.29.123' }]);
    expect(hits.map((h) => h.reference)).toEqual(['Dev-0530_July2022.csv:5', 'IP_IOC_V1.csv:424']);
  });

  it('refuses to start on a path that cannot be read', async () => {
    await expect(
      LocalFeedThreatIntel.load([{ path: `${dir}no-such-feed.csv` }], { clock: manualClock() }),
    ).rejects.toMatchObject({
      name: 'AppError',
      code: 'CONFIGURATION_INVALID',
      retryable: false,
    });
  });
});
