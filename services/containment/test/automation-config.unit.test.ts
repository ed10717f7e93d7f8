import { describe, expect, it } from 'vitest';
import { isAppError } from '@soc/runtime';
import { keyVaultRunbooksFromEnv } from '../src/adapters/automation/keyvault-config.ts';
import { FixedTokenCredential, requestFor } from './support/https-stand-in.ts';

/** The automation runbooks' configuration: zod-validated, every problem listed, surprising settings refused. */

const credential = new FixedTokenCredential('unused');

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (!isAppError(error)) throw error;
    expect(error.code).toBe('CONFIGURATION_INVALID');
    return error.message;
  }
  throw new Error('expected a configuration refusal');
}

describe('keyVaultRunbooksFromEnv', () => {
  it('takes Key Vault URLs (normalised) and the value size', async () => {
    const rb = keyVaultRunbooksFromEnv({ KEYVAULT_URLS: ' https://KV-Payments.vault.azure.net/ , https://kv-ops.vault.azure.net', KEYVAULT_SECRET_BYTES: '48' }, { credential })['rotate-secret'];
    // A vault outside the list is refused before any call (none could succeed here: no network in a unit test).
    const error = await rb.dryRun(requestFor('rotate-secret', 'https://kv-other.vault.azure.net/secrets/s1')).catch((e: unknown) => e);
    expect(isAppError(error) && error.message).toContain('KEYVAULT_URLS');
  });

  it('refuses what is not a Key Vault URL, listing every problem', () => {
    const message = refusal(() => keyVaultRunbooksFromEnv({ KEYVAULT_URLS: 'http://kv.vault.azure.net,https://evil.example.com,https://kv.vault.azure.net/secrets/x,https://kv.vault.azure.net:8443', KEYVAULT_SECRET_BYTES: '8' }, { credential }));
    expect(message).toContain('"http://kv.vault.azure.net" is not a Key Vault URL');
    expect(message).toContain('"https://evil.example.com" is not a Key Vault URL');
    expect(message).toContain('"https://kv.vault.azure.net/secrets/x" is not a Key Vault URL');
    expect(message).toContain('"https://kv.vault.azure.net:8443" is not a Key Vault URL');
    expect(message).toContain('KEYVAULT_SECRET_BYTES');
  });

  it('refuses an empty or missing list', () => {
    expect(refusal(() => keyVaultRunbooksFromEnv({ KEYVAULT_URLS: ' , ' }, { credential }))).toContain('name at least one vault');
    expect(refusal(() => keyVaultRunbooksFromEnv({}, { credential }))).toContain('KEYVAULT_URLS');
  });
});
