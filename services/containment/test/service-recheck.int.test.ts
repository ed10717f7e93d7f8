import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateRequestLog } from '@soc/containment-requests';
import { ContainmentApprovedV2, createEvent } from '@soc/contracts';
import { sampleAlert } from '@soc/contracts/testing';
import { DEFAULT_POLICY_URL } from '@soc/guardrails';
import { type RunningSystem, runServices } from '@soc/platform';
import { requestIdFor } from '../src/handler.ts';
import { containmentService } from '../src/service.ts';
import { ENV, decisionFor } from './support/index.ts';

/**
 * The containment service as composed: the pre-execution re-check is the decision's own target check
 * (`containmentRefusal`), under the policy file this service loaded, on the facts the decision recorded.
 */
describe('containment service: the pre-execution re-check applies the policy in force', () => {
  let system: RunningSystem;
  let log: StateRequestLog;
  const ip = (value: string) => ({ id: `ip:${value}`, type: 'ip' as const, value, origin: 'source' as const });
  const protectedNow = ip('185.220.101.4');
  const allowed = ip('45.155.205.9');
  const unrecorded = ip('45.155.205.10');
  const extracted = { ...ip('45.155.205.11'), origin: 'extracted' as const };
  const alert = sampleAlert({ alertId: 'alt-recheck', sender: 'siem', entities: [protectedNow, allowed, unrecorded, extracted] });
  const enrichment = { facts: [], missing: [] };

  beforeAll(async () => {
    // The policy changed after the decision: the SOC now protects 185.220.101.0/24 (a partner's range).
    const dir = mkdtempSync(join(tmpdir(), 'soc-recheck-'));
    const policy = JSON.parse(readFileSync(DEFAULT_POLICY_URL, 'utf8')) as { containment: Record<string, unknown> };
    policy.containment = { ...policy.containment, protected: { domains: [], networks: ['185.220.101.0/24'] }, maxPerTargetPerHour: 5 };
    writeFileSync(join(dir, 'policy.json'), JSON.stringify(policy));
    system = await runServices([containmentService], {
      env: { SOC_DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', DECISION_POLICY_FILE: join(dir, 'policy.json') },
      handleSignals: false,
    });
    log = new StateRequestLog(system.platform.state);
  });
  afterAll(async () => {
    await system.close();
  });

  const settled = async (requestId: string, statuses: readonly string[]) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const request = await log.get(requestId);
      if (request && statuses.includes(request.status)) return request;
      if (Date.now() > deadline) throw new Error(`request ${requestId} is ${request?.status ?? 'missing'}, not ${statuses.join('/')}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  it('refuses at execution what the policy now protects, what was extracted, and a request without recorded facts; runs the rest', async () => {
    const cases = [
      { entity: protectedNow, enrichment },
      { entity: allowed, enrichment },
      { entity: extracted, enrichment },
      { entity: unrecorded, enrichment: undefined },
    ];
    await system.platform.bus.publish(
      cases.map((c, i) =>
        decisionFor(alert, { actionId: `act-${i}`, runbook: 'block-ip', target: { entityId: c.entity.id, type: 'ip', value: c.entity.value } }, `d-${i}`, c.enrichment),
      ),
    );
    const ids = cases.map((c) => requestIdFor(alert.alertId, 'block-ip', c.entity.id));
    for (const id of ids) {
      const pending = await settled(id, ['pending-approval']);
      await system.platform.bus.publish([
        createEvent(ContainmentApprovedV2, { requestId: id, alertId: alert.alertId, approver: 'alice', decidedAt: new Date().toISOString(), comment: 'go', bindingHash: pending.bindingHash }, { ...ENV, id: `ap-${id}`, time: new Date() }),
      ]);
    }
    const [blocked, ran, notSource, noFacts] = await Promise.all(ids.map((id) => settled(id, ['refused', 'executed', 'failed'])));
    expect(blocked).toMatchObject({ status: 'refused' });
    expect(blocked?.result).toMatch(/185\.220\.101\.0\/24|protected/);
    expect(ran).toMatchObject({ status: 'executed' });
    expect(notSource).toMatchObject({ status: 'refused' });
    expect(notSource?.result).toMatch(/extracted|named by the source/);
    expect(noFacts).toMatchObject({ status: 'refused' });
    expect(noFacts?.result).toMatch(/records no facts it was decided on/);
  });
});
