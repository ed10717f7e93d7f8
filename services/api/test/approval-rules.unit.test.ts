import { describe, expect, it } from 'vitest';
import { mayApprove, sendersOf } from '../src/approval-rules.ts';
import type { CaseEventDoc } from '../src/case-view.ts';

describe('mayApprove: a sender never approves its own alert', () => {
  it.each([
    ['siem', 'siem'],
    ['alice', 'alice'],
    ['Alice', 'alice'],
    ['logicapp', 'logicapp:3f2a9c1e-0000-4000-8000-000000000001'],
    ['eventhubs', 'eventhubs:soc-alerts/0'],
  ])('refuses %s approving an alert sent as %s, with a reason naming both', (approver, sender) => {
    const verdict = mayApprove(approver, sender);
    expect(verdict.ok).toBe(false);
    expect(verdict.ok === false && verdict.reason).toContain(`"${approver}"`);
  });

  it.each([
    ['alice', 'siem'],
    ['alice', 'alice2'],
    ['ali', 'alice:client'],
    ['logicapp', 'other:logicapp'],
  ])('lets %s approve an alert sent as %s', (approver, sender) => {
    expect(mayApprove(approver, sender)).toEqual({ ok: true });
  });

  it('refuses an empty approver name', () => {
    expect(mayApprove(' ', 'siem').ok).toBe(false);
  });
});

describe('sendersOf', () => {
  const doc = (type: string, data: unknown): CaseEventDoc => ({ alertId: 'alt-1', eventId: `e-${type}`, type, time: '2026-01-01T00:00:00Z', source: '/soc/x', correlationid: 'c', causationid: null, requestId: null, data });
  it('lists the sender of every revision, once each', () => {
    expect(sendersOf([doc('soc.alert.received.v1', { sender: 'siem' }), doc('soc.alert.triaged.v1', { sender: 'x' }), { ...doc('soc.alert.received.v1', { sender: 'siem' }), eventId: 'e2' }, { ...doc('soc.alert.received.v1', { sender: 'alice' }), eventId: 'e3' }])).toEqual(['siem', 'alice']);
  });
});
