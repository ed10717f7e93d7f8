import { describe, expect, it } from 'vitest';
import { type Alert, AlertReceivedV1, CaseAssignedV1, CaseNoteAddedV1, CaseStatusChangedV1, causedBy, createEvent } from '@soc/contracts';
import { sampleAlert } from '@soc/contracts/testing';
import type { DeliveryInfo } from '@soc/bus';
import { MemoryStateStore } from '@soc/state';
import { StateCaseGroupStore } from '../src/adapters/state-case-group-store.ts';
import { StateCaseStore } from '../src/adapters/state-case-store.ts';
import { type CaseGroup, applyLeadCasework } from '../src/case-group.ts';
import { foldCase } from '../src/case-view.ts';
import { makeCaseProjector } from '../src/projector.ts';

const delivery: DeliveryInfo = { subscription: 'case-view', deliveryCount: 1, signal: new AbortController().signal };
const at = (s: number) => new Date(Date.UTC(2026, 10, 23, 10, 0, s));
const alertOf = (alertId: string): Alert => sampleAlert({ alertId, title: 'Possible credential dumping detected', entities: [{ id: 'host:web01', type: 'host', value: 'web01', origin: 'source' }] });
const received = (alert: Alert, s: number) =>
  createEvent(AlertReceivedV1, { alert, receivedAt: at(s).toISOString(), receivedVia: 'http', sender: 't', priority: 'high' }, { id: `r-${alert.alertId}`, source: '/soc/ingestion', time: at(s), correlationid: `corr-${alert.alertId}`, tenantid: 'contoso', subject: alert.alertId });
const ids = (alertId: string) => ({ alertId, tenantId: 'contoso' });
const lead = alertOf('alt-lead');
const member = alertOf('alt-member');
const assigned = (alert: Alert, s: number, assignee: string | null, previous: string | null) =>
  causedBy(received(alert, 0), CaseAssignedV1, { ...ids(alert.alertId), assignee, previous, by: 'ana', at: at(s).toISOString() }, { source: '/soc/api', time: at(s), key: `assign-${alert.alertId}-${s}` });
const status = (alert: Alert, s: number, to: 'in-progress' | 'on-hold', previous: 'new' | 'in-progress') =>
  causedBy(received(alert, 0), CaseStatusChangedV1, { ...ids(alert.alertId), status: to, previous, by: 'ana', at: at(s).toISOString() }, { source: '/soc/api', time: at(s), key: `status-${s}` });
const note = (s: number, text: string) =>
  causedBy(received(lead, 0), CaseNoteAddedV1, { ...ids(lead.alertId), noteId: `n-${s}`, text, author: 'ana', at: at(s).toISOString() }, { source: '/soc/api', time: at(s), key: `note-${s}` });

describe('the case view folds casework', () => {
  it('the latest assignment and status stand whatever the delivery order; notes are listed oldest first, once each', async () => {
    const state = new MemoryStateStore();
    const cases = new StateCaseStore(state);
    const groups = new StateCaseGroupStore(state, { windowMinutes: 60 });
    const project = makeCaseProjector(cases, groups);
    const events = [received(lead, 0), received(member, 1), note(9, 'second'), assigned(lead, 8, null, 'ana'), assigned(lead, 5, 'ana', null), status(lead, 7, 'on-hold', 'in-progress'), status(lead, 6, 'in-progress', 'new'), note(4, 'first'), note(4, 'first')];
    for (const e of events) await project(e, delivery);
    const view = foldCase(lead.alertId, await cases.events(lead.alertId));
    expect(view).toMatchObject({ assignee: null, status: 'on-hold' });
    expect(view.notes.map((n) => n.text)).toEqual(['first', 'second']);
    expect(view.timeline.map((t) => t.type).filter((t) => t.startsWith('soc.case.'))).toHaveLength(6);
    expect(foldCase(member.alertId, await cases.events(member.alertId))).toMatchObject({ assignee: null, status: 'new', notes: [] });
    // The group shows its lead alert's casework (the latest of each), and a member's casework is not the group's.
    await project(assigned(member, 10, 'bob', null), delivery);
    const [group] = await groups.list({ limit: 10, tenants: '*' });
    expect(group).toMatchObject({ firstAlertId: lead.alertId, count: 2, assignee: null, status: 'on-hold' });
  });
});

describe('applyLeadCasework', () => {
  const group = { firstAlertId: 'alt-lead', groupId: 'cg-1' } as CaseGroup;
  it('records the lead alert\'s change; an older one delivered late, the same value or another alert\'s change nothing', () => {
    const taken = applyLeadCasework(group, { alertId: 'alt-lead', at: at(5).toISOString(), assignee: 'ana' });
    expect(taken).toMatchObject({ assignee: 'ana', assigneeAt: at(5).toISOString() });
    expect(applyLeadCasework(taken, { alertId: 'alt-lead', at: at(4).toISOString(), assignee: 'bob' })).toBeUndefined();
    expect(applyLeadCasework(taken, { alertId: 'alt-lead', at: at(5).toISOString(), assignee: 'ana' })).toBeUndefined();
    // A newer change to the value shown still records its time, so the older one after it cannot win.
    const released = applyLeadCasework(group, { alertId: 'alt-lead', at: at(8).toISOString(), assignee: null });
    expect(released).toMatchObject({ assignee: null, assigneeAt: at(8).toISOString() });
    expect(applyLeadCasework(released, { alertId: 'alt-lead', at: at(5).toISOString(), assignee: 'ana' })).toBeUndefined();
    expect(applyLeadCasework(taken, { alertId: 'alt-member', at: at(6).toISOString(), assignee: 'bob' })).toBeUndefined();
    expect(applyLeadCasework(taken, { alertId: 'alt-lead', at: at(6).toISOString(), status: 'resolved' })).toMatchObject({ assignee: 'ana', status: 'resolved' });
    expect(applyLeadCasework(undefined, { alertId: 'alt-lead', at: at(6).toISOString(), status: 'resolved' })).toBeUndefined();
  });
});
