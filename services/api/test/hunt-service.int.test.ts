import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSystem, runServices } from '@soc/platform';
import { apiService } from '../src/service.ts';
import './support/checked-fetch.ts';

const TOKEN = 'hunt-service-test-token-0123456789';
const SIEM_TOKEN = 'siem-sender-token-0123456789abcdef';
let dataDir: string;
let system: RunningSystem;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'soc-hunt-'));
  // A policy file with a 24-hour lookback and a 100-row cap: the composition root reads KQL_POLICY_FILE.
  const policyFile = join(dataDir, 'kql-policy.json');
  writeFileSync(policyFile, JSON.stringify({ maxLookback: 'P1D', rowCap: 100 }));
  system = await runServices([apiService], {
    env: { SOC_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', SOC_BUS: 'memory', SOC_STATE: 'memory', SOC_API_TOKENS: `api:${TOKEN},siem:${SIEM_TOKEN}`, KQL_POLICY_FILE: policyFile },
    handleSignals: false,
  });
});
afterAll(async () => {
  await system.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const hunt = (token: string, body: unknown) =>
  fetch(`${system.url}/api/v1/hunt/queries`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('the api service hosts hunting (embedded default: validate-only)', () => {
  it('validates with the configured policy, audits, and keeps the SIEM token out', async () => {
    const res = await hunt(TOKEN, { query: 'DeviceProcessEvents | where FileName =~ "powershell.exe"', purpose: 'hunt via the hosted service' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { backend: string; status: string; auditId: string; verdict: { query: string; maxLookback: string; rowCap: number } };
    expect(body).toMatchObject({ backend: 'validate-only', status: 'not-executed', verdict: { maxLookback: 'P1D', rowCap: 100 } });
    expect(body.verdict.query).toMatch(/\| take 100$/);

    const record = await fetch(`${system.url}/api/v1/hunt/audit/${body.auditId}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(await record.json()).toMatchObject({ caller: 'api', purpose: 'hunt via the hosted service', status: 'not-executed' });

    expect((await hunt(SIEM_TOKEN, { query: 'SecurityAlert', purpose: 'sender token tries to hunt' })).status).toBe(403);
    expect((await fetch(`${system.url}/api/v1/hunt/audit`)).status).toBe(401);
  });
});
