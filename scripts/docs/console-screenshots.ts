import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALL_SERVICES } from '@soc/all-in-one';
import { runServices } from '@soc/platform';
import { chromium } from 'playwright-core';
import { CHROMIUM_PATH } from './notification-screenshots.ts';

/** The files {@link writeConsoleScreenshots} writes, by name. */
export const CONSOLE_SCREENSHOTS = { queue: 'queue.png', case: 'case.png', kpis: 'kpis.png' } as const;

/** The fixture alerts shown: real Sentinel SecurityAlert rows mapped to generic alerts (test/fixtures/README.md). */
const FIXTURE = new URL('../../test/fixtures/generic-alerts.jsonl', import.meta.url);
const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low', 'informational'];

/** One alert per distinct title, taken in turn from each severity (most severe first), at most `count`: a queue that looks like a morning's work. */
export function fixtureAlerts(count: number): Record<string, unknown>[] {
  const rows = readFileSync(FIXTURE, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { title: string; severity: string });
  const byTitle = new Map<string, (typeof rows)[number]>();
  for (const row of rows) if (!byTitle.has(row.title)) byTitle.set(row.title, row);
  const bySeverity = SEVERITY_ORDER.map((s) => [...byTitle.values()].filter((r) => r.severity === s));
  const out: Record<string, unknown>[] = [];
  while (out.length < count && bySeverity.some((list) => list.length > 0)) {
    for (const list of bySeverity) if (list.length > 0 && out.length < count) out.push(list.shift()!);
  }
  return out;
}

/**
 * Starts the whole system in this process on the embedded default (a fresh data directory), ingests fixture alerts,
 * records two dispositions, and photographs the console's queue, one case and the KPI page in Debian's Chromium.
 */
export async function writeConsoleScreenshots(outDir: string, options: { chromiumPath?: string } = {}): Promise<string[]> {
  const chromiumPath = options.chromiumPath ?? CHROMIUM_PATH;
  if (!existsSync(chromiumPath)) throw new Error(`Chromium not found at ${chromiumPath}: install Debian's package (apt-get install -y chromium); no browser is downloaded.`);
  const dataDir = mkdtempSync(join(tmpdir(), 'soc-docs-console-'));
  const apiToken = randomBytes(24).toString('hex');
  const senderToken = randomBytes(24).toString('hex');
  const authFile = join(dataDir, 'ingest-auth.json');
  writeFileSync(authFile, JSON.stringify({ credentials: [{ kind: 'bearer', name: 'siem', token: { value: senderToken } }] }), { mode: 0o600 });
  const system = await runServices(ALL_SERVICES, {
    env: { SOC_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', INGEST_AUTH_FILE: authFile, SOC_API_TOKENS: `ana:${apiToken}`, SOC_API_ROLES: 'ana:analyst+admin' },
    handleSignals: false,
  });
  const call = async (token: string, path: string, body?: unknown) => {
    const res = await fetch(`${system.url}${path}`, { method: body === undefined ? 'GET' : 'POST', headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return (await res.json()) as Record<string, unknown>;
  };
  try {
    const ids: string[] = [];
    for (const alert of fixtureAlerts(12)) ids.push(String((await call(senderToken, '/api/v1/alerts/generic', alert)).alertId));
    const deadline = Date.now() + 60_000;
    for (const id of ids) {
      while ((await call(apiToken, `/api/v1/alerts/${id}`)).stage !== 'decided') {
        if (Date.now() > deadline) throw new Error(`alert ${id} was not decided within a minute`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await call(apiToken, `/api/v1/alerts/${ids.at(-1)!}/disposition`, { disposition: 'false-positive', note: 'Demo rule on a lab host.' });
    await call(apiToken, `/api/v1/alerts/${ids[0]!}/disposition`, { disposition: 'true-positive' });
    await mkdir(outDir, { recursive: true });
    const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
      await page.goto(`${system.url}/`);
      await page.getByLabel('API token').fill(apiToken);
      await page.getByRole('button', { name: 'Use token' }).click();
      await page.locator('#queue tbody tr').first().waitFor();
      const files: string[] = [];
      const shoot = async (name: string, fullPage: boolean) => {
        const file = join(outDir, name);
        await page.screenshot({ path: file, fullPage, animations: 'disabled' });
        files.push(file);
      };
      await shoot(CONSOLE_SCREENSHOTS.queue, true);
      await page.setViewportSize({ width: 1280, height: 1500 });
      await page.goto(`${system.url}/#/case/${encodeURIComponent(ids[0]!)}`);
      await page.getByRole('heading', { level: 2 }).first().waitFor();
      await page.waitForLoadState('networkidle').catch(() => undefined);
      await shoot(CONSOLE_SCREENSHOTS.case, false);
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.goto(`${system.url}/#/kpis`);
      await page.locator('figure.chart').first().waitFor();
      await shoot(CONSOLE_SCREENSHOTS.kpis, true);
      return files;
    } finally {
      await browser.close();
    }
  } finally {
    await system.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
