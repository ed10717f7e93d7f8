import { describe, expect, it } from 'vitest';
import { ContainmentApprovedV1, DecisionMadeV1, type SocEvent, createEvent, parseEvent } from '@soc/contracts';
import type { DeliveryInfo } from '@soc/bus';
import { sampleAlert } from '@soc/contracts/testing';
import { manualClock } from '@soc/runtime';
import { MemoryStateStore } from '@soc/state';
import { DryRunRunbooks } from '../src/adapters/dry-run-runbooks.ts';
import { StateRequestStore } from '../src/adapters/state-request-store.ts';
import { makeContainmentHandler, requestIdFor } from '../src/handler.ts';

// A phishing URL of several kilobytes (tracking parameters): the target is kept whole, the runbook's text is cut.
const url = `https://login.bad.example/oauth?${'state=a1b2c3d4&'.repeat(400)}`;
const env = { source: '/test', time: new Date('2026-11-23T10:00:00Z'), correlationid: 'corr-l', tenantid: 'contoso' };
const alert = sampleAlert({ alertId: 'alt-l', entities: [{ id: 'url:long', type: 'url', value: url, origin: 'source' }] });
const decision = createEvent(
  DecisionMadeV1,
  {
    alert,
    triage: { engine: { name: 'deterministic', version: 't' }, risk: { score: 95, level: 'critical', factors: [] }, verdict: { class: 'true-positive', likelihoods: { truePositive: 0.95, benignPositive: 0.03, falsePositive: 0.02 } }, summary: 's', nextSteps: [], attack: [] },
    policy: { id: 'default', version: '1' },
    actions: [{ kind: 'RunContainment', actionId: 'act-url', runbook: 'block-url', target: { entityId: 'url:long', type: 'url', value: url }, requiresApproval: true, reason: 'critical' }],
    rejected: [],
  },
  { ...env, id: 'd-l' },
);
const delivery: DeliveryInfo = { subscription: 'containment', deliveryCount: 1, signal: new AbortController().signal };

describe('containment of a long indicator', () => {
  it('the request keeps the whole URL, and the dry run result quoting it passes the contract', async () => {
    const handle = makeContainmentHandler({ requests: new StateRequestStore(new MemoryStateStore()), runbooks: new DryRunRunbooks(), clock: manualClock('2026-11-23T10:00:00Z'), approvalTtlMs: 3_600_000 });
    const requested = await handle(decision, delivery);
    expect((requested.emit[0]!.data as { target: { value: string } }).target.value).toBe(url);
    const approved = createEvent(ContainmentApprovedV1, { requestId: requestIdFor('alt-l', 'block-url', 'url:long'), alertId: 'alt-l', approver: 'alice', decidedAt: '2026-11-23T10:05:00.000Z', comment: '' }, { ...env, id: 'ap-l' });
    const out = await handle(approved as SocEvent, delivery);
    expect(out.emit[0]!.type).toBe('soc.containment.executed.v1');
    expect(parseEvent(JSON.parse(JSON.stringify(out.emit[0])))).toMatchObject({ ok: true });
    expect((out.emit[0]!.data as { result: string }).result).toMatch(/^DRY RUN: would .*…$/);
  });
});
