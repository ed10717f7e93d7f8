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
