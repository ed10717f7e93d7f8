import { describe, expect, it } from 'vitest';
import { ContainmentPolicy, defaultInternalNetworks, parseInternalNetworks, protectedDomainOf, valueProblem } from '../src/index.ts';

describe('entity values per type', () => {
  it.each([
    ['ip', '10.0.0.1'],
    ['ip', '2001:db8::1'],
    ['ip', 'fe80::1%eth0'],
    ['url', 'https://evil.example/a?b=c'],
    ['url', 'http://[2001:db8::1]:8080/'],
    ['domain', 'evil.example'],
    ['domain', 'xn--80ak6aa92e.com'],
    ['host', 'dc01'],
    ['host', 'dc01.corp.local.'],
    ['host', '10.0.0.5'],
    ['hash', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['hash', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['mailbox', 'jane@contoso.com'],
    ['user', 'CONTOSO\\jane'],
    ['user', 'jane_contoso.com#EXT#@tenant.onmicrosoft.com'],
    ['process', 'cmd.exe /c "a\tb"'],
  ])('%s %s is valid', (type, value) => expect(valueProblem(type, value)).toBeUndefined());

  it.each([
    ['ip', 'not an ip', 'is not an IP address'],
    ['ip', '999.1.1.1', 'is not an IP address'],
    ['ip', '10.0.0.1:443', 'is not an IP address'],
    ['url', 'javascript:alert(1)', 'is not an http(s) URL with a host'],
    ['url', 'file:///etc/passwd', 'is not an http(s) URL with a host'],
    ['url', 'evil.example/path', 'is not an http(s) URL with a host'],
    ['domain', 'localhost', 'is not a valid domain name'],
    ['domain', 'evil .example', 'is not a valid domain name'],
    ['domain', '-evil.example', 'is not a valid domain name'],
    ['domain', '10.0.0.1', 'is not a valid domain name'],
    ['host', 'dc01; rm -rf /', 'is not a valid host name'],
    ['hash', 'abc', 'is not an MD5, SHA-1, SHA-256 or SHA-512 digest'],
    ['hash', 'z'.repeat(32), 'is not a hexadecimal digest'],
    ['mailbox', 'not-an-address', 'is not an e-mail address'],
    ['user', 'jane@', 'is not an e-mail address'],
    ['cloud-resource', '/subscriptions/x\u0007y', 'holds control characters'],
  ])('%s %j is refused: %s', (type, value, reason) => expect(valueProblem(type, value)).toBe(reason));

  it('a hash must have its algorithm\'s length', () => {
    expect(valueProblem('hash', 'd41d8cd98f00b204e9800998ecf8427e', 'sha256')).toBe('is not a sha256 digest (64 hex digits)');
  });
});

describe('internal networks', () => {
  it('the defaults: RFC 1918, loopback, link-local, CGNAT and ULA, IPv4-mapped too', () => {
    for (const a of ['10.1.2.3', '172.31.0.1', '192.168.1.1', '127.0.0.1', '169.254.1.1', '100.64.0.1', '100.127.255.255', '::1', 'fe80::1%eth0', 'fd12::1', '::ffff:10.0.0.1']) {
      expect(defaultInternalNetworks.has(a), a).toBe(true);
    }
    for (const a of ['8.8.8.8', '100.128.0.1', '172.32.0.1', '2001:db8::1', 'not an ip']) expect(defaultInternalNetworks.has(a), a).toBe(false);
  });

  it('SOC_INTERNAL_NETWORKS replaces the defaults, or adds to them after a +; a bad range is refused with its reason', () => {
    const only = parseInternalNetworks('203.0.113.0/24');
    expect(only.ok && only.set.has('203.0.113.9') && !only.set.has('10.0.0.1')).toBe(true);
    const plus = parseInternalNetworks('+203.0.113.0/24');
    expect(plus.ok && plus.set.has('203.0.113.9') && plus.set.has('10.0.0.1')).toBe(true);
    expect(parseInternalNetworks('10.0.0.0/33, nope')).toEqual({ ok: false, errors: ['"10.0.0.0/33" has a prefix outside 0–32', '"nope" is not an address or CIDR range'] });
  });
});

describe('protected domains', () => {
  it('match the domain and every subdomain, never a look-alike', () => {
    expect(protectedDomainOf('login.microsoftonline.com', ['microsoftonline.com'])).toBe('microsoftonline.com');
    expect(protectedDomainOf('a.b.windows.net.', ['*.windows.net'])).toBe('*.windows.net');
    expect(protectedDomainOf('evilmicrosoftonline.com', ['microsoftonline.com'])).toBeUndefined();
    expect(protectedDomainOf('microsoftonline.com.evil.example', ['microsoftonline.com'])).toBeUndefined();
  });

  it('the policy refuses a protected entry that is not a domain or a range', () => {
    const base = { enabled: true, minLevel: 'critical', minTruePositive: 0.8, runbookByEntity: {}, allowedRunbooks: [], internalIps: false };
    expect(ContainmentPolicy.safeParse({ ...base, protected: { domains: ['not a domain'], networks: ['10.0.0.0/99'] } }).error?.issues.map((i) => i.message)).toEqual([
      'not a domain name',
      '"10.0.0.0/99" has a prefix outside 0–32',
    ]);
    expect(ContainmentPolicy.parse(base)).toMatchObject({ maxActionsPerAlert: 3, maxPerTargetPerHour: 1, maxPerTenantPerHour: 20, protected: { domains: [], networks: [] } });
  });
});
