import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isAppError } from '@soc/runtime';
import { armRunbooks, armRunbooksFromEnv, armScopeOf } from '../src/adapters/arm/index.ts';

/** The ARM runbooks' configuration: what it builds, and every surprising setting it refuses with a clear message. */

const SUB = '0b1f6471-1bf0-4dda-aec3-111122223333';
const OTHER_SUB = '9d2f6471-1bf0-4dda-aec3-444455556666';
const NSG = `/subscriptions/${SUB}/resourceGroups/rg-edge/providers/Microsoft.Network/networkSecurityGroups/nsg-web`;
const credential = { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 3_600_000 }) };
const dir = mkdtempSync(join(tmpdir(), 'arm-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function problem(env: Record<string, string>): string {
  try {
    armRunbooksFromEnv(env, { credential });
  } catch (error) {
    if (!isAppError(error)) throw error;
    expect(error.code).toBe('CONFIGURATION_INVALID');
    return error.message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('armRunbooksFromEnv', () => {
  it('builds nsg-block-port from NSGs, the storage runbooks from scopes', () => {
    expect(Object.keys(armRunbooksFromEnv({ ARM_SUBSCRIPTIONS: SUB, ARM_NSG_IDS: NSG }, { credential }))).toEqual(['nsg-block-port']);
    expect(Object.keys(armRunbooksFromEnv({ ARM_SUBSCRIPTIONS: ` ${SUB.toUpperCase()} `, ARM_NSG_IDS: NSG, ARM_STORAGE_SCOPES: `/subscriptions/${SUB}` }, { credential })).sort()).toEqual([
      'block-storage-public-access',
      'nsg-block-port',
      'rotate-storage-keys',
    ]);
  });

  it.each([
    ['no subscriptions', { ARM_NSG_IDS: NSG }, 'ARM_SUBSCRIPTIONS'],
    ['a subscription that is not a GUID', { ARM_SUBSCRIPTIONS: 'prod', ARM_NSG_IDS: NSG }, 'ARM_SUBSCRIPTIONS: not a subscription id'],
    ['nothing to act on', { ARM_SUBSCRIPTIONS: SUB }, 'set ARM_NSG_IDS'],
    ['an NSG in another subscription', { ARM_SUBSCRIPTIONS: SUB, ARM_NSG_IDS: NSG.replace(SUB, OTHER_SUB) }, 'ARM_NSG_IDS: lies in a subscription not listed'],
    ['an NSG id that is not one', { ARM_SUBSCRIPTIONS: SUB, ARM_NSG_IDS: `${NSG}/securityRules/x` }, 'ARM_NSG_IDS: not a network security group resource id'],
    ['a storage scope in another subscription', { ARM_SUBSCRIPTIONS: SUB, ARM_STORAGE_SCOPES: `/subscriptions/${OTHER_SUB}` }, 'ARM_STORAGE_SCOPES: lies in a subscription'],
    ['a storage scope that is a resource', { ARM_SUBSCRIPTIONS: SUB, ARM_STORAGE_SCOPES: NSG }, 'ARM_STORAGE_SCOPES: not a scope'],
    ['a priority range outside 100-4096', { ARM_SUBSCRIPTIONS: SUB, ARM_NSG_IDS: NSG, ARM_NSG_PRIORITY_RANGE: '50-99' }, 'ARM_NSG_PRIORITY_RANGE'],
    ['a reversed priority range', { ARM_SUBSCRIPTIONS: SUB, ARM_NSG_IDS: NSG, ARM_NSG_PRIORITY_RANGE: '300-200' }, 'ARM_NSG_PRIORITY_RANGE'],
    ['an http endpoint', { ARM_SUBSCRIPTIONS: SUB, ARM_NSG_IDS: NSG, ARM_ENDPOINT: 'http://management.azure.com' }, 'ARM_ENDPOINT: must be https'],
    ['an endpoint with a path', { ARM_SUBSCRIPTIONS: SUB, ARM_NSG_IDS: NSG, ARM_ENDPOINT: 'https://management.azure.com/x' }, 'ARM_ENDPOINT: must be an origin only'],
    ['an endpoint that is no ARM host', { ARM_SUBSCRIPTIONS: SUB, ARM_NSG_IDS: NSG, ARM_ENDPOINT: 'https://arm.attacker.example' }, "ARM_ENDPOINT: must be an Azure cloud's ARM host"],
  ])('refuses %s', (_what, env, message) => {
    expect(problem(env)).toContain(message);
  });

  it('lists every problem at once', () => {
    const message = problem({ ARM_SUBSCRIPTIONS: 'prod', ARM_NSG_IDS: 'nsg-web', ARM_ENDPOINT: 'http://x' });
    expect(message).toContain('ARM_SUBSCRIPTIONS');
    expect(message).toContain('ARM_NSG_IDS');
    expect(message).toContain('ARM_ENDPOINT');
  });

  it('ARM_CA_FILE must be readable and hold a PEM certificate', () => {
    const empty = join(dir, 'empty.pem');
    writeFileSync(empty, 'not a certificate');
    expect(problem({ ARM_SUBSCRIPTIONS: SUB, ARM_NSG_IDS: NSG, ARM_CA_FILE: empty })).toContain('ARM_CA_FILE: the file holds no PEM certificate');
    expect(problem({ ARM_SUBSCRIPTIONS: SUB, ARM_NSG_IDS: NSG, ARM_CA_FILE: join(dir, 'missing.pem') })).toContain('ARM_CA_FILE: cannot read the file (ENOENT)');
  });

  it('sovereign clouds get their own token audience; a loopback stand-in the public one', () => {
    expect(armScopeOf('https://management.usgovcloudapi.net')).toBe('https://management.usgovcloudapi.net/.default');
    expect(armScopeOf('https://127.0.0.1:8443')).toBe('https://management.azure.com/.default');
    expect(Object.keys(armRunbooksFromEnv({ ARM_SUBSCRIPTIONS: SUB, ARM_NSG_IDS: NSG, ARM_ENDPOINT: 'https://management.chinacloudapi.cn' }, { credential }))).toEqual(['nsg-block-port']);
  });
});

describe('armRunbooks', () => {
  it('refuses two NSGs of one name (the nsg argument could not tell them apart)', () => {
    expect(() => armRunbooks({ credential, subscriptions: [SUB], nsgIds: [NSG, NSG.replace('rg-edge', 'rg-other')] })).toThrow(/share a name/);
  });
});
