import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_ROLE_TOKEN, OPENAPI_DOCUMENT, UNDOCUMENTED_ROUTES, VIEWER_TOKEN, checkApiResponse, client, routesOf, startSystem } from './support.ts';

/** `METHOD /path/{param}` of an Express route (`:param`). */
const asTemplate = (r: { method: string; path: string }) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`;

describe('the OpenAPI document covers the running system, and client() checks every response against it', () => {
  let system: Awaited<ReturnType<typeof startSystem>>;
  beforeAll(async () => {
    system = await startSystem();
  });
  afterAll(async () => {
    await system.close();
  });

  it('every /api route is in the document or listed as undocumented (with why), and the list is true', () => {
    const running = [...new Set(routesOf(system.http.server).filter((r) => r.path.startsWith('/api/')).map(asTemplate))];
    const documented = Object.entries(OPENAPI_DOCUMENT.paths ?? {}).flatMap(([path, item]) =>
      Object.keys(item ?? {}).filter((k) => ['get', 'put', 'post', 'delete', 'patch'].includes(k)).map((m) => `${m.toUpperCase()} ${path}`),
    );
    const listed = UNDOCUMENTED_ROUTES.map((u) => u.route);
    expect(running.filter((r) => !documented.includes(r) && !listed.includes(r))).toEqual([]);
    // Nothing listed is documented, everything listed and documented runs.
    expect(listed.filter((r) => documented.includes(r))).toEqual([]);
    expect([...listed, ...documented].filter((r) => !running.includes(r))).toEqual([]);
    expect(listed.sort()).toEqual(['GET /api/v1/quarantine', 'GET /api/v1/quarantine/{id}', 'POST /api/v1/alerts/{source}', 'POST /api/v1/quarantine/replay', 'POST /api/v1/quarantine/{id}/replay']);
  });

  it('serves the document at /api/v1/openapi.json to a viewer, not to a principal without a role', async () => {
    const res = await client(system.url, VIEWER_TOKEN)('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(JSON.parse(JSON.stringify(OPENAPI_DOCUMENT)));
    expect((await client(system.url, NO_ROLE_TOKEN)('/api/v1/openapi.json')).status).toBe(403);
  });

  it('a real response passes; the same response altered, or an undocumented route answering, fails', async () => {
    const res = await fetch(`${system.url}/api/v1/containment/freeze`, { headers: { authorization: `Bearer ${VIEWER_TOKEN}` } });
    const observed = { method: 'GET', path: '/api/v1/containment/freeze', status: res.status, contentType: res.headers.get('content-type'), body: await res.text() };
    expect(() => checkApiResponse(observed)).not.toThrow();
    expect(() => checkApiResponse({ ...observed, body: JSON.stringify({ ...JSON.parse(observed.body), global: 'frozen' }) })).toThrow(/\/global/);
    expect(() => checkApiResponse({ ...observed, status: 201 })).toThrow(/status 201 is not documented/);
    expect(() => checkApiResponse({ ...observed, path: '/api/v1/unlisted', body: '{}' })).toThrow(/neither in the OpenAPI document nor in UNDOCUMENTED_ROUTES/);
    expect(() => checkApiResponse({ ...observed, method: 'POST', path: '/api/v1/alerts/generic', status: 202, body: '{}' })).not.toThrow();
  });
});
