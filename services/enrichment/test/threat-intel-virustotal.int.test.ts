import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { manualClock } from '@soc/runtime';
import { CachingThreatIntel } from '../src/threat-intel/caching.ts';
import { VirusTotalThreatIntel } from '../src/threat-intel/virustotal.ts';

// A local stand-in for www.virustotal.com serving real v3 objects (microsoft/msticpy tests/testdata, MIT)
// in the API's `{ "data": … }` envelope, a real v2 body, and the API's error statuses.
const dir = fileURLToPath(new URL('../../../test/fixtures/enrichment/virustotal/', import.meta.url));
const fixture = (name: string): string => readFileSync(`${dir}${name}`, 'utf8');
const API_KEY = 'test-key-0123456789';
const envelope = (name: string): string => `{"data":${fixture(name)}}`;
const notFound = JSON.stringify({ error: { code: 'NotFoundError', message: 'Resource not found' } });

const routes: Record<string, { status: number; body: string; headers?: Record<string, string> }> = {
  '/api/v3/files/03bd9a94482f180bb047626cb2f27ccf8daa0e201345480b43585580e09c311b': {
    status: 200,
    body: envelope('vt3_file_1.json'),
  },
  '/api/v3/files/b61a4b8883ba9b9d4d85bdaecab71722': { status: 200, body: envelope('vt3_file_1.json') },
  // Unpadded base64url of http://218.54.47.76/ and http://218.54.47.77/
  '/api/v3/urls/aHR0cDovLzIxOC41NC40Ny43Ni8': { status: 200, body: envelope('vt3_url_1.json') },
  '/api/v3/urls/aHR0cDovLzIxOC41NC40Ny43Ny8': { status: 200, body: envelope('vt3_url_0.json') },
  '/api/v3/domains/hilocake.info': {
    status: 429,
    body: JSON.stringify({ error: { code: 'QuotaExceededError', message: 'Quota exceeded' } }),
    headers: { 'retry-after': '60' },
  },
  '/api/v3/domains/www.microsoft.com': { status: 200, body: fixture('url_neg.json') },
  '/api/v3/domains/redirect.example': {
    status: 302,
    body: '',
    headers: { location: 'http://169.254.169.254/latest/meta-data/' },
  },
  '/api/v3/ip_addresses/144.34.179.162': { status: 503, body: 'busy' },
  '/api/v3/domains/fbcdnads.live': {
    status: 400,
    body: JSON.stringify({
      error: { code: 'InvalidArgumentError', message: 'Domain "fbcdnads.live" is not a valid domain pattern' },
    }),
  },
};

const requests: { path: string; key: string | undefined }[] = [];
function serve(req: IncomingMessage, res: ServerResponse): void {
  const path = req.url ?? '';
  const key = req.headers['x-apikey'];
  requests.push({ path, key: typeof key === 'string' ? key : undefined });
  if (key !== API_KEY) {
    res
      .writeHead(401, { 'content-type': 'application/json' })
      .end(JSON.stringify({ error: { code: 'WrongCredentialsError', message: 'Wrong API key' } }));
    return;
  }
  const route = routes[path];
  if (!route) {
    res.writeHead(404, { 'content-type': 'application/json' }).end(notFound);
    return;
  }
  res.writeHead(route.status, { 'content-type': 'application/json', ...route.headers }).end(route.body);
}

const server = createServer(serve);
let baseUrl = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  requests.length = 0;
});

const clock = manualClock('2026-01-01T00:00:00Z');
const client = (apiKey = API_KEY) => new VirusTotalThreatIntel({ apiKey, baseUrl, clock });

describe('VirusTotalThreatIntel against a local v3 server', () => {
  it('looks up a file by MD5 with the api key header and parses the real response', async () => {
    const [f] = await client().lookup([{ type: 'hash', value: 'B61A4B8883BA9B9D4D85BDAECAB71722' }]);
    expect(requests).toEqual([{ path: '/api/v3/files/b61a4b8883ba9b9d4d85bdaecab71722', key: API_KEY }]);
    expect(f).toMatchObject({
      verdict: 'malicious',
      threatNames: ['trojan.msil/tasker', 'msil', 'tasker', 'agenttesla'],
      reference: 'https://www.virustotal.com/gui/file/03bd9a94482f180bb047626cb2f27ccf8daa0e201345480b43585580e09c311b',
      provenance: { source: 'virustotal', fetchedAt: '2026-01-01T00:00:00.000Z', confidence: 59, cacheHit: false },
    });
  });

  it('looks up defanged URLs by their base64url id, one request each, in order', async () => {
    const findings = await client().lookup([
      { type: 'url', value: 'hxxp://218.54.47[.]76' },
      { type: 'url', value: 'http://218.54.47.77/#fragment' },
    ]);
    expect(requests.map((r) => r.path)).toEqual([
      '/api/v3/urls/aHR0cDovLzIxOC41NC40Ny43Ni8',
      '/api/v3/urls/aHR0cDovLzIxOC41NC40Ny43Ny8',
    ]);
    expect(findings.map((f) => [f.indicator.value, f.verdict])).toEqual([
      ['http://218.54.47.76/', 'suspicious'],
      ['http://218.54.47.77/', 'harmless'],
    ]);
  });

  it('sends a URL without its query string (a SAS token), and the finding stays on the full URL', async () => {
    const sas = 'http://218.54.47.76/?sv=2022-11-02&sig=c2VjcmV0%3D&se=2027-01-01';
    const [f] = await client().lookup([{ type: 'url', value: sas }]);
    expect(requests.map((r) => r.path)).toEqual(['/api/v3/urls/aHR0cDovLzIxOC41NC40Ny43Ni8']);
    expect(f).toMatchObject({ indicator: { type: 'url', value: sas }, verdict: 'suspicious' });
  });

  it('never sends internal names or addresses: built-in suffixes, single labels, non-public and configured ones', async () => {
    const vt = new VirusTotalThreatIntel({ apiKey: API_KEY, baseUrl, clock, exclude: { domains: ['.contoso.com'], networks: ['193.56.29.0/24', '2606:4700::/32'] } });
    const findings = await vt.lookup([
      { type: 'domain', value: 'dc01.contoso.com' },
      { type: 'domain', value: 'contoso.com' },
      { type: 'url', value: 'https://sharepoint.contoso.com/sites/x?token=1' },
      { type: 'domain', value: 'files.corp' },
      { type: 'url', value: 'http://intranet:8080/' },
      { type: 'url', value: 'http://[fd00::1]/' },
      { type: 'ip', value: '193.56.29.123' },
      { type: 'ip', value: '2606:4700::1111' },
      { type: 'ip', value: '172.16.0.9' },
      { type: 'domain', value: 'notcontoso.com' },
    ]);
    expect(requests.map((r) => r.path)).toEqual(['/api/v3/domains/notcontoso.com']);
    expect(findings.map((f) => f.indicator.value)).toEqual(['notcontoso.com']);
  });

  it('never sends an address of the platform\'s internal ranges (SOC_INTERNAL_NETWORKS), public ones included', async () => {
    const internal = { has: (address: string) => address.startsWith('20.50.') };
    const vt = new VirusTotalThreatIntel({ apiKey: API_KEY, baseUrl, clock, exclude: { internal } });
    await vt.lookup([
      { type: 'ip', value: '20.50.1.9' },
      { type: 'url', value: 'http://20.50.7.7/admin' },
      { type: 'ip', value: '193.56.29.123' },
    ]);
    expect(requests.map((r) => r.path)).toEqual(['/api/v3/ip_addresses/193.56.29.123']);
  });

  it('refuses an exclusion that is not an address or range', () => {
    expect(() => new VirusTotalThreatIntel({ apiKey: API_KEY, baseUrl, clock, exclude: { networks: ['10.0.0.0/99'] } })).toThrow(/not an address or CIDR/);
  });

  it('404 is an unknown verdict, not an error', async () => {
    const [f] = await client().lookup([{ type: 'ip', value: '193.56.29.123' }]);
    expect(requests.map((r) => r.path)).toEqual(['/api/v3/ip_addresses/193.56.29.123']);
    expect(f).toMatchObject({
      verdict: 'unknown',
      reference: 'https://www.virustotal.com/gui/ip-address/193.56.29.123',
      provenance: { confidence: 0, cacheHit: false },
      attributes: { notFound: true },
    });
  });

  it('400 (an identifier VirusTotal refuses) is unknown and does not fail the other indicators', async () => {
    const findings = await client().lookup([
      { type: 'domain', value: 'fbcdnads.live' },
      { type: 'hash', value: '03bd9a94482f180bb047626cb2f27ccf8daa0e201345480b43585580e09c311b' },
    ]);
    expect(findings.map((f) => [f.verdict, f.attributes['rejected'] ?? null])).toEqual([
      ['unknown', true],
      ['malicious', null],
    ]);
  });

  it('never sends private or loopback addresses', async () => {
    expect(
      await client().lookup([
        { type: 'ip', value: '10.0.0.5' },
        { type: 'ip', value: '127.0.0.1' },
      ]),
    ).toEqual([]);
    expect(requests).toEqual([]);
  });

  it('429 throws a retryable RATE_LIMITED with the server-suggested wait', async () => {
    await expect(client().lookup([{ type: 'domain', value: 'hilocake.info' }])).rejects.toMatchObject({
      name: 'AppError',
      code: 'RATE_LIMITED',
      retryable: true,
      details: { retryAfterSeconds: 60 },
    });
  });

  it('a wrong key is a non-retryable UNAUTHORIZED whose message does not contain the key', async () => {
    const error: unknown = await client('wrong-key-secret')
      .lookup([{ type: 'ip', value: '193.56.29.123' }])
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UNAUTHORIZED', retryable: false });
    expect(
      JSON.stringify({ message: (error as Error).message, details: (error as { details?: unknown }).details }),
    ).not.toContain('wrong-key-secret');
  });

  it('5xx is a retryable DEPENDENCY_UNAVAILABLE; a redirect is not followed', async () => {
    await expect(client().lookup([{ type: 'ip', value: '144.34.179.162' }])).rejects.toMatchObject({
      code: 'DEPENDENCY_UNAVAILABLE',
      retryable: true,
    });
    await expect(client().lookup([{ type: 'domain', value: 'redirect.example' }])).rejects.toMatchObject({
      code: 'DEPENDENCY_UNAVAILABLE',
      retryable: false,
    });
    expect(requests.map((r) => r.path)).toEqual([
      '/api/v3/ip_addresses/144.34.179.162',
      '/api/v3/domains/redirect.example',
    ]);
  });

  it('refuses a body that is not a v3 object (a real v2 response)', async () => {
    await expect(client().lookup([{ type: 'domain', value: 'www.microsoft.com' }])).rejects.toMatchObject({
      code: 'DEPENDENCY_UNAVAILABLE',
      retryable: false,
      message: expect.stringContaining('unexpected shape') as unknown,
    });
  });

  it('behind the caching decorator, a repeated lookup does not reach the server', async () => {
    const cached = new CachingThreatIntel(client(), { clock });
    const indicators = [
      { type: 'hash' as const, value: '03bd9a94482f180bb047626cb2f27ccf8daa0e201345480b43585580e09c311b' },
      { type: 'ip' as const, value: '193.56.29.123' },
    ];
    await cached.lookup(indicators);
    const second = await cached.lookup(indicators);
    expect(requests).toHaveLength(2);
    expect(second.map((f) => [f.verdict, f.provenance.cacheHit])).toEqual([
      ['malicious', true],
      ['unknown', true],
    ]);
  });

  it('refuses an empty API key at construction', () => {
    expect(() => new VirusTotalThreatIntel({ apiKey: ' ', baseUrl, clock })).toThrow(
      expect.objectContaining({ code: 'CONFIGURATION_INVALID' }) as unknown as Error,
    );
  });
});
