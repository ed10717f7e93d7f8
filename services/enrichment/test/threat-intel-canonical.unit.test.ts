import { describe, expect, it } from 'vitest';
import {
  canonicalIndicator,
  canonicalIndicators,
  isNonPublicIp,
  MAX_INDICATOR_LENGTH,
  refang,
} from '../src/threat-intel/canonical.ts';
import { readCsv } from '../src/threat-intel/csv.ts';
import { parseFeedDate } from '../src/threat-intel/feed-entry.ts';
import { readStixPattern } from '../src/threat-intel/stix-feed.ts';
import type { Indicator } from '../src/threat-intel/port.ts';

const key = (i: Indicator): string | undefined => canonicalIndicator(i)?.key;

// Values from Microsoft's IOC feeds (Azure/Azure-Sentinel Sample Data/Feeds, MIT) and VirusTotal responses
// (microsoft/msticpy tests, MIT), written the ways analysts and alerts write them.
describe('canonical indicators', () => {
  it.each([
    ['defanged IP from Dev-0530', { type: 'ip', value: '193.56.29[.]123' }, 'ip:193.56.29.123'],
    ['IP with surrounding space', { type: 'ip', value: ' 103.99.209.78 ' }, 'ip:103.99.209.78'],
    ['IPv6 in upper case with zero runs', { type: 'ip', value: '2001:DB8:0:0:0:0:0:1' }, 'ip:2001:db8::1'],
    ['IPv4-mapped IPv6 becomes IPv4', { type: 'ip', value: '::ffff:193.56.29.123' }, 'ip:193.56.29.123'],
    [
      'SOURGUM domain in mixed case with root dot',
      { type: 'domain', value: 'Noc-Service-Streamer.COM.' },
      'domain:noc-service-streamer.com',
    ],
    [
      'defanged Exchange domain',
      { type: 'domain', value: 'jennifer[.]krebsonsecurity(dot)top' },
      'domain:jennifer.krebsonsecurity.top',
    ],
    ['IDN domain to punycode', { type: 'domain', value: 'bücher.example' }, 'domain:xn--bcher-kva.example'],
    ['hxxp URL of the VirusTotal sample', { type: 'url', value: 'hxxp://218.54.47[.]76' }, 'url:http://218.54.47.76/'],
    [
      'URL: credentials, fragment and default port dropped',
      { type: 'url', value: 'HTTPS://user:pw@Evil.Example:443/a b?x=1#top' },
      'url:https://evil.example/a%20b?x=1',
    ],
    [
      'URL without scheme',
      { type: 'url', value: 'noc-service-streamer.com/update' },
      'url:http://noc-service-streamer.com/update',
    ],
    [
      'upper-case SHA-256 from FoggyWeb',
      { type: 'hash', value: '231B5517B583DE102CDE59630C3BF938155D17037162F663874E4662AF2481B1' },
      'hash:231b5517b583de102cde59630c3bf938155d17037162f663874e4662af2481b1',
    ],
    [
      'Hive SHA-256 with the trailing space of the feed',
      { type: 'hash', value: 'f4a39820dbff47fa1b68f83f575bc98ed33858b02341c5c0464a49be4e6c76d3 ' },
      'hash:f4a39820dbff47fa1b68f83f575bc98ed33858b02341c5c0464a49be4e6c76d3',
    ],
  ] as const)('%s', (_name, indicator, expected) => {
    expect(key(indicator)).toBe(expected);
  });

  it('names the hash algorithm from the digest length', () => {
    expect(canonicalIndicator({ type: 'hash', value: '4ef04cba6bec2c3a164b9b755efbeb1c' })?.algorithm).toBe('md5');
    expect(canonicalIndicator({ type: 'hash', value: '49644cbbb9d234bd4f7a47ed596c8bbfefd39065' })?.algorithm).toBe(
      'sha1',
    );
  });

  it.each([
    ['leading-zero IPv4', { type: 'ip', value: '010.1.1.1' }],
    ['CIDR range from VPS_Networks.csv', { type: 'ip', value: '68.232.171.0/24' }],
    ['host name without a dot', { type: 'domain', value: 'msticalertswin1' }],
    ['domain with a space', { type: 'domain', value: 'evil .com' }],
    ['file path typed as URL', { type: 'url', value: 'javascript:alert(1)' }],
    ['63-digit hash', { type: 'hash', value: '231b5517b583de102cde59630c3bf938155d17037162f663874e4662af2481b' }],
    ['non-hex hash', { type: 'hash', value: 'z'.repeat(64) }],
    ['oversized value', { type: 'domain', value: `${'a.'.repeat(MAX_INDICATOR_LENGTH)}com` }],
  ] as const)('rejects %s', (_name, indicator) => {
    expect(canonicalIndicator(indicator)).toBeUndefined();
  });

  it('de-duplicates by canonical key, keeping first-seen order', () => {
    const keys = canonicalIndicators([
      { type: 'domain', value: 'FBCDNADS.live' },
      { type: 'ip', value: 'not an ip' },
      { type: 'domain', value: 'fbcdnads[.]live' },
      { type: 'ip', value: '144.34.179.162' },
    ]).map((c) => c.key);
    expect(keys).toEqual(['domain:fbcdnads.live', 'ip:144.34.179.162']);
  });

  it('refangs only bracketed markers and hxxp schemes', () => {
    expect(refang('hxxps://evil[.]example[/]path')).toBe('https://evil.example/path');
    expect(refang('dot.example')).toBe('dot.example');
  });

  it('tells non-public addresses from public ones', () => {
    expect(
      ['10.1.2.3', '192.168.0.10', '127.0.0.1', '169.254.1.1', '100.64.0.1', 'fe80::1', '::1'].map(isNonPublicIp),
    ).toEqual(Array(7).fill(true));
    expect(['193.56.29.123', '2a00:1450:4001::1'].map(isNonPublicIp)).toEqual([false, false]);
  });
});

describe('feed dates', () => {
  it.each([
    ['9/16/2020', '2020-09-16T00:00:00.000Z'],
    ['1/21/21 13:34', '2021-01-21T13:34:00.000Z'],
    ['11/18/2031', '2031-11-18T00:00:00.000Z'],
    ['9/29/2020 8:01:39 PM', '2020-09-29T20:01:39.000Z'],
    ['2021-03-10', '2021-03-10T00:00:00.000Z'],
    ['2021-03-05T10:07:29.0421232Z', '2021-03-05T10:07:29.042Z'],
    ['2020-09-29T08:01:39', '2020-09-29T08:01:39.000Z'],
  ])('%s → %s', (raw, iso) => expect(parseFeedDate(raw)).toBe(iso));

  it('refuses dates that do not exist and free text', () => {
    expect([parseFeedDate('2/31/2021'), parseFeedDate('White'), parseFeedDate('')]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('CSV reader', () => {
  it('reads quoted fields with doubled quotes and commas (IP_IOC_V1.csv tags), CRLF and a BOM', () => {
    const text =
      '\uFEFFDateAdded,IoC,Type,Tags\r\n9/16/2020,103.99.209.78,IP,"[""Barium"", ""APT41""]"\r\n\r\n,95.179.192.125,IP,"[""Manganese""]"';
    expect(readCsv(text)).toEqual([
      { line: 1, fields: ['DateAdded', 'IoC', 'Type', 'Tags'] },
      { line: 2, fields: ['9/16/2020', '103.99.209.78', 'IP', '["Barium", "APT41"]'] },
      { line: 4, fields: ['', '95.179.192.125', 'IP', '["Manganese"]'] },
    ]);
  });

  it('keeps line numbers right after a quoted field spanning lines', () => {
    expect(readCsv('a,b\n"x\ny",z\nlast,row').map((r) => r.line)).toEqual([1, 2, 4]);
  });
});

describe('STIX patterns', () => {
  it('reads alternatives as an exact list', () => {
    const r = readStixPattern("[ipv4-addr:value = '144.34.179.162' OR ipv4-addr:value = '98.176.196.89']");
    expect(r.observables.map((o) => o.key)).toEqual(['ip:144.34.179.162', 'ip:98.176.196.89']);
    expect(r.exact).toBe(true);
  });

  it('reads quoted hash names and escapes', () => {
    const r = readStixPattern(
      "[file:hashes.'SHA-256' = '231b5517b583de102cde59630c3bf938155d17037162f663874e4662af2481b1']",
    );
    expect(r).toMatchObject({ exact: true, unsupported: 0 });
    expect(r.observables[0]?.algorithm).toBe('sha256');
    expect(readStixPattern("[url:value = 'http://218.54.47.76/it\\'s']").observables[0]?.value).toBe(
      "http://218.54.47.76/it's",
    );
  });

  it('marks AND, qualifiers and other operators as inexact', () => {
    expect(
      readStixPattern("[file:hashes.MD5 = '4ef04cba6bec2c3a164b9b755efbeb1c'] AND [ipv4-addr:value = '193.56.29.123']")
        .exact,
    ).toBe(false);
    expect(readStixPattern("[ipv4-addr:value = '193.56.29.123'] WITHIN 300 SECONDS").exact).toBe(false);
    const like = readStixPattern(
      "[domain-name:value LIKE '%.krebsonsecurity.top' OR domain-name:value = 'krebsonsecurity.top']",
    );
    expect(like).toMatchObject({ exact: false, unsupported: 1 });
    expect(like.observables.map((o) => o.key)).toEqual(['domain:krebsonsecurity.top']);
  });

  it('ignores paths it cannot match', () => {
    expect(readStixPattern("[email-addr:value = 'H0lyGh0st@mail2tor.com']")).toMatchObject({
      observables: [],
      unsupported: 1,
      exact: false,
    });
  });
});
