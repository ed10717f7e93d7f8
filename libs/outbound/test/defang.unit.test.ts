import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { caseLink, defang, defangHtml, escapeHtml } from '../src/index.ts';

const tlds = createRequire(import.meta.url)('tlds') as string[];

describe('defang: every kind of indicator', () => {
  it.each([
    ['the issue 10 sample', 'Check who else accessed https://bad-site.example/payload', 'Check who else accessed hxxps://bad-site[.]example/payload'],
    ['http, any case', 'HTTP://EVIL.COM/a.php?x=1', 'HXXP://EVIL[.]COM/a[.]php?x=1'],
    ['ftp', 'ftp://files.evil.org/x', 'fxp://files[.]evil[.]org/x'],
    ['other schemes', 'ws://evil.com/x file:///C:/x', 'ws[://]evil[.]com/x file[://]/C:/x'],
    ['a URL in a URL', 'https://a.com/r?u=http://b.com/', 'hxxps://a[.]com/r?u=hxxp://b[.]com/'],
    ['URLs in brackets and quotes', '(https://evil.com/x) "http://evil.com" <http://evil.com>', '(hxxps://evil[.]com/x) "hxxp://evil[.]com" <hxxp://evil[.]com>'],
    ['a bare domain', 'visit evil.com/path or evil.com:8080.', 'visit evil[.]com/path or evil[.]com:8080.'],
    ['the many new TLDs', 'a.zip b.mov c.click d.app e.xyz', 'a[.]zip b[.]mov c[.]click d[.]app e[.]xyz'],
    ['special-use names', 'bad-site.example host.test x.onion dc.local', 'bad-site[.]example host[.]test x[.]onion dc[.]local'],
    ['www. whatever follows', 'www.evil.corp', 'www[.]evil[.]corp'],
    ['IDN', 'пример.рф bücher.de xn--80ak6aa92e.xn--p1ai', 'пример[.]рф bücher[.]de xn--80ak6aa92e[.]xn--p1ai'],
    ['IDNA dots and full-width letters', 'evil。com ｅｖｉｌ．ｃｏｍ', 'evil[.]com ｅｖｉｌ[.]ｃｏｍ'],
    ['an invisible character inside a label', 'evil.c\u00ADom', 'evil[.]c\u00ADom'],
    ['IPv4', 'from 10.0.0.1. To 192.168.001.010', 'from 10[.]0[.]0[.]1. To 192[.]168[.]001[.]010'],
    ['an IPv4 address inside a longer dotted number', '300.1.1.1.1', '300.1[.]1[.]1[.]1'],
    ['IPv6', '2001:db8::1, ip:fe80::1%eth0 ::ffff:10.0.0.1', '2001[:]db8[:][:]1, ip:fe80[:][:]1%eth0 [:][:]ffff[:]10[.]0[.]0[.]1'],
    ['e-mail addresses', 'user@example.com "q"@evil.com admin@corp.local', 'user[@]example[.]com "q"[@]evil[.]com admin[@]corp[.]local'],
    ['a domain before a non-TLD label', 'evil.com.x System.Net.WebClient', 'evil[.]com.x System[.]Net.WebClient'],
  ])('%s', (_name, input, expected) => {
    expect(defang(input)).toBe(expected);
  });

  it('leaves ordinary prose alone: versions, times, file names whose extension is no TLD', () => {
    const prose = 'Version 1.2.3 of report.pdf ran powershell.exe (T1059.001) at 2026-11-23T09:00:00.000Z; build 10.0.19041.1. e.g. done.';
    expect(defang(prose)).toBe(prose);
  });

  it('leaves defanged text as it is', () => {
    const done = 'hxxps://bad-site[.]example/payload 10[.]0[.]0[.]1 user[@]example[.]com 2001[:]db8[:][:]1 ws[://]a[.]com';
    expect(defang(done)).toBe(done);
  });

  it('keeps only the exact URLs it is told to keep', () => {
    const keep = ['https://soc.example.org/api/v1/alerts/alt-1'];
    expect(defang('Case: https://soc.example.org/api/v1/alerts/alt-1', { keep })).toBe('Case: https://soc.example.org/api/v1/alerts/alt-1');
    expect(defang('(https://soc.example.org/api/v1/alerts/alt-1).', { keep })).toBe('(https://soc.example.org/api/v1/alerts/alt-1).');
    expect(defang('https://soc.example.org/api/v1/alerts/alt-1.evil.com', { keep })).toBe('hxxps://soc[.]example[.]org/api/v1/alerts/alt-1[.]evil[.]com');
    expect(defang('https://soc.example.org@evil.com/', { keep })).toBe('hxxps://soc[.]example[.]org@evil[.]com/');
  });
});

describe('defangHtml', () => {
  it('defangs text and attribute values, keeps our link and XML namespaces', () => {
    const keep = ['https://soc.example.org/api/v1/alerts/alt-1'];
    const html =
      '<!doctype html><title>evil.com</title><svg xmlns="http://www.w3.org/2000/svg"><text>10.0.0.1</text></svg>' +
      '<a href="https://soc.example.org/api/v1/alerts/alt-1">Open</a><a href=\'http://evil.com/\' title="user@evil.com">x</a><!-- a.com -->';
    expect(defangHtml(html, { keep })).toBe(
      '<!doctype html><title>evil[.]com</title><svg xmlns="http://www.w3.org/2000/svg"><text>10[.]0[.]0[.]1</text></svg>' +
        '<a href="https://soc.example.org/api/v1/alerts/alt-1">Open</a><a href=\'hxxp://evil[.]com/\' title="user[@]evil[.]com">x</a><!-- a.com -->',
    );
  });

  it('keeps a link whose escaped form is in an attribute', () => {
    const keep = ["https://soc.example.org/api/v1/alerts/it's"];
    const html = `<a href="${escapeHtml(keep[0]!)}">x</a>`;
    expect(defangHtml(html, { keep })).toBe(html);
  });
});

describe('caseLink', () => {
  it('points at the API case view, whatever trails the public URL', () => {
    expect(caseLink('https://soc.example.org/', 'alt-<x>')).toBe('https://soc.example.org/#/case/alt-%3Cx%3E');
    expect(caseLink('http://localhost:8080', 'alt-1')).toBe('http://localhost:8080/#/case/alt-1');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Properties: whatever text surrounds an indicator, the output never holds it live.
// ---------------------------------------------------------------------------------------------------------------
const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,12}[a-z0-9])?$/);
const unicodeLabel = fc.constantFrom('пример', 'bücher', 'münchen', '例え', 'xn--80ak6aa92e', 'Evil', 'EVIL');
const domain = fc
  .tuple(fc.array(fc.oneof(label, unicodeLabel), { minLength: 1, maxLength: 3 }), fc.constantFrom(...tlds, 'example', 'onion', 'xn--p1ai'))
  .map(([labels, tld]) => [...labels, tld].join('.'));
const scheme = fc.constantFrom('http', 'https', 'HTTPS', 'hTtP', 'ftp', 'ws', 'wss', 'file', 'sftp', 'ldap', 'smb');
const host = fc.oneof(domain, fc.domain(), fc.ipV4(), fc.ipV6().map((a) => `[${a}]`));
const url = fc
  .tuple(scheme, host, fc.webPath(), fc.webQueryParameters())
  .map(([s, h, p, q]) => ({ url: `${s}://${h}${p}${q ? `?${q}` : ''}`, host: h }));
const email = fc.tuple(fc.emailAddress(), domain).map(([address, d]) => `${address.split('@')[0]}@${d}`);
const indicator = fc.oneof(
  url.map((u) => ({ live: [u.url, u.host.includes('.') ? u.host : u.url] })),
  domain.map((d) => ({ live: [d] })),
  // fast-check's domains end in any letters; only those ending in a real TLD are domains to a mail client.
  fc.domain().filter((d) => tlds.includes(d.slice(d.lastIndexOf('.') + 1))).map((d) => ({ live: [d] })),
  fc.ipV4().map((ip) => ({ live: [ip] })),
  fc.ipV6().map((ip) => ({ live: [ip] })),
  fc.oneof(email, fc.emailAddress()).map((e) => ({ live: [e] })),
);
// What may stand on either side of an indicator in alert text.
const delimiter = fc.constantFrom(' ', '\n', '\t', '(', ')', '"', "'", '<', '>', ',', ';', '!', '|', '\\', '=', '`', '. ', ': ', '「', '」', '\u3000');
const prose = fc.string({ unit: 'grapheme', maxLength: 40 });

describe('defang properties', () => {
  it('no indicator survives live, whatever surrounds it', () => {
    fc.assert(
      fc.property(prose, delimiter, indicator, delimiter, prose, (before, left, ind, right, after) => {
        const out = defang(`${before}${left}${ind.live[0]}${right}${after}`);
        for (const live of ind.live) expect(out).not.toContain(live);
      }),
      { numRuns: 3000 },
    );
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(prose, delimiter, indicator.map((i) => i.live[0]!))), (parts) => {
        const once = defang(parts.join(''));
        expect(defang(once)).toBe(once);
      }),
      { numRuns: 2000 },
    );
  });

  it('never touches text without dots, at signs or colons', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }).map((s) => s.replace(/[.@:\u3002\uFF0E\uFF61]/g, '')), (text) => {
        expect(defang(text)).toBe(text);
      }),
    );
  });

  it('keeps version numbers and times', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(9999), { minLength: 1, maxLength: 3 }), fc.nat(23), fc.nat(59), (parts, h, m) => {
        const text = `v${parts.join('.')} at ${h}:${m}:00`;
        expect(defang(text)).toBe(text);
      }),
    );
  });

  it('costs linear time on hostile input', () => {
    // Quadratic work on these would take minutes; linear work takes well under a second.
    const hostile = ['a.', 'a:', '1.', 'a@', 'h', 'http:/', 'ab:cd.', 'a.com ', '\u3002a'].map((unit) => unit.repeat(100_000));
    hostile.push(`${'a'.repeat(400_000)}://`);
    for (const text of hostile) {
      const t0 = performance.now();
      defang(text);
      expect(performance.now() - t0, text.slice(0, 12)).toBeLessThan(2_000);
    }
  });
});
