import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiService } from '@soc/api';
import { containmentService } from '@soc/containment';
import { runServices, type RunningSystem } from '@soc/platform';
import { lines, runSoc } from './support.ts';

const ADMIN = 'admin-token-0123456789abcdef';
const VIEWER = 'viewer-token-0123456789abcdef';

/** `soc containment status|freeze|unfreeze` against the real api and containment services. */
describe('soc containment status|freeze|unfreeze', () => {
  let dataDir: string;
  let system: RunningSystem;
  const env = (token: string) => ({ SOC_DATA_DIR: dataDir, SOC_API_URL: system.url, SOC_API_TOKEN: token });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'soc-cli-containment-'));
    system = await runServices([apiService, containmentService], {
      env: { SOC_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', SOC_API_TOKENS: `root:${ADMIN},vera:${VIEWER}`, SOC_API_ROLES: 'root:admin,vera:viewer' },
      handleSignals: false,
    });
  });
  afterAll(async () => {
    await system.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('shows no freeze, freezes one runbook then all with who and why, and unfreezes', async () => {
    const none = await runSoc(['containment', 'status'], env(VIEWER));
    expect(none).toMatchObject({ code: 0 });
    expect(none.stdout).toContain('not frozen');

    const one = await runSoc(['containment', 'freeze', '--runbook', 'isolate-host', '--reason', 'change freeze for the release'], env(ADMIN));
    expect(one.code).toBe(0);
    expect(one.stderr).toContain('Frozen: isolate-host');
    const row = lines(one.stdout).find((l) => l.startsWith('isolate-host'));
    expect(row).toMatch(/FROZEN\s+root\s+\S+\s+change freeze for the release/);

    const all = await runSoc(['containment', 'freeze', '--reason', 'incident bridge: stop everything'], env(ADMIN));
    expect(all.stderr).toContain('Frozen: all runbooks, isolate-host');
    const json = JSON.parse((await runSoc(['containment', 'status', '--json'], env(VIEWER))).stdout) as { global: { frozen: boolean; by: string } };
    expect(json.global).toMatchObject({ frozen: true, by: 'root' });

    const off = await runSoc(['containment', 'unfreeze', '--reason', 'bridge closed'], env(ADMIN));
    expect(off.code).toBe(0);
    expect(off.stderr).toContain('Frozen: isolate-host');
    expect(lines(off.stdout).find((l) => l.startsWith('all runbooks'))).toMatch(/running\s+root/);
  });

  it('refuses a freeze without a reason (usage) and from a principal without the admin role (403)', async () => {
    const usage = await runSoc(['containment', 'freeze'], env(ADMIN));
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--reason is required');
    const denied = await runSoc(['containment', 'freeze', '--reason', 'x'], env(VIEWER));
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('HTTP 403');
    expect(denied.stderr).not.toContain(VIEWER);
  });
});
