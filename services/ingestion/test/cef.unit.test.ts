import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Alert } from '@soc/contracts';
import { cefParser } from '../src/sources/cef/index.ts';
import { cefSeverity } from '../src/sources/cef/severity.ts';
import { parseCefTime } from '../src/sources/cef/time.ts';
import { normalize } from '../src/sources/normalize.ts';
import type { AlertDraft } from '../src/sources/types.ts';

const FIXTURES = new URL('../../../test/fixtures/alerts/cef/', import.meta.url);
const SAMPLES = new URL('sentinel-sample-data/', FIXTURES);
const receivedAt = new Date('2026-11-23T10:00:00Z');
const ctx = { tenantId: 'contoso', senderName: 'test-sender', receivedAt };

const fixture = (name: string, dir: URL = FIXTURES): string => readFileSync(new URL(name, dir), 'utf8');

/** RFC 4180 CSV (quoted fields, doubled quotes, CRLF, a leading BOM) → one object per row, keyed by the header. */
function readCsv(text: string): Record<string, string>[] {
  const [header = [], ...body] = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true, relax_quotes: true }) as string[][];
  return body.map((r) => Object.fromEntries(header.map((h, k) => [h, r[k] ?? ''])));
}

type Sample = { file: string; body: unknown; records: number };

/** Each sample file as the body a sender would POST: text files as text, JSON as JSON, CSV exports as JSON rows. */
function sample(file: string): Sample {
  const text = fixture(file, SAMPLES);
  if (file.endsWith('.csv')) {
    const rows = readCsv(text);
    return { file, body: rows, records: rows.length };
  }
  if (file.endsWith('.json')) {
    const rows = JSON.parse(text) as unknown[];
    return { file, body: rows, records: rows.length };
  }
  return { file, body: text, records: text.split(/\r?\n/).filter((l) => l.trim() !== '').length };
}

function accepted(body: unknown): { alerts: Alert[]; drafts: AlertDraft[] } {
  const outcome = normalize(cefParser, body, ctx);
  if (!outcome.ok) throw new Error(`refused: ${JSON.stringify(outcome.errors.slice(0, 3))}`);
  return outcome;
}

const one = (body: unknown): Alert => {
  const { alerts } = accepted(body);
  expect(alerts).toHaveLength(1);
  return alerts[0] as Alert;
};

const sourceEntities = (alert: Alert) => alert.entities.filter((e) => e.origin === 'source');
const line = (file: string, n: number): string => fixture(file, SAMPLES).split(/\r?\n/)[n] as string;
const rows = (file: string): Record<string, unknown>[] => sample(file).body as Record<string, unknown>[];

describe('cef parser: every Sentinel CEF sample file', () => {
  const files = readdirSync(SAMPLES).sort();

  it('finds all 35 sample files', () => {
    expect(files).toHaveLength(35);
  });

  it.each(files)('normalises %s with one alert per line or row and pointers back to each record', (file) => {
    const { body, records } = sample(file);
    const { alerts, drafts } = accepted(body);
    expect(alerts).toHaveLength(records);
    expect(records).toBeGreaterThan(0);
    if (typeof body === 'string') {
      const nonBlank = body.split(/\r?\n/).flatMap((l, n) => (l.trim() === '' ? [] : [`/lines/${n}`]));
      expect(drafts.map((d) => d.rawPointer)).toEqual(nonBlank);
    } else {
      expect(drafts.map((d) => d.rawPointer)).toEqual((body as unknown[]).map((_, i) => `/${i}`));
    }
    for (const a of alerts) expect(a.source).toMatchObject({ name: 'cef' });
  });
});

describe('cef parser: CEF lines', () => {
  it('maps a Citrix ADC (NetScaler) web-firewall line: source IP, request URL, rule, severity 6', () => {
    const alert = one(line('CitrixADC.txt', 0));
    expect(alert.source).toMatchObject({ vendor: 'Citrix', product: 'NetScaler' });
    expect(alert.title).toBe('APPFW_STARTURL');
    expect(alert.rule).toEqual({ id: 'APPFW', name: 'APPFW_STARTURL' });
    expect(alert.severity).toBe('medium');
    expect(sourceEntities(alert)).toEqual([
      expect.objectContaining({ id: 'ip:10.10.10.10', role: 'actor', isInternal: true }),
      expect.objectContaining({ id: 'url:http://www.example.org/www/login.html', role: 'target' }),
    ]);
    expect(alert.description).toContain('Disallow Illegal URL.');
    expect(alert.labels).toContain('action:blocked');
    // No rt and no syslog header: detected when received.
    expect(alert.detectedAt).toBe(receivedAt.toISOString());
  });

  it('unescapes \\= inside a real request URL (Citrix line 3)', () => {
    const alert = one(line('CitrixADC.txt', 2));
    expect(alert.entities).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'url', value: 'http://test.example.com/css/login_post.html?usr=admin' }),
      ]),
    );
  });

  it('reads a syslog-framed Check Point line with the Sentinel "CEF: 0|" spelling', () => {
    const alert = one(fixture('checkpoint-syslog.log'));
    expect(alert.source).toMatchObject({ vendor: 'Check Point', product: 'VPN-1 & FireWall-1' });
    expect(alert.title).toBe('Log');
    expect(alert.rule).toEqual({ id: 'geo_protection', name: 'Log' });
    // Severity "Unknown" is not a level: the default, with the product's word kept as a label.
    expect(alert.severity).toBe('medium');
    expect(alert.labels).toEqual(expect.arrayContaining(['action:Drop', 'cef-severity:Unknown']));
    expect(alert.detectedAt).toBe('2020-03-20T10:05:18.000Z'); // rt=1584698718000
    expect(sourceEntities(alert)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'ip:123.113.101.36', role: 'actor', isInternal: false }),
        expect.objectContaining({ id: 'ip:192.168.1.5', role: 'target' }),
      ]),
    );
    expect(alert.description).toContain('Protection Type: geo_protection');
  });

  it('gives the same record the same id raw, in RFC 3164 and in RFC 5424 framing', () => {
    const record = fixture('checkpoint-vrl.cef').trim();
    const raw = one(record);
    const rfc3164 = one(`<134>Nov 26 22:17:32 192.168.101.254 CEF: ${record.slice('CEF:'.length)}`);
    const rfc5424 = one(`<134>1 2018-11-26T22:17:32.000Z 192.168.101.254 CheckPoint 2812 - - ${record}`);
    expect(rfc3164.alertId).toBe(raw.alertId);
    expect(rfc5424.alertId).toBe(raw.alertId);
    expect(raw.detectedAt).toBe('2018-11-26T22:17:32.000Z');
    expect(sourceEntities(raw).map((e) => `${e.id}/${e.role}`)).toEqual([
      'ip:192.168.101.100/actor',
      'ip:192.168.103.254/related',
      'ip:52.173.84.157/target',
    ]);
    // The framing's host stands for the device when the record names none.
    expect(rfc5424.entities).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: 'ip:192.168.101.254', role: 'related' })]),
    );
  });

  it('uses the RFC 5424 timestamp when the record has no time of its own', () => {
    const alert = one('<14>1 2024-06-20T11:22:33.5+02:00 fw01 app - - - CEF:0|Acme|Gate|1|42|Blocked|5|src=10.1.1.1');
    expect(alert.detectedAt).toBe('2024-06-20T09:22:33.500Z');
    expect(alert.entities).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: 'host:fw01', role: 'related' })]),
    );
  });

  it('reads an RFC 3164 timestamp (no year, no zone) in UTC, in the year that is not in the future', () => {
    expect(one('<134>Nov 20 08:00:00 fw01 CEF:0|Acme|Gate|1|42|Blocked|5|src=10.1.1.1').detectedAt).toBe(
      '2026-11-20T08:00:00.000Z',
    );
    expect(one('<134>Dec 31 23:00:00 fw01 CEF:0|Acme|Gate|1|42|Blocked|5|src=10.1.1.1').detectedAt).toBe(
      '2025-12-31T23:00:00.000Z',
    );
  });

  it('maps a Barracuda WAF line: rt in epoch ms, placeholders dropped, a user agent with spaces before the next key', () => {
    const alert = one(line('barracudaWAFCEF.txt', 0));
    expect(alert.source).toMatchObject({ vendor: 'BarracudaNetworks', product: 'WAAS' });
    expect(alert.detectedAt).toBe('2022-08-03T10:49:35.038Z');
    expect(sourceEntities(alert).map((e) => `${e.id}/${e.role}`)).toEqual([
      'ip:101.173.234.143/actor',
      'ip:13.86.36.66/target',
      'ip:10.239.1.26/related',
      'host:78d886bfdc-dswq7/related',
    ]);
    expect(alert.entities.some((e) => e.type === 'user')).toBe(false); // duser="-", suser="-"
    expect(alert.description).toContain(
      'User agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/99.0.4844.51 Safari/537.36\n',
    );
    expect(alert.description).toContain('ProxyIP: 101.173.234.143');
  });

  it('maps FortiWeb lines: rt with an offset, vendor severity words, custom user and domain fields', () => {
    const attack = one(line('fortiwebwafsamplelog.txt', 0));
    expect(attack.detectedAt).toBe('2022-07-25T09:56:13.000Z'); // rt=2022-07-25T04:56:13-05:00
    expect(attack.severity).toBe('medium');
    expect(attack.labels).toContain('cef-severity:Substantial');
    expect(attack.source.vendor).toBeUndefined(); // the header leaves vendor and product empty
    expect(attack.rule).toEqual({ name: 'URL Access Violation' }); // class id "N/A" is no id
    expect(attack.description).toContain('owaspTop10: A01:2021-Broken Access Control');

    const lines = fixture('fortiwebwafsamplelog.txt', SAMPLES).split('\n');
    const blocked = one(lines.find((l) => l.includes('|Critical|')) as string);
    expect(blocked.severity).toBe('critical');

    const audit = one(lines.find((l) => l.includes('IP Protection was configured successfully')) as string);
    expect(audit.title).toBe('IP Protection was configured successfully');
    expect(sourceEntities(audit)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id: 'user:manish_kumar7610@yahoo.com',
          type: 'user',
          upn: 'manish_kumar7610@yahoo.com',
        }),
        expect.objectContaining({ id: 'domain:soartesting.net', type: 'domain' }),
      ]),
    );
  });

  it('maps an Illumio line: rt as "MMM dd yyyy HH:mm:ss.SSS +0000", severity 1', () => {
    const alert = one(line('IllumioCore', 0));
    expect(alert.detectedAt).toBe('2022-05-11T07:11:59.900Z');
    expect(alert.severity).toBe('low');
    expect(sourceEntities(alert).map((e) => `${e.id}/${e.role}`)).toEqual([
      'ip:10.6.5.4/target',
      'user:system/target',
      'host:demohost.local/related',
    ]);
  });

  it('maps an ArcSight correlation event: eventId as the id, severity High, escapes, full-key custom labels', () => {
    const { alerts, drafts } = accepted(fixture('arcsight-liblognorm.cef'));
    const alert = alerts[0] as Alert;
    expect(alert.source.vendorAlertId).toBe('ArcSight|ArcSight|24934046519');
    expect(alert.severity).toBe('high');
    expect(alert.detectedAt).toBe('2015-04-01T09:47:41.000Z');
    expect(alert.title).toBe('FOO-UNIX-Bypassing Golden Host-Direct Root Connection Attempt');
    expect(sourceEntities(alert)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'ip:10.0.0.1', role: 'actor' }),
        expect.objectContaining({ id: 'host:server.foo.bar', role: 'actor' }),
        expect.objectContaining({ id: 'user:johndoe', role: 'target' }),
      ]),
    );
    expect(alert.description).toContain('Configuration Resource: <Resource URI=""/All Rules/Real-time Rules/');
    expect(alert.description).toContain('ID=""5lzFOO--RTSN-TESTQ==""/>');
    expect(drafts[0]?.freeText).toContain('1,1427453188050,root,Queued,,,,\n');
    expect(drafts[0]?.rawPointer).toBe('/lines/0');
  });
});

describe('cef parser: escaping (ArcSight CEF rules)', () => {
  const parse = (cefLine: string) => {
    const { alerts, drafts } = accepted(cefLine);
    return { alert: alerts[0] as Alert, draft: drafts[0] as AlertDraft };
  };

  it('reads \\| and \\\\ in header fields', () => {
    const { alert } = parse('CEF:0|Acme\\|Labs|Gate\\\\Keeper|1.0|sig\\|7|Name with \\| a pipe|5|src=10.0.0.1');
    expect(alert.source).toMatchObject({ vendor: 'Acme|Labs', product: 'Gate\\Keeper' });
    expect(alert.rule).toEqual({ id: 'sig|7', name: 'Name with | a pipe' });
  });

  it('reads \\=, \\\\, \\n and \\r in values, values with spaces, and keeps unescaped pipes', () => {
    const { alert } = parse(
      'CEF:0|Acme|Gate|1.0|100|Test|5|msg=a\\=b and c\\\\d first\\nsecond\\rthird | piped suser=John Smith cs1Label=Rule Name cs1=Block all dvchost=gw01',
    );
    expect(alert.description.split('\n\n')[0]).toBe('a=b and c\\d first\nsecond\rthird | piped');
    expect(alert.entities).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: 'user:john smith', name: 'John Smith', role: 'actor' })]),
    );
    expect(alert.description).toContain('Rule Name: Block all');
    expect(alert.entities).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'host:gw01' })]));
  });

  it('starts a key only after a space: an unescaped "=" inside a value stays in the value', () => {
    const { alert } = parse('CEF:0|Acme|Gate|1.0|100|Test|5|request=https://x.example/?a=1&b=2 src=10.0.0.2');
    expect(alert.entities.map((e) => e.id)).toEqual(['ip:10.0.0.2', 'url:https://x.example/?a=1&b=2']);
  });

  it('takes full key names (sourceAddress, destinationUserName, deviceCustomString1) as their short keys', () => {
    const { alert } = parse(
      'CEF:0|Acme|Gate|1.0|100|Test|5|sourceAddress=10.9.9.9 destinationUserName=CORP\\\\alice deviceCustomString1Label=Zone deviceCustomString1=DMZ',
    );
    expect(alert.entities).toEqual([
      expect.objectContaining({ id: 'ip:10.9.9.9', role: 'actor' }),
      expect.objectContaining({ id: 'user:corp\\alice', name: 'alice', domain: 'CORP', role: 'target' }),
    ]);
    expect(alert.description).toContain('Zone: DMZ');
  });

  it('accepts a record without extension and an empty extension', () => {
    expect(parse('CEF:0|Acme|Gate|1.0|100|Heartbeat|0|').alert.title).toBe('Heartbeat');
    expect(parse('CEF:1|Acme|Gate|1.0|100|Heartbeat|0').alert.severity).toBe('low');
  });
});

describe('cef parser: CommonSecurityLog and ASIM-style rows', () => {
  it('maps source and destination IPs, users, URL and domain of a CommonSecurityLog row', () => {
    const alert = one((JSON.parse(fixture('ZScaler.json', SAMPLES)) as unknown[])[1]);
    expect(alert.source).toMatchObject({ vendor: 'Zscaler', product: 'NSSWeblog' });
    expect(alert.detectedAt).toBe('2022-03-31T08:18:20.276Z');
    expect(sourceEntities(alert).map((e) => `${e.id}/${e.role}`)).toEqual([
      'ip:192.168.20.44/actor',
      'user:benjamin@contoso.com/actor',
      'ip:108.167.132.213/target',
      'domain:dayvidmarketingdireto.com.br/target',
      'url:http://dayvidmarketingdireto.com.br/shii/office-RD117//target',
      'host:zscaler-nss-contoso/related',
    ]);
  });

  it('maps source and destination users of a Cisco Secure Email row (CSV export)', () => {
    const alert = one(rows('CiscoSEG.csv')[0]);
    expect(sourceEntities(alert)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'user:test@esa.com', role: 'actor' }),
        expect.objectContaining({ id: 'user:9076@testing.com', role: 'target' }),
        expect.objectContaining({ id: 'ip:10.11.1.2', role: 'actor' }),
      ]),
    );
    expect(alert.labels).toContain('action:QUARANTINED');
  });

  it('joins user name and NT domain, and keeps a file with its folder and hash (CrowdStrike)', () => {
    const alert = one((JSON.parse(fixture('CrowdStrikeFalconEndpointProtection.json', SAMPLES)) as unknown[])[0]);
    expect(sourceEntities(alert)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id: 'user:abc company\\testuser011',
          name: 'TESTUSER011',
          domain: 'ABC COMPANY',
          role: 'target',
        }),
        expect.objectContaining({ id: 'host:testuser011b001', role: 'target' }),
        expect.objectContaining({ id: 'file:GCC.exe', name: 'GCC.exe' }),
      ]),
    );
  });

  it('reads portal export time columns in their stated zone', () => {
    expect(one(rows('SymantecDLP.json')[0]).detectedAt).toBe('2020-11-20T15:52:04.808Z'); // 10:52:04.808 AM Eastern (EST)
    expect(one(rows('InfobloxCloudDataConnector-sampledata.csv')[0]).detectedAt).toBe('2021-10-26T21:16:58.298Z'); // 2:16:58 PM PDT
  });

  it("prefers the row's ReceiptTime (rt) over TimeGenerated, and skips an ambiguous zone (IST)", () => {
    const fireEye = rows('FireEyeNX.json')[0] as Record<string, unknown>;
    expect(fireEye.ReceiptTime).toBe('Feb 02 2014 16:57:47 Z');
    expect(one(fireEye).detectedAt).toBe('2014-02-02T16:57:47.000Z');
    const aruba = rows('ArubaClearPass.json')[0] as Record<string, unknown>;
    expect(aruba.ReceiptTime).toBe('Nov 19, 2014 18:21:13 IST');
    expect(one(aruba).detectedAt).toBe('2020-11-27T22:09:35.587Z'); // TimeGenerated [UTC]
  });

  it('accepts Sentinel data export bodies ({"records":[…]}) with pointers into records', () => {
    const body = { records: rows('Fortigate.json') };
    const { alerts, drafts } = accepted(body);
    expect(drafts.map((d) => d.rawPointer)).toEqual(['/records/0', '/records/1']);
    expect(alerts[0]?.source.vendorAlertId).toBe('Fortinet|Fortigate|FGVM4VTM21000724|14430578');
    expect(
      sourceEntities(alerts[0] as Alert)
        .slice(0, 2)
        .map((e) => e.id),
    ).toEqual(['ip:213.252.245.73', 'ip:192.168.20.58']);
  });

  it('maps ASIM-style rows: Nozomi source/destination, tactics and original id; OSSEC rule and hashes', () => {
    const nozomi = one(rows('NozomiNetworksEvents.json')[3]);
    expect(nozomi.source.vendorAlertId).toBe('Nozomi Networks|N2OS|123e4567-e89b-12d3-a456-426614174000');
    expect(nozomi.title).toBe('Link RST sent by Producer');
    expect(nozomi.severity).toBe('low');
    expect(nozomi.attack.map((a) => a.tactic)).toEqual([
      'Impair Process Control',
      'Inhibit Response Function',
      'Persistance',
    ]);
    expect(sourceEntities(nozomi).map((e) => `${e.id}/${e.role}`)).toEqual(
      expect.arrayContaining([
        'ip:192.168.1.1/actor',
        'host:c-dfir-win7-x86/actor',
        'ip:192.168.1.2/target',
        'host:dfir-win7/target',
      ]),
    );

    const ossec = one(rows('OSSECEvents.json')[0]);
    expect(ossec.title).toBe('Integrity checksum changed.');
    expect(ossec.rule).toEqual({ id: '550', name: 'Integrity checksum changed.' });
    expect(ossec.severity).toBe('high');
    expect(sourceEntities(ossec)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id: 'file:C:/testdir/test_doc.txt',
          hashes: [{ algorithm: 'sha1', value: 'c4d871ad13ad00fde9a7bb7ff7ed2543aec54241' }],
        }),
        expect.objectContaining({ id: 'hash:c4d871ad13ad00fde9a7bb7ff7ed2543aec54241', algorithm: 'sha1' }),
        expect.objectContaining({ id: 'hash:6f5cf05b54960687fddf71331396e0f7', algorithm: 'md5' }), // cs1Label=OldMD5
      ]),
    );
  });

  it('does not turn non-addresses in IP columns into IP entities', () => {
    const aruba = one(rows('ArubaClearPass.json')[0]); // SourceIP "Test Role 10"
    expect(aruba.entities.filter((e) => e.type === 'ip')).toEqual([]);
  });
});

describe('cef parser: severity', () => {
  it.each([
    ['0', 'low'],
    ['3', 'low'],
    ['4', 'medium'],
    ['6', 'medium'],
    ['7', 'high'],
    ['8', 'high'],
    ['9', 'critical'],
    ['10', 'critical'],
    ['Low', 'low'],
    ['Medium', 'medium'],
    ['High', 'high'],
    ['Very-High', 'critical'],
    ['very high', 'critical'],
    ['Critical', 'critical'],
    ['Informational', 'informational'],
  ])('reads %s as %s', (raw, expected) => {
    expect(cefSeverity(raw)).toEqual({ severity: expected, known: true });
  });

  it.each(['Unknown', '', '11', 'Substantial', 'Unapproved', 'constructor'])(
    'defaults %j to medium and says so',
    (raw) => {
      expect(cefSeverity(raw)).toEqual({ severity: 'medium', known: false });
    },
  );
});

describe('cef parser: ids', () => {
  const base = 'CEF:0|Acme|Gate|1.0|100|Blocked|5|src=10.0.0.1 spt=1234 rt=1700000000000';

  it('keeps the id of a re-sent line and separates lines that differ in any field', () => {
    const first = one(base);
    expect(one(`${base}\r\n`).alertId).toBe(first.alertId);
    expect(one(base.replace('spt=1234', 'spt=1235')).alertId).not.toBe(first.alertId);
    expect(first.source.vendorAlertId).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('does not depend on extension order', () => {
    expect(one('CEF:0|Acme|Gate|1.0|100|Blocked|5|spt=1234 src=10.0.0.1 rt=1700000000000').alertId).toBe(
      one(base).alertId,
    );
  });

  it('qualifies externalId with vendor, product and the device id', () => {
    expect(one(`${base} externalId=77`).source.vendorAlertId).toBe('Acme|Gate|77');
    expect(one(`${base} externalId=77 deviceExternalId=FW-2`).source.vendorAlertId).toBe('Acme|Gate|FW-2|77');
  });

  it('gives distinct sample rows distinct ids and identical rows the same id', () => {
    for (const file of ['barracudaWAFCEF.txt', 'wirex_sample_dataDatabase.csv']) {
      const { body } = sample(file);
      const records =
        typeof body === 'string'
          ? body.split('\n').filter((l) => l.trim() !== '')
          : (body as unknown[]).map((r) => JSON.stringify(r));
      const { alerts } = accepted(body);
      expect(new Set(alerts.map((a) => a.alertId)).size).toBe(new Set(records).size);
    }
  });
});

describe('cef parser: refusals', () => {
  it('refuses a batch with non-CEF lines, naming each line (blank lines and CRLF are fine)', () => {
    const body = [
      line('CitrixADC.txt', 0),
      '',
      '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 - An application event',
      'CEF:0|Acme|Gate|only three',
    ].join('\r\n');
    const outcome = normalize(cefParser, body, ctx);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.errors.map((e) => [e.index, e.path])).toEqual([
      [2, 'line'],
      [3, 'line'],
    ]);
    expect(outcome.errors[0]?.message).toMatch(/^Line 3 is not a CEF record: expected "CEF:Version\|Device Vendor/);
    expect(outcome.errors[1]?.message).toContain('missing Device Event Class ID, Name, Severity');
  });

  it('refuses unsupported CEF versions', () => {
    const outcome = cefParser.parse('CEF:7|a|b|c|d|e|5|x=1', { receivedAt });
    expect(outcome.ok ? [] : outcome.errors.map((e) => e.message)).toEqual([
      expect.stringContaining('CEF version 7 is not supported'),
    ]);
  });

  it('refuses wrong shapes at (root) naming the accepted ones, and non-rows by position', () => {
    for (const body of [42, null, { hello: 'world' }]) {
      const outcome = cefParser.parse(body, { receivedAt });
      expect(outcome.ok).toBe(false);
      if (!outcome.ok)
        expect(outcome.errors).toEqual([
          expect.objectContaining({ index: 0, path: '(root)', message: expect.stringContaining('CommonSecurityLog') }),
        ]);
    }
    const mixed = cefParser.parse(
      [rows('Fortigate.json')[0], 7, { DeviceVendor: 'Acme', Activity: { nested: true } }],
      { receivedAt },
    );
    expect(mixed.ok ? [] : mixed.errors.map((e) => [e.index, e.path])).toEqual([
      [1, '(root)'],
      [2, 'Activity'],
    ]);
  });

  it('summarises after 100 refused lines', () => {
    const outcome = cefParser.parse(Array.from({ length: 150 }, (_, i) => `garbage ${i}`).join('\n'), { receivedAt });
    expect(outcome.ok ? 0 : outcome.errors.length).toBe(101);
  });

  it('never throws on random text, mangled CEF lines or arbitrary JSON', () => {
    const cefish = fc
      .tuple(
        fc.constantFrom('', '<13>', 'Mar  1 10:00:00 h ', '<1>1 - - - - - - '),
        fc.array(fc.string(), { maxLength: 9 }),
        fc.string(),
      )
      .map(([prefix, fields, ext]) => `${prefix}CEF:0|${fields.join('|')}|${ext.replace(/\|/g, '\\|')}`);
    const text = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      cefish,
      fc.array(cefish).map((ls) => ls.join('\n')),
    );
    fc.assert(
      fc.property(text, (body) => {
        const outcome = normalize(cefParser, body, ctx);
        expect(typeof outcome.ok).toBe('boolean');
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.jsonValue(), (body) => {
        expect(typeof normalize(cefParser, body, ctx).ok).toBe('boolean');
      }),
      { numRuns: 1000 },
    );
  });
});

describe('cef parser: time forms', () => {
  const at = (value: string, zone?: string) => parseCefTime(value, { zone, reference: receivedAt });

  it.each([
    ['1659523775038', undefined, '2022-08-03T10:49:35.038Z'],
    ['1659523775', undefined, '2022-08-03T10:49:35.000Z'],
    ['Mar 01 2021 21:06:06', 'UTC', '2021-03-01T21:06:06.000Z'],
    ['Mar 01 2021 21:06:06', 'Europe/Berlin', '2021-03-01T20:06:06.000Z'],
    ['Jul 01 2021 21:06:06', 'Europe/Berlin', '2021-07-01T19:06:06.000Z'],
    ['Nov 15 2017 02:47:21 GMT+00:00', undefined, '2017-11-15T02:47:21.000Z'],
    ['Nov 02 2020 20:06:56 UTC', undefined, '2020-11-02T20:06:56.000Z'],
    ['Wed Jun 2 09:04:46 2021', undefined, '2021-06-02T09:04:46.000Z'],
    ['2022-07-25T04:56:13-05:00', undefined, '2022-07-25T09:56:13.000Z'],
    ['11/20/2020, 10:52:04.808 AM', 'Eastern Time (US and Canada)', '2020-11-20T15:52:04.808Z'],
  ])('reads %s (zone %s) as %s', (value, zone, expected) => {
    expect(at(value, zone)).toBe(expected);
  });

  it.each([['Nov 19, 2014 18:21:13 IST'], ['1.61248E+12'], ['1/1/1970, 12:00:00.000 AM'], ['yesterday']])(
    'refuses %s',
    (value) => {
      expect(at(value)).toBeUndefined();
    },
  );

  it('refuses zone-less times when the stated zone cannot be placed', () => {
    expect(at('Mar 01 2021 21:06:06', 'IST')).toBeUndefined();
  });
});
