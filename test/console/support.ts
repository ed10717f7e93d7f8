import { expect } from 'vitest';
import type { Page } from 'playwright-core';

/** Debian's Chromium; the console's browser tests never download a browser and fail (not skip) without it: CI installs it. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Signs the page in with an API token through the console's form (the token is exchanged for a session cookie),
 * signing out first when someone is signed in.
 */
export async function useToken(page: Page, token: string): Promise<void> {
  const signOut = page.getByRole('button', { name: 'Sign out' });
  if (await signOut.isVisible()) {
    await signOut.click();
    await expect.poll(() => page.locator('#token-state').textContent()).toBe('Not signed in.');
  }
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Use token' }).click();
  await expect.poll(() => page.locator('#token-state').textContent()).toMatch(/^Signed in as /);
}

/**
 * Collects what a page logs as errors into `errors`: script errors, CSP violations and failed loads, except the
 * refusals a test provokes (`expectedStatuses`, e.g. 403 of a viewer's Approve) and the 401 of `GET /auth/session`
 * (how the page asks whether anyone is signed in).
 */
export function collectPageErrors(page: Page, errors: string[], expectedStatuses: readonly number[] = []): void {
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const status = /status of (\d{3})/.exec(m.text())?.[1];
    const expected = (status !== undefined && expectedStatuses.includes(Number(status))) || (status === '401' && m.location().url.endsWith('/auth/session'));
    if (!expected) errors.push(`${m.text()} ${m.location().url}`);
  });
}
