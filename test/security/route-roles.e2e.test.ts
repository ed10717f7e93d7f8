import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_ROLE_TOKEN, SENDER_TOKEN, VIEWER_TOKEN, client, routesOf, startSystem } from './support.ts';

/** The one `/api` route that authenticates its callers itself: senders' credentials, never API tokens. */
const SENDER_ROUTE = 'POST /api/v1/alerts/:source';
/**
 * Signed integration routes: they authenticate the integration's own signature (Slack: `X-Slack-Signature`, an HMAC
 * with the app's signing secret, timestamp window and replay check; Teams: the Bot Connector's RS256 JWT), never an
 * API token, and act for the approver principal the configuration maps the integration's user to — who must hold the role.
 */
const SIGNED_ROUTES = ['POST /api/v1/integrations/slack/interactions', 'POST /api/v1/integrations/teams/messages'];
/** Routes with no requireRole: each answers 401 to an API token, whatever its role. */
const SELF_AUTHENTICATED = [SENDER_ROUTE, ...SIGNED_ROUTES];

describe('every /api route declares the role it needs', () => {
  let system: Awaited<ReturnType<typeof startSystem>>;
  let routes: ReturnType<typeof routesOf>;
  beforeAll(async () => {
    system = await startSystem();
    routes = routesOf(system.http.server).filter((r) => r.path.startsWith('/api/'));
  });
  afterAll(async () => {
    await system.close();
  });

  it('finds the routes of every service (the walk sees them all)', () => {
    const names = routes.map((r) => `${r.method} ${r.path}`);
    expect(names).toEqual(
      expect.arrayContaining([
        SENDER_ROUTE,
        ...SIGNED_ROUTES,
        'GET /api/v1/alerts/:alertId',
        'POST /api/v1/containment/:requestId/approve',
        'POST /api/v1/hunt/queries',
        'GET /api/v1/quarantine',
        'GET /api/v1/alerts/stalled',
        'GET /api/v1/alerts/:alertId/hunts',
      ]),
    );
    expect(routes.length).toBeGreaterThanOrEqual(15);
  });

  it('each route but the senders\' one and the signed integrations has a role check', () => {
    const open = routes.filter((r) => !SELF_AUTHENTICATED.includes(`${r.method} ${r.path}`) && r.role === undefined).map((r) => `${r.method} ${r.path}`);
    expect(open).toEqual([]);
  });

  it('a token whose principal has no role gets 403 naming the role on each; the sender token gets 401', async () => {
    const nobody = client(system.url, NO_ROLE_TOKEN);
    const sender = client(system.url, SENDER_TOKEN);
    for (const r of routes) {
      const path = r.path.replace(/:(\w+)/g, (_m, name: string) => (name === 'source' ? 'generic' : `probe-${name}`));
      const init = { method: r.method, ...(r.method === 'GET' ? {} : { body: {} }) };
      const asNobody = await nobody(path, init);
      if (SELF_AUTHENTICATED.includes(`${r.method} ${r.path}`)) {
        expect([r.path, asNobody.status]).toEqual([r.path, 401]);
        expect([r.path, (await client(system.url, VIEWER_TOKEN)(path, init)).status]).toEqual([r.path, 401]);
        continue;
      }
      expect([r.method, r.path, asNobody.status, asNobody.body?.role]).toEqual([r.method, r.path, 403, r.role]);
      expect(JSON.stringify(asNobody.body)).not.toContain(NO_ROLE_TOKEN);
      expect([r.method, r.path, (await sender(path, init)).status]).toEqual([r.method, r.path, 401]);
    }
  });

  it('a viewer reads but is refused everything else', async () => {
    const viewer = client(system.url, VIEWER_TOKEN);
    for (const r of routes.filter((x) => x.role !== undefined && x.role !== 'viewer')) {
      const path = r.path.replace(/:(\w+)/g, (_m, name: string) => `probe-${name}`);
      const res = await viewer(path, { method: r.method, ...(r.method === 'GET' ? {} : { body: {} }) });
      expect([r.method, r.path, res.status]).toEqual([r.method, r.path, 403]);
    }
    expect((await viewer('/api/v1/alerts')).status).toBe(200);
    expect((await viewer('/api/v1/cases')).status).toBe(200);
    expect((await viewer('/api/v1/alerts/stalled')).status).toBe(200);
  });
});
