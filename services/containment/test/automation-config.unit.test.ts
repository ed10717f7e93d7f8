import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAppError } from '@soc/runtime';
import { defenderForServersRunbooksFromEnv } from '../src/adapters/automation/defender-servers-config.ts';
import { keyVaultRunbooksFromEnv } from '../src/adapters/automation/keyvault-config.ts';
import { logicAppRunbooksFromEnv } from '../src/adapters/automation/logic-app-config.ts';
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

describe('logicAppRunbooksFromEnv', () => {
  const SIG = 'Xk3pQ9vR2sT7uW1yZ4aB6cD8eF0gH2iJ5kL7mN9oP1q';
  const url = (host: string) => `https://${host}:443/workflows/4f1c2b/triggers/manual/paths/invoke?api-version=2016-10-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${SIG}`;
  const RID = '/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg/providers/Microsoft.Logic/workflows/reset';
  function file(content: unknown): string {
    const path = join(mkdtempSync(join(tmpdir(), 'soc-la-')), 'triggers.json');
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  }

  it('reads names to URLs or to {url, resourceId, undoWorkflow}; undo exists only with an undo workflow', () => {
    const plain = logicAppRunbooksFromEnv({ LOGIC_APP_TRIGGERS_FILE: file({ notify: url('prod-12.westeurope.logic.azure.com') }) })['run-logic-app'];
    expect(plain.undo).toBeUndefined();
    const full = logicAppRunbooksFromEnv(
      { LOGIC_APP_TRIGGERS_FILE: file({ reset: { url: url('prod-12.westeurope.logic.azure.com'), resourceId: RID, undoWorkflow: 'restore' }, restore: url('la-std.azurewebsites.net') }) },
      { credential },
    )['run-logic-app'];
    expect(full.undo).toBeTypeOf('function');
  });

  it('refuses surprising settings and never quotes a signature', () => {
    const message = refusal(() =>
      logicAppRunbooksFromEnv({
        LOGIC_APP_TRIGGERS_FILE: file({
          evil: url('attacker.example.com'),
          unsigned: url('prod-1.westeurope.logic.azure.com').replace(`&sig=${SIG}`, ''),
          b: { url: url('prod-1.westeurope.logic.azure.com'), resourceId: '/subscriptions/x' },
        }),
      }),
    );
    expect(message).toContain('not an https Logic Apps trigger URL');
    expect(message).toContain('no sig= signature');
    expect(message).toContain('b.resourceId');
    expect(message).not.toContain(SIG);
    const names = refusal(() =>
      logicAppRunbooksFromEnv({ LOGIC_APP_TRIGGERS_FILE: file({ 'bad name!': url('prod-1.westeurope.logic.azure.com'), a: { url: url('prod-1.westeurope.logic.azure.com'), undoWorkflow: 'missing' } }) }),
    );
    expect(names).toContain('a workflow name is 1 to 80');
    expect(names).toContain('a.undoWorkflow: must be another workflow of this file');
  });

  it('refuses a missing, unreadable or non-JSON file without quoting it', () => {
    expect(refusal(() => logicAppRunbooksFromEnv({}))).toContain('LOGIC_APP_TRIGGERS_FILE');
    expect(refusal(() => logicAppRunbooksFromEnv({ LOGIC_APP_TRIGGERS_FILE: '/nonexistent/triggers.json' }))).toContain('ENOENT');
    const message = refusal(() => logicAppRunbooksFromEnv({ LOGIC_APP_TRIGGERS_FILE: file(`{"a": "${url('x.logic.azure.com')}",}`) }));
    expect(message).toContain('not JSON');
    expect(message).not.toContain(SIG);
    expect(refusal(() => logicAppRunbooksFromEnv({ LOGIC_APP_TRIGGERS_FILE: file({}) }))).toContain('name at least one workflow');
  });
});

describe('defenderForServersRunbooksFromEnv', () => {
  it('takes subscription ids and refuses anything else, listing every problem', async () => {
    const rb = defenderForServersRunbooksFromEnv({ DEFENDER_FOR_SERVERS_SUBSCRIPTIONS: '20FF7FC3-E762-44DD-BD96-B71116DCDC23, 00000000-1111-2222-3333-444444444444' }, { credential })['onboard-defender'];
    const error = await rb.dryRun(requestFor('onboard-defender', '/subscriptions/99999999-1111-2222-3333-444444444444/resourceGroups/rg')).catch((e: unknown) => e);
    expect(isAppError(error) && error.message).toContain('DEFENDER_FOR_SERVERS_SUBSCRIPTIONS');
    expect(refusal(() => defenderForServersRunbooksFromEnv({ DEFENDER_FOR_SERVERS_SUBSCRIPTIONS: 'prod,/subscriptions/x' }, { credential }))).toContain('a subscription id is a GUID');
    expect(refusal(() => defenderForServersRunbooksFromEnv({ DEFENDER_FOR_SERVERS_SUBSCRIPTIONS: '' }, { credential }))).toContain('name at least one subscription');
  });
});
