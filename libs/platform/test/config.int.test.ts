import { mkdtempSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '@soc/runtime';
import { CheckedPlatformEnv, busConfigOf, describePrincipals, resolveApiRoles, resolveApiTokens, resolveSenderToken, startProcessTracing, stateConfigOf, withMountedSecrets } from '../src/index.ts';

const load = (env: Record<string, string>) => loadConfig(CheckedPlatformEnv, env);

describe('platform configuration', () => {
  it('defaults to the embedded adapters under ./data', () => {
    const env = load({});
    expect(busConfigOf(env)).toMatchObject({ kind: 'sqlite', path: join('data', 'bus.sqlite') });
    expect(stateConfigOf(env)).toMatchObject({ kind: 'sqlite', path: join('data', 'state.sqlite') });
  });

  it('SOC_INTERNAL_NETWORKS: the default internal ranges, your own, or a start-up error naming each bad range', () => {
    expect(load({}).SOC_INTERNAL_NETWORKS.has('100.64.0.1')).toBe(true);
    const own = load({ SOC_INTERNAL_NETWORKS: '+203.0.113.0/24' }).SOC_INTERNAL_NETWORKS;
    expect([own.has('203.0.113.7'), own.has('10.1.1.1'), own.has('8.8.8.8')]).toEqual([true, true, false]);
    expect(() => load({ SOC_INTERNAL_NETWORKS: '10.0.0.0/8,10.0.0.0/40,corp' })).toThrow(/SOC_INTERNAL_NETWORKS[\s\S]*10\.0\.0\.0\/40[\s\S]*"corp" is not an address or CIDR range/);
  });

  it('selects Azure adapters by configuration alone, and lists every missing setting at once', () => {
    expect(() => load({ SOC_BUS: 'servicebus', SOC_STATE: 'cosmos' })).toThrow(/SERVICEBUS_NAMESPACE[\s\S]*COSMOS_ENDPOINT[\s\S]*SOC_API_TOKEN/);
    const env = load({
      SOC_BUS: 'servicebus',
      SERVICEBUS_NAMESPACE: 'sb-soc.servicebus.windows.net',
      SOC_STATE: 'cosmos',
      COSMOS_ENDPOINT: 'https://cosmos-soc.documents.azure.com:443/',
      SOC_API_TOKEN: 'a'.repeat(32),
    });
    expect(busConfigOf(env)).toMatchObject({ kind: 'servicebus', fullyQualifiedNamespace: 'sb-soc.servicebus.windows.net', topic: 'soc-events' });
    expect(stateConfigOf(env)).toMatchObject({ kind: 'cosmos', database: 'soc-copilot', container: 'state' });
  });

  it('reads the standard OpenTelemetry variables; the chart\'s empty endpoint means off', async () => {
    expect(load({ OTEL_EXPORTER_OTLP_ENDPOINT: '' }).OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    expect(() => load({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
    // Off without an endpoint, and when disabled by the standard switches, however the endpoint is set.
    expect(await startProcessTracing(load({}), 'api')).toBeUndefined();
    const endpoint = 'http://127.0.0.1:4318';
    expect(await startProcessTracing(load({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SDK_DISABLED: 'true' }), 'api')).toBeUndefined();
    expect(await startProcessTracing(load({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_TRACES_EXPORTER: 'none' }), 'api')).toBeUndefined();
  });

  it('never echoes a secret value in a configuration error', () => {
    try {
      load({ SOC_API_TOKEN: 'short-secret', PORT: 'eighty' });
      expect.unreachable();
    } catch (error) {
      expect(String(error)).toMatch(/SOC_API_TOKEN/);
      expect(String(error)).toMatch(/PORT/);
      expect(String(error)).not.toContain('short-secret');
    }
  });

  it('generates an API token once into the data directory, readable by the owner only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'soc-token-'));
    const first = resolveApiTokens(load({ SOC_DATA_DIR: dir }));
    const again = resolveApiTokens(load({ SOC_DATA_DIR: dir }));
    expect(first.tokens[0]!.token).toHaveLength(64);
    expect(again.tokens).toEqual(first.tokens);
    expect(statSync(join(dir, 'api-token')).mode & 0o077).toBe(0);
    expect(readFileSync(join(dir, 'api-token'), 'utf8').trim()).toBe(first.tokens[0]!.token);
  });

  it('reads named tokens and refuses short ones without showing them', () => {
    const { tokens } = resolveApiTokens(load({ SOC_API_TOKENS: `alice:${'a'.repeat(20)},siem:${'b'.repeat(20)}` }));
    expect(tokens.map((t) => t.name)).toEqual(['alice', 'siem']);
    expect(() => resolveApiTokens(load({ SOC_API_TOKENS: 'alice:tooshort' }))).toThrow(/entry 1/);
    expect(() => resolveApiTokens(load({ SOC_API_TOKENS: 'alice:tooshort' }))).not.toThrow(/tooshort/);
  });

  it('generates a sender token apart from the API token (embedded default only), 0600, reused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'soc-token-'));
    const sender = resolveSenderToken(load({ SOC_DATA_DIR: dir }));
    const api = resolveApiTokens(load({ SOC_DATA_DIR: dir }));
    expect(sender).toMatchObject({ token: { name: 'sender' }, generatedAt: join(dir, 'sender-token') });
    expect(sender!.token.token).toHaveLength(64);
    expect(sender!.token.token).not.toBe(api.tokens[0]!.token);
    expect(resolveSenderToken(load({ SOC_DATA_DIR: dir }))!.token).toEqual(sender!.token);
    expect(statSync(join(dir, 'sender-token')).mode & 0o077).toBe(0);
    expect(resolveSenderToken(load({ SOC_SENDER_TOKEN: 's'.repeat(20) }))).toEqual({ token: { name: 'sender', token: 's'.repeat(20) } });
    expect(resolveSenderToken(load({ SOC_STATE: 'cosmos', COSMOS_ENDPOINT: 'https://x.documents.azure.com', SOC_API_TOKEN: 'a'.repeat(20) }))).toBeUndefined();
  });

  it('grants roles per principal from SOC_API_ROLES; api has every role by default, others none', () => {
    const tokens = resolveApiTokens(load({ SOC_API_TOKENS: `alice:${'a'.repeat(20)},vera:${'v'.repeat(20)},nemo:${'n'.repeat(20)}`, SOC_API_TOKEN: 'o'.repeat(20) })).tokens;
    expect(Object.fromEntries(resolveApiRoles(load({}), tokens))).toEqual({ api: ['viewer', 'analyst', 'approver', 'hunter', 'admin'] });
    const roles = resolveApiRoles(load({ SOC_API_ROLES: 'alice:approver+analyst, vera:viewer' }), tokens);
    expect(Object.fromEntries(roles)).toEqual({ alice: ['viewer', 'analyst', 'approver'], vera: ['viewer'] });
    expect(describePrincipals({ apiTokens: [...tokens, { name: 'alice', token: 'b'.repeat(20) }], apiRoles: roles })).toEqual([
      { name: 'alice', roles: ['viewer', 'analyst', 'approver'], tokens: 2 },
      { name: 'api', roles: [], tokens: 1 },
      { name: 'nemo', roles: [], tokens: 1 },
      { name: 'vera', roles: ['viewer'], tokens: 1 },
    ]);
    expect(JSON.stringify(describePrincipals({ apiTokens: tokens, apiRoles: roles }))).not.toContain('a'.repeat(20));
  });

  it.each([
    ['alice:approver+superuser', /unknown role "superuser"/],
    ['alice:approver,alice:hunter', /"alice" is named twice/],
    ['ghost:admin', /"ghost" has no API token/],
    ['alice', /entry 1 is not name:role/],
  ])('refuses SOC_API_ROLES=%s at start-up', (value, message) => {
    const tokens = [{ name: 'alice', token: 'a'.repeat(20) }];
    expect(() => resolveApiRoles(load({ SOC_API_ROLES: value }), tokens)).toThrow(message);
  });

  it('takes secrets from a mounted Key Vault directory, without overriding what is set', () => {
    const dir = mkdtempSync(join(tmpdir(), 'soc-secrets-'));
    writeFileSync(join(dir, 'COSMOS_KEY'), 'from-key-vault\n');
    writeFileSync(join(dir, 'SOC_API_TOKEN'), 'mounted-token-0123456789');
    writeFileSync(join(dir, '.hidden'), 'x');
    mkdirSync(join(dir, '..data'));
    const env = withMountedSecrets({ SOC_SECRETS_DIR: dir, SOC_API_TOKEN: 'explicit-token-0123456789' });
    expect(env).toMatchObject({ COSMOS_KEY: 'from-key-vault', SOC_API_TOKEN: 'explicit-token-0123456789' });
    expect(Object.keys(env)).not.toContain('.hidden');
    expect(() => withMountedSecrets({ SOC_SECRETS_DIR: join(dir, 'missing') })).toThrow(/does not exist/);
  });
});
