import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { manualClock } from '@soc/runtime';
import { MispRestThreatIntel } from '../src/threat-intel/misp-rest.ts';

// A local stand-in for a MISP instance. Request and response follow MISP's OpenAPI page for
// `POST /attributes/restSearch` (https://www.misp-project.org/openapi/#tag/Attributes/operation/restSearchAttributes):
// `Authorization: <auth key>`, `{ "response": { "Attribute": [ … ] } }`, each attribute with its `Event` summary and,
// with `includeEventTags`, the event's tags in its `Tag`. Values and event are those of the SOURGUM event in
// test/fixtures/enrichment/misp/events.json (Microsoft's SOURGUM IOCs, July 2021).
const API_KEY = 'misp-auth-key-0123456789abcdef';

const sourgumAttribute = {
  id: '1203',
  event_id: '101',
  object_id: '0',
  object_relation: null,
  category: 'Network activity',
  type: 'domain',
  to_ids: true,
  uuid: '01745201-48ca-5673-a55e-cd95c4a7522c',
  timestamp: '1626393600',
  distribution: '5',
  sharing_group_id: '0',
  comment: '',
  deleted: false,
  disable_correlation: false,
  first_seen: null,
  last_seen: '2021-07-15T00:00:00.000000+00:00',
  value: 'noc-service-streamer.com',
  Event: {
    org_id: '1',
    distribution: '3',
    id: '101',
    info: 'SOURGUM IOCs (Microsoft, July 2021)',
    orgc_id: '1',
    uuid: '3f8a6210-c612-5ab5-bf48-47b9ca06bef6',
    date: '2021-07-16',
    threat_level_id: '1',
    analysis: '2',
  },
  Tag: [
    { id: '1', name: 'tlp:white', colour: '#ffffff', numerical_value: null, is_galaxy: false, local: 0 },
    {
      id: '7',
      name: 'misp-galaxy:threat-actor="SOURGUM"',
      colour: '#0088cc',
      numerical_value: null,
      is_galaxy: true,
      local: 0,
    },
  ],
};

// An attribute for a value that was not asked about (MISP matches either half of composite values).
const otherAttribute = {
  ...sourgumAttribute,
  id: '1204',
  uuid: '47f2687f-3f66-50ac-a54f-173a90a79578',
  value: 'fbcdnads.live',
};

let reply: { status: number; body: string } = { status: 200, body: '' };
const requests: { method: string; path: string; auth: string | undefined; accept: string | undefined; body: unknown }[] =
  [];

async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  const auth = req.headers.authorization;
  requests.push({
    method: req.method ?? '',
    path: req.url ?? '',
    auth,
    accept: req.headers.accept,
    body: text === '' ? undefined : (JSON.parse(text) as unknown),
  });
  if (auth !== API_KEY) {
    res.writeHead(403, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        name: 'Authentication failed. Please make sure you pass the API key of an API enabled user along in the Authorization header.',
        message: 'Authentication failed. Please make sure you pass the API key of an API enabled user along in the Authorization header.',
        url: '/attributes/restSearch',
      }),
    );
    return;
  }
  res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body);
}

const server = createServer((req, res) => void serve(req, res));
let baseUrl = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  requests.length = 0;
  reply = { status: 200, body: JSON.stringify({ response: { Attribute: [] } }) };
});

const clock = manualClock('2026-01-01T00:00:00Z');
const client = (apiKey = API_KEY) => new MispRestThreatIntel({ baseUrl, apiKey, clock });

describe('MispRestThreatIntel against a local MISP', () => {
  it('sends one restSearch POST with canonical values, their MISP types and the auth key', async () => {
    await client().lookup([
      { type: 'domain', value: 'NOC-Service-Streamer[.]com.' },
      { type: 'hash', value: 'C299063E3EAE8DDC15839767E83B9808FD43418DC5A1AF7E4F44B97BA53FBD3D' },
      { type: 'ip', value: '10.1.2.3' },
    ]);
    expect(requests).toEqual([
      {
        method: 'POST',
        path: '/attributes/restSearch',
        auth: API_KEY,
        accept: 'application/json',
        body: {
          returnFormat: 'json',
          value: ['noc-service-streamer.com', 'c299063e3eae8ddc15839767e83b9808fd43418dc5a1af7e4f44b97ba53fbd3d'],
          type: ['domain', 'hostname', 'domain|ip', 'sha256', 'filename|sha256'],
          includeEventTags: true,
          limit: 500,
        },
      },
    ]);
  });

  it('maps a hit to a malicious finding with threat names and tags, dropping values not asked about', async () => {
    reply = { status: 200, body: JSON.stringify({ response: { Attribute: [sourgumAttribute, otherAttribute] } }) };
    const findings = await client().lookup([{ type: 'domain', value: 'noc-service-streamer.com' }]);
    expect(findings).toEqual([
      {
        indicator: { type: 'domain', value: 'noc-service-streamer.com', key: 'domain:noc-service-streamer.com' },
        verdict: 'malicious',
        threatNames: ['SOURGUM'],
        tags: ['tlp:white'],
        firstSeen: '2021-07-16T00:00:00.000Z',
        lastSeen: '2021-07-15T00:00:00.000Z',
        reference: 'misp:event/3f8a6210-c612-5ab5-bf48-47b9ca06bef6/attribute/01745201-48ca-5673-a55e-cd95c4a7522c',
        provenance: { source: 'misp', fetchedAt: '2026-01-01T00:00:00.000Z', confidence: 80, cacheHit: false },
        attributes: {
          mispType: 'domain',
          event: 'SOURGUM IOCs (Microsoft, July 2021)',
          toIds: true,
          category: 'Network activity',
          threatLevel: 'high',
        },
      },
    ]);
  });

  it('an empty response is no finding', async () => {
    expect(await client().lookup([{ type: 'domain', value: 'www.microsoft.com' }])).toEqual([]);
    expect(requests).toHaveLength(1);
  });

  it('403 is a non-retryable UNAUTHORIZED whose message does not contain the key', async () => {
    const error: unknown = await client('wrong-misp-key-secret-0123')
      .lookup([{ type: 'domain', value: 'noc-service-streamer.com' }])
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AppError', code: 'UNAUTHORIZED', retryable: false });
    expect(
      JSON.stringify({ message: (error as Error).message, details: (error as { details?: unknown }).details }),
    ).not.toContain('wrong-misp-key-secret-0123');
  });

  it('5xx is a retryable DEPENDENCY_UNAVAILABLE', async () => {
    reply = { status: 503, body: 'Service Unavailable' };
    await expect(client().lookup([{ type: 'domain', value: 'noc-service-streamer.com' }])).rejects.toMatchObject({
      code: 'DEPENDENCY_UNAVAILABLE',
      retryable: true,
    });
  });
});
