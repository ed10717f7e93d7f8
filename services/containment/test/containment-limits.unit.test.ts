import { describe, expect, it } from 'vitest';
import { ContainmentApprovedV2, DecisionMadeV2, type SocEvent, createEvent, parseEvent } from '@soc/contracts';
import { sampleAlert } from '@soc/contracts/testing';
import { requestIdFor } from '../src/handler.ts';
import { setupContainment } from './support/index.ts';

// A phishing URL of several kilobytes (tracking parameters): the target is kept whole, the runbook's text is cut.
const url = `https://login.bad.example/oauth?${'state=a1b2c3d4&'.repeat(400)}`;
const env = { source: '/test', time: new Date('2026-11-23T10:00:00Z'), correlationid: 'corr-l', tenantid: 'contoso' };
const alert = sampleAlert({ alertId: 'alt-l', entities: [{ id: 'url:long', type: 'url', value: url, origin: 'source' }] });
const decision = createEvent(
  DecisionMadeV2,
  {
    alert,
    triage: { engine: { name: 'deterministic', version: 't' }, risk: { score: 95, level: 'critical', factors: [] }, verdict: { class: 'true-positive', likelihoods: { truePositive: 0.95, benignPositive: 0.03, falsePositive: 0.02 } }, summary: 's', nextSteps: [], attack: [] },
    policy: { id: 'default', version: '1' },
    actions: [{ kind: 'RunContainment', actionId: 'act-url', runbook: 'block-url', target: { entityId: 'url:long', type: 'url', value: url }, requiresApproval: true, reason: 'critical' }],
    rejected: [],
  },
  { ...env, id: 'd-l' },
);

describe('containment of a long indicator', () => {
  it('the request keeps the whole URL, and the dry run result quoting it passes the contract', async () => {
    const { handle } = setupContainment();
    const requested = await handle(decision);
    const data = requested.emit[0]!.data as { target: { value: string }; bindingHash: string };
    expect(data.target.value).toBe(url);
    const approved = createEvent(ContainmentApprovedV2, { requestId: requestIdFor('alt-l', 'block-url', 'url:long'), alertId: 'alt-l', approver: 'alice', decidedAt: '2026-11-23T10:05:00.000Z', comment: '', bindingHash: data.bindingHash }, { ...env, id: 'ap-l' });
    const out = await handle(approved as SocEvent);
    expect(out.emit[0]!.type).toBe('soc.containment.executed.v2');
    expect(parseEvent(JSON.parse(JSON.stringify(out.emit[0])))).toMatchObject({ ok: true });
    expect((out.emit[0]!.data as { result: string }).result).toMatch(/^DRY RUN: would .*…$/);
  });

  it('audits every step of a request whose target is a 32,000-character URL within the audit log\'s 16 KiB of data', async () => {
    const huge = `https://login.bad.example/p?${'x'.repeat(32_000 - 28)}`;
    const big = createEvent(
      DecisionMadeV2,
      {
        ...decision.data,
        alert: { ...alert, alertId: 'alt-h', entities: [{ id: 'url:huge', type: 'url', value: huge, origin: 'source' }] },
        enrichment: { facts: [], missing: [] },
        actions: [{ kind: 'RunContainment', actionId: 'act-h', runbook: 'block-url', target: { entityId: 'url:huge', type: 'url', value: huge }, requiresApproval: true, reason: 'critical' }],
      },
      { ...env, id: 'd-h' },
    );
    const { handle, audit } = setupContainment();
    const requested = await handle(big);
    const { bindingHash } = requested.emit[0]!.data as { bindingHash: string };
    await handle(createEvent(ContainmentApprovedV2, { requestId: requestIdFor('alt-h', 'block-url', 'url:huge'), alertId: 'alt-h', approver: 'alice', decidedAt: '2026-11-23T10:05:00.000Z', comment: '', bindingHash }, { ...env, id: 'ap-h' }) as SocEvent);
    expect(audit.kinds()).toEqual(['containment.requested', 'containment.approval-recorded', 'containment.approved', 'containment.execution-started', 'containment.executed']);
    for (const entry of audit.entries) expect([entry.kind, JSON.stringify(entry.data).length <= 16_384]).toEqual([entry.kind, true]);
    // The audit names the target by its head, length and hash; the request itself keeps it whole.
    expect(JSON.stringify(audit.entries[0]!.data)).toContain('32000 characters, sha256');
  });
});
