import { describe, expect, it } from 'vitest';
import type { CaseEventDoc } from '../src/case-view.ts';
import { changedAlerts } from '../src/live/change-feed.ts';
import { sseEvent } from '../src/live/event-stream-routes.ts';

const doc = (eventId: string, alertId: string, time: string, tenantid?: string): CaseEventDoc => ({
  alertId, eventId, time, type: 'soc.alert.received.v1', source: '/soc/ingestion', correlationid: 'c', causationid: null, requestId: null, data: {}, ...(tenantid ? { tenantid } : {}),
});

describe('changedAlerts', () => {
  const first = [doc('e2', 'a', '2026-12-07T10:00:02Z', 'contoso'), doc('e1', 'b', '2026-12-07T10:00:01Z', 'fabrikam')];

  it('primes on the first read: nothing before the stream opened is news', () => {
    const read = changedAlerts(undefined, undefined, first, 10);
    expect(read.changes).toEqual([]);
    expect([...read.seen]).toEqual(['e2', 'e1']);
    expect(read.oldest).toBe('2026-12-07T10:00:01Z');
  });

  it('tells each alert with an unseen event once, newest first, with its tenant', () => {
    const primed = changedAlerts(undefined, undefined, first, 10);
    const next = [doc('e4', 'c', '2026-12-07T10:00:04Z'), doc('e3', 'a', '2026-12-07T10:00:03Z', 'contoso'), doc('e3b', 'a', '2026-12-07T10:00:03Z', 'contoso'), ...first];
    expect(changedAlerts(primed.seen, primed.oldest, next, 10).changes).toEqual([{ alertId: 'c', tenantId: undefined }, { alertId: 'a', tenantId: 'contoso' }]);
  });

  it('leaves out events filed under a correlation id (no alert yet)', () => {
    const primed = changedAlerts(undefined, undefined, first, 10);
    expect(changedAlerts(primed.seen, primed.oldest, [doc('e5', 'correlation:c', '2026-12-07T10:00:05Z'), ...first], 10).changes).toEqual([]);
  });

  it('tells a late event with an old time when the previous read held every event, not when it was a full window', () => {
    const late = doc('e0', 'z', '2026-12-07T09:00:00Z');
    const primed = changedAlerts(undefined, undefined, first, 10);
    expect(changedAlerts(primed.seen, primed.oldest, [...first, late], 10).changes).toEqual([{ alertId: 'z', tenantId: undefined }]);
    const full = changedAlerts(undefined, undefined, first, 2);
    expect(changedAlerts(full.seen, full.oldest, [first[0]!, late], 2).changes).toEqual([]);
  });
});

describe('sseEvent', () => {
  it('is one event line and one data line of JSON, ended by a blank line', () => {
    expect(sseEvent('case-changed', { alertId: 'a', groupId: null })).toBe('event: case-changed\ndata: {"alertId":"a","groupId":null}\n\n');
  });
});
