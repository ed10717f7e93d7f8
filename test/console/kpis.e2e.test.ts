import { existsSync } from 'node:fs';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, useToken as signIn } from './support.ts';
import { ADMIN_TOKEN, ANALYST_TOKEN, SENDER_TOKEN, VIEWER_TOKEN, client, eventually, startSystem } from '../security/support.ts';

/** Debian's Chromium; the test never downloads a browser and fails (not skips) without it. */
const CHROMIUM = '/usr/bin/chromium';

const alertOf = (id: string, severity: string) => ({ id, title: `KPI page alert ${id}`, severity, entities: [{ type: 'host', value: `${id}.contoso.com` }] });
/** A body that does not parse as a generic alert, with markup in it: the quarantine page must show it as text. */
const BAD_BODY = JSON.stringify({ id: 'kpi-bad', severity: 'urgent', title: '<img src=x onerror="window.__pwned=1">bad' });

interface Kpis { cases: number; timeToDisposition: { cases: number } }

describe('web console (issue 15): the KPI page with charts, and the admin pages', () => {
  let system: Awaited<ReturnType<typeof startSystem>>;
  let browser: Browser;
  let page: Page;
  let alertIds: string[];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's package (apt-get install -y chromium).`);
    system = await startSystem();
    const sender = client(system.url, SENDER_TOKEN);
    const viewer = client(system.url, VIEWER_TOKEN);
    alertIds = [];
    for (const [id, severity] of [['kpi-1', 'high'], ['kpi-2', 'medium']] as const) alertIds.push((await sender('/api/v1/alerts/generic', { body: alertOf(id, severity) })).body.alertId);
    expect((await sender('/api/v1/alerts/generic', { body: BAD_BODY })).status).toBe(400);
    for (const id of alertIds) await eventually(async () => ((await viewer(`/api/v1/alerts/${id}`)).body?.stage === 'decided' ? true : undefined), 15_000, `${id} decided`);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    page = await browser.newPage();
    page.setDefaultTimeout(10_000);
    // A CSP violation (an inline style in an SVG, say) or a script error shows up here: the page must run clean.
    collectPageErrors(page, pageErrors, [403]);
  });
  afterAll(async () => {
    await browser?.close();
    await system?.close();
  });

  const useToken = (token: string) => signIn(page, token);
  const chartLabel = (title: RegExp) => page.getByRole('figure', { name: title }).getByRole('img').getAttribute('aria-label');

  it('draws the KPIs as SVG charts with text alternatives, and shows a disposition after a refresh', async () => {
    await page.goto(`${system.url}/#/kpis`);
    await useToken(ADMIN_TOKEN);
    await expect.poll(() => page.locator('#kpi-cases').textContent()).toBe('2');
    expect(await page.locator('#kpi-quarantine').textContent()).toBe('1');
    // Four charts, each an <svg role=img> whose label carries the numbers, and a data table.
    expect(await page.locator('figure.chart svg[role="img"]').count()).toBe(4);
    expect(await page.locator('figure.chart details table').count()).toBe(4);
    expect(await chartLabel(/Cases per day/)).toMatch(/received 2, dispositioned 0\b/);
    expect(await chartLabel(/Time to triage/)).toMatch(/Disposition mean —/);
    // The bars are geometry attributes and classes, never style attributes (the CSP forbids inline styles).
    expect(await page.locator('figure.chart [style]').count()).toBe(0);
    expect(await page.locator('figure.chart rect.bar').count()).toBeGreaterThan(0);

    // An analyst records a disposition at the API; the KPI API counts it, and the page shows it on Refresh.
    const analyst = client(system.url, ANALYST_TOKEN);
    expect((await analyst(`/api/v1/alerts/${alertIds[0]}/disposition`, { body: { disposition: 'false-positive', note: 'lab host' } })).status).toBe(202);
    const admin = client(system.url, ADMIN_TOKEN);
    await eventually(async () => {
      const report = (await admin('/api/v1/kpis')).body as { tenants: Record<string, Kpis> };
      return Object.values(report.tenants).some((k) => k.timeToDisposition.cases === 1) ? true : undefined;
    }, 15_000, 'the disposition in the KPIs');
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => chartLabel(/Cases per day/)).toMatch(/received 2, dispositioned 1\b/);
    expect(await chartLabel(/Time to triage/)).toMatch(/Disposition mean \d+(\.\d)? (s|min)/);
    expect(await chartLabel(/Time to triage/)).toMatch(/FP closure mean \d+(\.\d)? (s|min)/);
    await page.getByRole('figure', { name: /Time to triage/ }).getByText('Data table').click();
    expect(await page.getByRole('figure', { name: /Time to triage/ }).getByRole('row', { name: /^Disposition/ }).textContent()).toMatch(/\d (s|min)/);
    expect(pageErrors).toEqual([]);
  });

  it("computes the charts' scales and the trend's days as tested pure functions", async () => {
    // The console's own modules as the page loads them (plain ES modules, no build step), called in the page. A string,
    // so vitest's transform leaves its import() alone.
    const result = (await page.evaluate(`(async () => {
      const charts = await import('/console/charts.js');
      const kpis = await import('/console/kpis.js');
      const live = await import('/console/live.js');
      return {
        parsed: live.parseEvents('retry: 5000\\n\\n: comment\\nevent: case-changed\\ndata: {"alertId":"a"}\\n\\nevent: heartbeat\\r\\ndata: {}\\r\\n\\nevent: case-cha'),
        nice: [0, 0.3, 1, 7, 12, 99, 100, 101].map((v) => charts.niceMax(v)),
        bars: [charts.barLength(null, 10, 100), charts.barLength(5, 10, 100), charts.barLength(50, 10, 100), charts.barLength(-1, 10, 100)],
        days: kpis.dayWindows(new Date('2026-12-07T10:30:00Z'), 3).map((d) => [d.from.toISOString(), d.to.toISOString(), d.label]),
        minutes: [kpis.minutes(null), kpis.minutes(90), kpis.minutes(125)],
      };
    })()`)) as { parsed: unknown; nice: number[]; bars: number[]; days: string[][]; minutes: (number | null)[] };
    expect(result.parsed).toEqual({
      events: [{ event: 'message', data: '', retry: 5000 }, { event: 'case-changed', data: '{"alertId":"a"}' }, { event: 'heartbeat', data: '{}' }],
      rest: 'event: case-cha',
    });
    expect(result.nice).toEqual([1, 0.5, 1, 10, 20, 100, 100, 200]);
    expect(result.bars).toEqual([0, 50, 100, 0]);
    expect(result.days).toEqual([
      ['2026-12-05T00:00:00.000Z', '2026-12-06T00:00:00.000Z', '12-05'],
      ['2026-12-06T00:00:00.000Z', '2026-12-07T00:00:00.000Z', '12-06'],
      ['2026-12-07T00:00:00.000Z', '2026-12-07T10:30:00.000Z', '12-07'],
    ]);
    expect(result.minutes).toEqual([null, 1.5, 2.1]);
  });

  it('the queue shows a new alert without a reload, told by the live stream', async () => {
    await page.goto(`${system.url}/#/`);
    await expect.poll(() => page.locator('#live-state').textContent()).toBe('Live');
    await expect.poll(() => page.locator('#queue tbody tr').count()).toBe(2);
    const marker = await page.evaluate(() => {
      (globalThis as { __sameDocument?: boolean }).__sameDocument = true;
      return true;
    });
    const sent = await client(system.url, SENDER_TOKEN)('/api/v1/alerts/generic', { body: alertOf('kpi-3', 'critical') });
    await expect.poll(() => page.locator(`#queue tr[data-alert-id="${sent.body.alertId as string}"]`).count(), { timeout: 15_000 }).toBe(1);
    expect(await page.evaluate(() => (globalThis as { __sameDocument?: boolean }).__sameDocument)).toBe(marker); // no reload
    expect(pageErrors).toEqual([]);
  });

  it('an admin sees the dead letters and the quarantine, whose payload shows as text', async () => {
    await page.goto(`${system.url}/#/admin/dead-letters`);
    await expect.poll(() => page.locator('#dead-letter-results').textContent()).toBe('No dead letters.');
    await page.goto(`${system.url}/#/admin/quarantine`);
    const row = page.locator('#quarantine tbody tr');
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.textContent()).toContain('generic');
    await page.getByRole('button', { name: /^Show payload/ }).click();
    await expect.poll(() => page.locator('pre.payload').textContent()).toBe(BAD_BODY);
    expect(await page.locator('#quarantine-detail img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(pageErrors).toEqual([]);
  });

  it('a viewer is shown the 403 on the admin pages', async () => {
    await useToken(VIEWER_TOKEN);
    await page.goto(`${system.url}/#/admin/dead-letters`);
    await expect.poll(() => page.locator('#dead-letter-results [role="alert"]').textContent()).toMatch(/Forbidden \(403\).*admin role/);
    await page.goto(`${system.url}/#/admin/quarantine`);
    await expect.poll(() => page.locator('#quarantine-results [role="alert"]').textContent()).toMatch(/Forbidden \(403\)/);
    expect(pageErrors).toEqual([]);
  });
});
