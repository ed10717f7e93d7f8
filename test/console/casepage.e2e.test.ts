import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, collectPageErrors, useToken } from './support.ts';
import { ANALYST_TOKEN, HUNTER_TOKEN, SENDER_TOKEN, VIEWER_TOKEN, client, decidedCase, eventually, startSystem } from '../security/support.ts';

const ALERT = { id: 'casepage-1', title: 'Outbound connection to a rare address', severity: 'high', entities: [{ type: 'host', value: 'ws7.contoso.com' }, { type: 'ip', value: '198.51.100.23' }] };

/** The case page's hunt queries, revisions and fact anchors (issue 15.1), in Debian's Chromium. */
describe('the case page: hunts with Copy and Run, revisions, citations that focus the cited fact', () => {
  let system: Awaited<ReturnType<typeof startSystem>>;
  let browser: Browser;
  let page: Page;
  let alertId: string;
  const pageErrors: string[] = [];
  const caseUrl = () => `${system.url}/#/case/${encodeURIComponent(alertId)}`;
  /** Waits until the case's journey is done (its ticket, e-mail, answers), so no live update redraws the page mid-test. */
  const quiet = async () => {
    let seen = -1;
    await eventually(async () => {
      const n = ((await client(system.url, VIEWER_TOKEN)(`/api/v1/alerts/${alertId}`)).body.timeline as unknown[]).length;
      const settled = n === seen;
      seen = n;
      if (!settled) await new Promise((r) => setTimeout(r, 1500));
      return settled ? n : undefined;
    }, 20_000, 'a quiet case');
  };

  beforeAll(async () => {
    system = await startSystem();
    alertId = (await client(system.url, SENDER_TOKEN)('/api/v1/alerts/generic', { body: ALERT })).body.alertId;
    await decidedCase(client(system.url, VIEWER_TOKEN), alertId, 15_000);
    // A chat answer with citations (asking in the page is chat.e2e's test).
    expect((await client(system.url, ANALYST_TOKEN)(`/api/v1/alerts/${alertId}/questions`, { body: { text: 'What do we know about 198.51.100.23?' } })).status).toBe(202);
    await eventually(async () => ((await client(system.url, VIEWER_TOKEN)(`/api/v1/alerts/${alertId}`)).body.questions as { answer?: unknown }[] | undefined)?.find((q) => q.answer), 20_000, 'the answer');
    await quiet();
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    const context = await browser.newContext();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: system.url });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    collectPageErrors(page, pageErrors, [403]);
  });
  afterAll(async () => {
    await browser?.close();
    await system?.close();
  });

  it('an analyst sees the guard-approved hunts, copies one, is refused Run (403); a citation focuses the cited fact; the actions are reachable by Tab', async () => {
    await page.goto(caseUrl());
    await useToken(page, ANALYST_TOKEN);
    await page.goto(caseUrl());
    const hunts = page.locator('#hunts');
    const expected = (await client(system.url, VIEWER_TOKEN)(`/api/v1/alerts/${alertId}/hunts`)).body.queries as { query: string; title: string; purpose: string; entityId: string }[];
    expect(expected.length).toBeGreaterThan(0);
    await expect.poll(() => hunts.locator('article.hunt').count(), { timeout: 10_000 }).toBe(expected.length);
    expect(await hunts.locator('article.hunt pre code').allTextContents()).toEqual(expected.map((q) => q.query));
    const first = hunts.locator('article.hunt').first();
    expect(await first.locator('.hunt-title').textContent()).toBe(expected[0]!.title);
    expect(await first.textContent()).toContain(expected[0]!.entityId);
    expect(expected[0]!.purpose.length).toBeGreaterThan(10);
    expect(await first.locator('.hunt-purpose').textContent()).toBe(`Looks for: ${expected[0]!.purpose}`);

    await first.getByRole('button', { name: 'Copy' }).click();
    await expect.poll(() => first.locator('.hunt-result').textContent()).toContain('Copied.');
    expect(await page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText())).toBe(expected[0]!.query);
    await first.getByRole('button', { name: 'Run' }).click();
    await expect.poll(() => first.locator('.hunt-result [role="alert"]').textContent(), { timeout: 15_000 }).toContain('Forbidden (403)');
    expect(await first.locator('.hunt-result').textContent()).toContain('hunter');

    // Every fact has its anchor; a citation of the chat's answer moves the focus to the fact, the route stays.
    const c = (await client(system.url, VIEWER_TOKEN)(`/api/v1/alerts/${alertId}`)).body;
    const anchors = await page.locator('#view [id^="fact-"]').evaluateAll((els) => els.map((e) => e.id));
    const anchorOf = (kind: string, id: string) => `fact-${kind}-${id.replace(/[^A-Za-z0-9-]/g, (ch) => `_${ch.codePointAt(0)!.toString(16)}_`)}`;
    for (const e of c.alert.entities as { id: string }[]) expect(anchors).toContain(anchorOf('entity', e.id));
    for (const f of (c.enrichment?.facts ?? []) as { id: string }[]) expect(anchors).toContain(anchorOf('fact', f.id));
    for (const f of c.triage.risk.factors as { name: string }[]) expect(anchors).toContain(anchorOf('factor', f.name));
    expect(anchors.some((a) => a.startsWith('fact-factor-'))).toBe(true);
    for (const a of anchors) expect(a).toMatch(/^[A-Za-z][\w-]*$/);
    expect(new Set(anchors).size).toBe(anchors.length);

    const citation = page.locator('#chat .chat-citations li a.fact-link').first();
    expect(await citation.count()).toBe(1);
    const target = await citation.getAttribute('data-fact');
    expect(anchors).toContain(target);
    await citation.click();
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } | null } }).document.activeElement?.id)).toBe(target);
    expect(new URL(page.url()).hash).toBe(`#/case/${encodeURIComponent(alertId)}`);
    expect(await page.locator('#hunts').count()).toBe(1); // no re-render by the router

    // Keyboard: from the top of the case, Tab reaches the case's main actions.
    await page.locator('#view').focus();
    const reached = new Set<string>();
    for (let i = 0; i < 150 && reached.size < 4; i++) {
      await page.keyboard.press('Tab');
      const name = await page.evaluate(() => {
        const active = (globalThis as unknown as { document: { activeElement: { tagName: string; textContent: string | null } | null } }).document.activeElement;
        return active?.tagName === 'BUTTON' ? active.textContent : null;
      });
      if (name && ['Copy', 'Run', 'Ask', 'Record disposition'].includes(name)) reached.add(name);
    }
    expect([...reached].sort()).toEqual(['Ask', 'Copy', 'Record disposition', 'Run']);
  });

  it('a re-sent alert that changed shows as a new revision; a hunter runs a hunt (validate-only)', async () => {
    expect((await client(system.url, SENDER_TOKEN)('/api/v1/alerts/generic', { body: { ...ALERT, severity: 'critical' } })).status).toBe(202);
    await eventually(async () => {
      const c = (await client(system.url, VIEWER_TOKEN)(`/api/v1/alerts/${alertId}`)).body;
      return c.revisions?.length === 2 && c.stage === 'decided' ? c : undefined;
    }, 15_000, 'the second revision');
    await quiet();
    await useToken(page, HUNTER_TOKEN);
    await page.goto(`${system.url}/#/`);
    await page.goto(caseUrl());
    const rows = page.locator('#revisions tbody tr');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(2);
    expect(await rows.first().textContent()).toContain('(shown)');
    expect(await rows.first().locator('.revision-changes').textContent()).toContain('severity: high → critical');
    expect(await rows.nth(1).locator('.revision-changes').textContent()).toBe('first revision');
    expect(await page.locator('#revision-shown').textContent()).toContain('the newest of 2');

    const first = page.locator('#hunts article.hunt').first();
    // Where the browser refuses the clipboard, Copy selects the query for Ctrl+C instead.
    await page.evaluate(() => {
      (globalThis as unknown as { navigator: { clipboard: { writeText(t: string): Promise<void> } } }).navigator.clipboard.writeText = () => Promise.reject(new Error('NotAllowedError'));
    });
    await first.getByRole('button', { name: 'Copy' }).click();
    await expect.poll(() => first.locator('.hunt-result').textContent()).toContain('The query is selected');
    expect(await page.evaluate(() => String((globalThis as unknown as { getSelection(): unknown }).getSelection()))).toBe(await first.locator('pre code').textContent());
    await first.getByRole('button', { name: 'Run' }).click();
    await expect.poll(() => first.locator('.hunt-result [role="status"]').textContent(), { timeout: 15_000 }).toMatch(/^not-executed \(validate-only\), 0 row\(s\), audit kqa-\d{12}/);
    expect(pageErrors).toEqual([]);
  });
});
