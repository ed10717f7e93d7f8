import { describe, expect, it } from 'vitest';
import { ConfiguredRunbooks } from '../src/adapters/configured-runbooks.ts';
import { ContainmentConfig } from '../src/config.ts';
import { realRunbooksOf } from '../src/service.ts';
import type { ContainmentRequest, RunbookAdapter } from '../src/ports.ts';

describe('which runbooks execute for real', () => {
  it('only those of the allow-list, with CONTAINMENT_DRY_RUN=false; every other stays a dry run', () => {
    const parsed = ContainmentConfig.parse({ CONTAINMENT_DRY_RUN: 'false', CONTAINMENT_EXECUTE_RUNBOOKS: ' block-ip , isolate-host' });
    expect(parsed.CONTAINMENT_EXECUTE_RUNBOOKS).toEqual(['block-ip', 'isolate-host']);
    expect(ContainmentConfig.parse({}).CONTAINMENT_DRY_RUN).toBe('true');
  });

  it('refuses at start-up what would surprise an operator', () => {
    const issues = (env: Record<string, string>) => {
      const r = ContainmentConfig.safeParse(env);
      return r.success ? [] : r.error.issues.map((i) => i.message);
    };
    expect(issues({ CONTAINMENT_DRY_RUN: 'false' })).toEqual([expect.stringContaining('name at least one')]);
    expect(issues({ CONTAINMENT_EXECUTE_RUNBOOKS: 'block-ip' })).toEqual([expect.stringContaining('CONTAINMENT_DRY_RUN is true')]);
    expect(issues({ CONTAINMENT_DRY_RUN: 'false', CONTAINMENT_EXECUTE_RUNBOOKS: 'block-everything' })).toEqual([expect.stringContaining('unknown runbook "block-everything"')]);
    expect(issues({ DEFENDER_TENANT_ID: 'contoso' })).toEqual([expect.stringContaining('together')]);
    expect(issues({ CONTAINMENT_DRY_RUN: 'maybe' })).toHaveLength(1);
  });

  it('a runbook listed for real execution without its adapter (credentials, settings) stops the start', () => {
    expect(() => new ConfiguredRunbooks(['rotate-secret'], {})).toThrow(/name rotate-secret, but no adapter for it is configured/);
    expect(() => new ConfiguredRunbooks([], {}, ['block-url'])).toThrow(/name block-url, but no adapter for it is configured/);
    expect(() => new ConfiguredRunbooks(['isolate-host', 'block-ip'], {})).toThrow(/isolate-host, block-ip, but no adapter for them/);
    const none = new ConfiguredRunbooks([], {});
    expect(none.isDryRun('block-ip')).toBe(true);
  });

  it('runs, verifies and undoes through the adapter of an allowed runbook only; every other is a dry run that verifies and undoes nothing', async () => {
    const calls: string[] = [];
    const adapter: RunbookAdapter = {
      dryRun: async () => 'would block',
      execute: async (r) => (calls.push(`execute ${r.requestId}`), { summary: 'blocked', effect: { indicatorId: '7' } }),
      verify: async (_r, effect) => (calls.push(`verify ${effect.indicatorId}`), { outcome: 'in-effect', finding: 'present' }),
      undo: async (_r, effect) => (calls.push(`undo ${effect.indicatorId}`), 'deleted'),
    };
    const runbooks = new ConfiguredRunbooks(['block-ip'], { 'block-ip': adapter, 'block-url': adapter });
    const request = (runbook: 'block-ip' | 'block-url', extra: Partial<ContainmentRequest> = {}) => ({ requestId: `r-${runbook}`, runbook, target: { entityId: 'e', type: 'ip', value: '203.0.113.9' }, approvals: [], ...extra }) as unknown as ContainmentRequest;
    expect(runbooks.isDryRun('block-ip')).toBe(false);
    expect(runbooks.isDryRun('block-url')).toBe(true); // has an adapter but is not allowed
    expect(await runbooks.execute(request('block-ip'))).toEqual({ summary: 'blocked', effect: { indicatorId: '7' } });
    expect((await runbooks.execute(request('block-url'))).summary).toMatch(/^DRY RUN: would/);
    expect(await runbooks.verify(request('block-ip', { dryRun: false, effect: { indicatorId: '7' } }))).toEqual({ outcome: 'in-effect', finding: 'present' });
    expect(await runbooks.undo(request('block-ip', { dryRun: false, effect: { indicatorId: '7' } }))).toBe('deleted');
    // A request that ran as a dry run (before the runbook was allowed) is never verified or undone for real.
    await expect(runbooks.undo(request('block-ip', { dryRun: true }))).rejects.toThrow(/dry run changed nothing/);
    expect(calls).toEqual(['execute r-block-ip', 'verify 7', 'undo 7']);
  });
});

describe('the real runbooks the service builds (service.ts)', () => {
  it('builds only the families of runbooks enabled for real execution, each from its own settings', () => {
    const config = ContainmentConfig.parse({
      CONTAINMENT_DRY_RUN: 'false',
      CONTAINMENT_EXECUTE_RUNBOOKS: 'rotate-secret,onboard-defender',
      KEYVAULT_URLS: 'https://kv-soc.vault.azure.net',
      DEFENDER_FOR_SERVERS_SUBSCRIPTIONS: '00000000-0000-4000-8000-000000000001',
    });
    const built = realRunbooksOf(config, config.CONTAINMENT_EXECUTE_RUNBOOKS);
    expect(Object.keys(built).sort()).toEqual(['onboard-defender', 'rotate-secret']);
    const runbooks = new ConfiguredRunbooks(config.CONTAINMENT_EXECUTE_RUNBOOKS, built);
    expect(runbooks.isDryRun('rotate-secret')).toBe(false);
    expect(runbooks.isDryRun('isolate-host')).toBe(true);
  });

  it('an enabled runbook without its settings stops the start, naming them; a dry-run one needs none', () => {
    const config = ContainmentConfig.parse({ CONTAINMENT_DRY_RUN: 'false', CONTAINMENT_EXECUTE_RUNBOOKS: 'revoke-sessions' });
    expect(() => realRunbooksOf(config, ['revoke-sessions'])).toThrow(/ENTRA_PROTECTED_PRINCIPALS/);
    expect(() => realRunbooksOf(config, ['nsg-block-port'])).toThrow(/ARM_SUBSCRIPTIONS/);
    expect(realRunbooksOf(config, [])).toEqual({});
  });

  it('Defender without a client secret signs in with DefaultAzureCredential (workload identity): the runbooks are built', () => {
    const config = ContainmentConfig.parse({ CONTAINMENT_DRY_RUN: 'false', CONTAINMENT_EXECUTE_RUNBOOKS: 'isolate-host' });
    expect(Object.keys(realRunbooksOf(config, ['isolate-host']))).toEqual(['isolate-host']);
  });
});

describe('planning: the dry run against the real API, for the approver (CONTAINMENT_PLAN_RUNBOOKS)', () => {
  const adapter: RunbookAdapter = {
    dryRun: async (r) => {
      if (r.target.value === 'ghost') throw new Error('no Defender device is named ghost');
      return `would POST /api/machines/m-1/isolate for ${r.target.value}`;
    },
    execute: async () => {
      throw new Error('a planned runbook must never execute');
    },
    verify: async () => ({ outcome: 'in-effect', finding: '' }),
  };
  const request = (value: string) => ({ requestId: 'r-1', runbook: 'isolate-host', target: { entityId: 'e', type: 'host', value }, approvals: [] }) as unknown as ContainmentRequest;

  it('a planned runbook stays a dry run whose record is the real plan, made again at execution; the embedded one plans nothing', async () => {
    const runbooks = new ConfiguredRunbooks([], { 'isolate-host': adapter }, ['isolate-host']);
    expect(runbooks.isDryRun('isolate-host')).toBe(true);
    expect(await runbooks.plan(request('ws-1'))).toBe('would POST /api/machines/m-1/isolate for ws-1');
    expect(await runbooks.execute(request('ws-1'))).toEqual({ summary: 'DRY RUN: would POST /api/machines/m-1/isolate for ws-1', effect: {} });
    expect((await runbooks.execute(request('ghost'))).summary).toMatch(/^DRY RUN: would isolate ghost.*; the real run would fail: Error: no Defender device is named ghost$/);
    expect(await runbooks.plan({ ...request('x'), runbook: 'block-ip' } as ContainmentRequest)).toBeUndefined();
  });
});

