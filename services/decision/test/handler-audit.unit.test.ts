import { defaultInternalNetworks } from '@soc/guardrails';
import { describe, expect, it } from 'vitest';
import { StateAuditTrail, type AuditTrail } from '@soc/audit';
import { AlertTriagedV1, createEvent } from '@soc/contracts';
import { SAMPLE_ENTITIES, sampleAlert } from '@soc/contracts/testing';
import { AppError, ErrorCode, manualClock } from '@soc/runtime';
import { MemoryStateStore } from '@soc/state';
import { makeDecisionHandler } from '../src/handler.ts';
import { loadPolicy } from '../src/policy.ts';

const policy = loadPolicy();
const clock = manualClock('2026-11-23T10:00:01Z');
const delivery = { subscription: 'decision', deliveryCount: 1, signal: new AbortController().signal };
const triaged = createEvent(
  AlertTriagedV1,
  {
    alert: sampleAlert({ alertId: 'alt-77', entities: [SAMPLE_ENTITIES.externalIp] }),
    enrichment: { facts: [], missing: [] },
    triage: {
      engine: { name: 'deterministic', version: 'test' },
      risk: { score: 90, level: 'critical', factors: [] },
      verdict: { class: 'true-positive', likelihoods: { truePositive: 0.95, benignPositive: 0.025, falsePositive: 0.025 } },
      summary: 's',
      nextSteps: [],
      attack: [],
    },
  },
  { id: 't-77', source: '/soc/triage', time: new Date('2026-11-23T10:00:00Z'), correlationid: 'corr-77', tenantid: 'contoso' },
);

describe('decision handler and the audit trail', () => {
  it('records each decision (policy, action kinds and ids, refusal count) before publishing it', async () => {
    const audit = new StateAuditTrail(new MemoryStateStore(), { clock });
    const outcome = await makeDecisionHandler({ policy, clock, audit, internalNetworks: defaultInternalNetworks })(triaged, delivery);
    const [made] = outcome.emit;
    const [record] = await audit.list({ stream: 'decision' });
    expect(record).toMatchObject({
      kind: 'decision.made',
      actor: 'decision',
      subject: 'alt-77',
      data: { decisionEventId: made?.id, policyId: policy.id, policyVersion: policy.version, refusals: expect.any(Number) as number },
    });
    const data = made?.data as { actions: { kind: string; actionId: string }[] };
    expect(record?.data['actions']).toEqual(data.actions.map((a) => ({ kind: a.kind, id: a.actionId })));
    expect(await audit.verify()).toMatchObject({ ok: true, count: 1 });
  });

  it('publishes nothing when the decision cannot be audited: the handler throws the retryable error, so the bus retries', async () => {
    const down: AuditTrail = { append: () => Promise.reject(new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'state down', { retryable: true })) };
    await expect(makeDecisionHandler({ policy, clock, audit: down, internalNetworks: defaultInternalNetworks })(triaged, delivery)).rejects.toMatchObject({
      code: ErrorCode.DEPENDENCY_UNAVAILABLE,
      retryable: true,
    });
  });
});
