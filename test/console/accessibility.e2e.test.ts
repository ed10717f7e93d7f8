import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, collectPageErrors, useToken } from './support.ts';
import { ADMIN_TOKEN, ANALYST_TOKEN, SENDER_TOKEN, VIEWER_TOKEN, client, eventually, startSystem } from '../security/support.ts';

/** axe-core's browser build (a root devDependency), injected into the page by the test only. */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** A critical alert whose decision asks to block an external address: its case shows a pending containment request. */
const CRITICAL = { id: 'a11y-crit', title: 'Network communication with a malicious machine detected', severity: 'critical', techniques: ['T1071'], entities: [{ type: 'host', value: 'web01.contoso.com' }, { type: 'ip', value: '185.220.101.44' }] };
/** Fails ingestion's schema: the quarantine page has a row. */
const BAD_BODY = JSON.stringify({ id: 'a11y-bad', severity: 'urgent', title: 'bad' });

interface Violation { id: string; impact: string; help: string; nodes: string[] }

/**
 * The console's pages checked with axe-core (WCAG 2.x A and AA rules, and axe's best practices) in Debian's Chromium:
 * the queue, a case with a pending containment request, a chat answer and its hunts, search results, the KPI page
 * and the admin pages. Any violation of impact `serious` or `critical` fails, listed in the message.
 */
describe('accessibility of the console (axe-core)', () => {
  let system: Awaited<ReturnType<typeof startSystem>>;
  let browser: Browser;
  let page: Page;
  let alertId: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    system = await startSystem();
    const sender = client(system.url, SENDER_TOKEN);
    alertId = (await sender('/api/v1/alerts/generic', { body: CRITICAL })).body.alertId;
    expect((await sender('/api/v1/alerts/generic', { body: BAD_BODY })).status).toBe(400);
    const viewer = client(system.url, VIEWER_TOKEN);
    await eventually(async () => {
      const c = (await viewer(`/api/v1/alerts/${alertId}`)).body;
      return (c?.containment as { status: string }[] | undefined)?.find((r) => r.status === 'pending-approval');
    }, 15_000, 'a pending containment request');
    const asked = await client(system.url, ANALYST_TOKEN)(`/api/v1/alerts/${alertId}/questions`, { body: { text: 'Write a hunt for 185.220.101.44' } });
    expect(asked.status).toBe(202);
    await eventually(async () => ((await viewer(`/api/v1/alerts/${alertId}`)).body.questions as { answer?: unknown }[] | undefined)?.find((q) => q.answer), 20_000, 'the chat answer');
    // Let the journey finish (ticket, e-mail), so no live update redraws the case while axe reads it.
    let seen = -1;
    await eventually(async () => {
      const n = ((await viewer(`/api/v1/alerts/${alertId}`)).body.timeline as unknown[]).length;
      const settled = n === seen;
      seen = n;
      if (!settled) await new Promise((r) => setTimeout(r, 1500));
      return settled ? n : undefined;
    }, 20_000, 'a quiet case');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    // The console's CSP forbids inline script; only this test's context bypasses it, to inject axe.
    const context = await browser.newContext({ bypassCSP: true });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    collectPageErrors(page, pageErrors);
  });
  afterAll(async () => {
    await browser?.close();
    await system?.close();
  });

  /** The serious and critical violations axe finds on the page as it stands. */
  const violations = (): Promise<Violation[]> =>
    page.evaluate(async () => {
      const axe = (globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
      const result = await axe.run((globalThis as unknown as { document: unknown }).document, { resultTypes: ['violations'], runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } });
      return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
    });

  /** Opens `hash` (the router renders it without a page load, so axe stays injected), waits for `ready`, runs axe. */
  const check = async (hash: string, ready: () => Promise<unknown>, found: Record<string, Violation[]>) => {
    await page.evaluate((h) => {
      (globalThis as unknown as { location: { hash: string } }).location.hash = h;
    }, hash);
    await ready();
    found[hash] = await violations();
  };

  it('the queue, a case (containment, chat answer, hunts), search, KPIs and the admin pages have no serious or critical violation', async () => {
    await page.goto(`${system.url}/#/`);
    await useToken(page, ADMIN_TOKEN);
    await page.addScriptTag({ content: AXE_SOURCE });
    // The check can fail: a button without a name and an unlabelled field are critical violations axe reports.
    await page.evaluate(() => {
      const doc = (globalThis as unknown as { document: { createElement(t: string): { id: string; append(...n: unknown[]): void }; getElementById(id: string): { append(n: unknown): void } | null } }).document;
      const probe = doc.createElement('div');
      probe.id = 'a11y-probe';
      probe.append(doc.createElement('button'), doc.createElement('input'));
      doc.getElementById('view')?.append(probe);
    });
    expect((await violations()).map((v) => v.id).sort()).toEqual(['button-name', 'label']);
    await page.locator('#a11y-probe').evaluate((probe) => probe.remove());
    const found: Record<string, Violation[]> = {};
    await check('#/', () => expect.poll(() => page.locator('#view table tbody tr').count(), { timeout: 10_000 }).toBeGreaterThan(0), found);
    await check(
      `#/case/${encodeURIComponent(alertId)}`,
      async () => {
        await expect.poll(() => page.locator('#hunts article.hunt').count(), { timeout: 10_000 }).toBeGreaterThan(0);
        await expect.poll(() => page.locator('#chat .chat-answer').count(), { timeout: 10_000 }).toBe(1);
        await expect.poll(() => page.locator('form.decide').count(), { timeout: 10_000 }).toBe(1);
      },
      found,
    );
    await check('#/search?q=malicious', () => expect.poll(() => page.locator('#view table tbody tr').count(), { timeout: 10_000 }).toBeGreaterThan(0), found);
    await check('#/kpis', () => expect.poll(() => page.locator('#kpi-results').getAttribute('aria-busy'), { timeout: 10_000 }).toBe('false'), found);
    await check('#/admin/dead-letters', () => expect.poll(() => page.locator('#dead-letter-results').textContent()).toBe('No dead letters.'), found);
    await check('#/admin/quarantine', () => expect.poll(() => page.locator('#quarantine tbody tr').count(), { timeout: 10_000 }).toBeGreaterThan(0), found);
    const failures = Object.entries(found).flatMap(([hash, list]) => list.map((v) => `${hash}: ${v.impact} ${v.id} (${v.help}) at ${v.nodes.join(' | ')}`));
    expect(failures, failures.join('\n')).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
