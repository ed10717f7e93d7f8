import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '@soc/observability';
import { manualClock } from '@soc/runtime';
import { MemoryStateStore } from '@soc/state';
import { LogAnalyticsConfig, openKqlExecutor } from '../src/index.ts';

const deps = {
  state: new MemoryStateStore(),
  log: createLogger({ service: 'test', level: 'silent' }),
  clock: manualClock(),
  credential: { getToken: async () => ({ token: 'never-used', expiresOnTimestamp: 0 }) },
};

describe('openKqlExecutor', () => {
  it('picks the validate-only backend without a workspace id and Log Analytics with one', () => {
    expect(openKqlExecutor(LogAnalyticsConfig.parse({}), deps).executor.backend).toBe('validate-only');
    const configured = LogAnalyticsConfig.parse({ LOG_ANALYTICS_WORKSPACE_ID: '0f4c2a1e-7b9d-4e3f-9a51-3c2d8e6b1f70', LOG_ANALYTICS_ENDPOINT: 'https://api.loganalytics.azure.cn' });
    expect(openKqlExecutor(configured, deps).executor.backend).toBe('log-analytics');
  });

  it('stops start-up on a KQL policy file that is missing or invalid', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kql-policy-'));
    try {
      const bad = join(dir, 'policy.json');
      writeFileSync(bad, JSON.stringify({ rowCap: -1 }));
      expect(() => openKqlExecutor(LogAnalyticsConfig.parse({ KQL_POLICY_FILE: bad }), deps)).toThrow(/rowCap/);
      expect(() => openKqlExecutor(LogAnalyticsConfig.parse({ KQL_POLICY_FILE: join(dir, 'absent.json') }), deps)).toThrow(expect.objectContaining({ code: 'CONFIGURATION_INVALID' }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
