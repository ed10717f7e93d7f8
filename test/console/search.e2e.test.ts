import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, useToken } from './support.ts';
import { ANALYST_TOKEN, SECOND_APPROVER_TOKEN, VIEWER_TOKEN, client, decidedCase, startSystem } from '../security/support.ts';

/** Debian's Chromium; the test never downloads a browser and fails (not skips) without it. */
const CHROMIUM = '/usr/bin/chromium';
const CONTOSO_SENDER = 'siem-contoso-search-token-0123456789';
const FABRIKAM_SENDER = 'siem-fabrikam-search-token-0123456789';

/** Alert text is attacker-written: markup in a title must show as text. */
const HOSTILE_TITLE = 'Beacon to <img src=x onerror="window.__pwned=1">c2 from web07';
const IP = '198.51.100.23';
/** The console route the page shows (its URL's fragment). */
const hashOf = (page: Page) => new URL(page.url()).hash;

/**
 * Issue 15 point 5 in the console: search a title word, open the case, pivot on its IP to a second case of the same
 * tenant written another way (`::ffff:`), never to a third tenant's case with the same IP and title word. Principals
 * (security/support.ts): ana (analyst) serves contoso, bob serves fabrikam, vera (viewer) every tenant.
 */
describe('console pivot and search (issue 15 point 5) in headless Chromium', () => {
  let system: Awaited<ReturnType<typeof startSystem>>;
  let browser: Browser;
  let page: Page;
  let beaconId: string;
  let sprayId: string;
  let fabrikamId: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's package (apt-get install -y chromium).`);
    const authFile = join(mkdtempSync(join(tmpdir(), 'soc-search-')), 'ingest-auth.json');
    writeFileSync(authFile, JSON.stringify({ credentials: [
      { kind: 'bearer', name: 'siem-contoso', token: { value: CONTOSO_SENDER }, tenantId: 'contoso' },
      { kind: 'bearer', name: 'siem-fabrikam', token: { value: FABRIKAM_SENDER }, tenantId: 'fabrikam' },
    ] }), { mode: 0o600 });
    system = await startSystem({ INGEST_AUTH_FILE: authFile, SOC_API_TENANTS: 'ana:contoso,bob:fabrikam,vera:*' });
    const contoso = client(system.url, CONTOSO_SENDER);
    const fabrikam = client(system.url, FABRIKAM_SENDER);
    const vera = client(system.url, VIEWER_TOKEN);
    beaconId = (await contoso('/api/v1/alerts/generic', { body: { id: 'search-beacon', title: HOSTILE_TITLE, severity: 'low', entities: [{ type: 'ip', value: IP }, { type: 'host', value: 'web07.contoso.com' }] } })).body.alertId;
    sprayId = (await contoso('/api/v1/alerts/generic', { body: { id: 'search-spray', title: 'Password spray against the VPN', severity: 'low', entities: [{ type: 'ip', value: `::FFFF:${IP}` }] } })).body.alertId;
    fabrikamId = (await fabrikam('/api/v1/alerts/generic', { body: { id: 'search-fabrikam', title: 'Beacon to c2 from web07', severity: 'low', entities: [{ type: 'ip', value: IP }] } })).body.alertId;
    for (const id of [beaconId, sprayId, fabrikamId]) await decidedCase(vera, id, 15_000);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    page = await browser.newPage();
    page.setDefaultTimeout(10_000);
    collectPageErrors(page, pageErrors);
  });
  afterAll(async () => {
    await browser?.close();
    await system?.close();
  });

  it('at the API, a tenant\'s analyst finds only its tenant\'s cases through search and pivot, even when they share an IP and a title word', async () => {
    const ana = client(system.url, ANALYST_TOKEN);
    const bob = client(system.url, SECOND_APPROVER_TOKEN);
    const idsOf = (r: { body: Record<string, unknown> }) => (r.body.items as { alertId: string }[]).map((i) => i.alertId);
    expect(idsOf(await ana('/api/v1/search?q=beacon'))).toEqual([beaconId]);
    expect(idsOf(await bob('/api/v1/search?q=beacon'))).toEqual([fabrikamId]);
    expect(idsOf(await ana(`/api/v1/entities/ip/${IP}/cases`))).toEqual([sprayId, beaconId]);
    expect(idsOf(await bob(`/api/v1/entities/ip/${encodeURIComponent(`::ffff:${IP}`)}/cases`))).toEqual([fabrikamId]);
    expect(idsOf(await client(system.url, VIEWER_TOKEN)(`/api/v1/entities/ip/${IP}/cases`)).sort()).toEqual([beaconId, sprayId, fabrikamId].sort());
    const empty = await ana('/api/v1/search?q=');
    expect(empty.status).toBe(400);
  });

  it('searches a title word, opens the case, and pivots on its IP to the other case of the tenant; titles show as text', async () => {
    await page.goto(`${system.url}/`);
    await useToken(page, ANALYST_TOKEN);
    await page.locator('#search-q').fill('BEACON');
    await page.locator('#search-form').getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => hashOf(page)).toBe('#/search?q=BEACON');
    const rows = page.locator('#search-results tbody tr');
    await expect.poll(() => rows.count()).toBe(1);
    const link = rows.first().locator('a');
    expect(await link.textContent()).toBe(HOSTILE_TITLE);
    expect(await rows.first().locator('img').count()).toBe(0);
    expect(await rows.first().textContent()).toContain('title');
    await link.click();
    await expect.poll(() => hashOf(page)).toBe(`#/case/${beaconId}`);
    await page.getByRole('link', { name: IP }).click();
    await expect.poll(() => hashOf(page)).toBe(`#/entity/ip/${IP}`);
    const cases = page.locator('#entity-results tbody tr');
    await expect.poll(() => cases.count()).toBe(2);
    expect(await cases.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-alert-id')))).toEqual([sprayId, beaconId]);
    expect(await cases.first().textContent()).toContain('Password spray against the VPN');
    await cases.first().locator('a').click();
    await expect.poll(() => hashOf(page)).toBe(`#/case/${sprayId}`);
    await expect.poll(() => page.locator('#alert-title').textContent()).toBe('Password spray against the VPN');
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    expect(pageErrors).toEqual([]);
  });
});
