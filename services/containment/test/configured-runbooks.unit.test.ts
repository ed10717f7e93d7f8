import { describe, expect, it } from 'vitest';
import { ConfiguredRunbooks } from '../src/adapters/configured-runbooks.ts';
import { ContainmentConfig } from '../src/config.ts';

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

  it('a runbook that cannot execute for real yet, or Defender without credentials, stops the start', () => {
    expect(() => new ConfiguredRunbooks(['rotate-secret'], undefined)).toThrow(/rotate-secret cannot execute for real yet/);
    expect(() => new ConfiguredRunbooks(['isolate-host'], undefined)).toThrow(/no Defender credentials/);
    const none = new ConfiguredRunbooks([], undefined);
    expect(none.isDryRun('block-ip')).toBe(true);
  });
});
