import { readFileSync } from 'node:fs';
import { type EventByType, type SocEvent, caseGroupKey, parseEvent } from '@soc/contracts';
import { MemoryStateStore } from '@soc/state';
import type { EventHandler, HandlerOutcome } from '@soc/bus';
import { isAppError, manualClock } from '@soc/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { ServiceNowFieldMapping } from '../src/adapters/servicenow-mapping.ts';
import { ServiceNowTicketSystem } from '../src/adapters/servicenow-ticket-system.ts';
import { StateGroupCounter } from '../src/adapters/state-group-counter.ts';
import { StateGroupLifecycleStore, TICKET_LIFECYCLE_COLLECTION } from '../src/adapters/state-group-lifecycle.ts';
import { StateTicketSystem } from '../src/adapters/state-ticket-system.ts';
import { makeTicketingHandler } from '../src/handler.ts';
import { makeLifecycleHandler } from '../src/lifecycle-handler.ts';
import type { GroupLifecycleDoc } from '../src/ports.ts';
import { ServiceNowStandIn } from './support/servicenow-stand-in.ts';

const fixture = (name: string): SocEvent => {
  const parsed = parseEvent(JSON.parse(readFileSync(new URL(`../../../contracts/fixtures/${name}.json`, import.meta.url), 'utf8')));
  if (!parsed.ok) throw new Error(`fixture ${name}`);
  return parsed.event;
};
const decision = () => fixture('soc.decision.made.v2') as EventByType<'soc.decision.made.v2'>;

const AUTH = { kind: 'basic', username: 'soc.integration', password: 'pw' } as const;
const BASIC = `Basic ${Buffer.from('soc.integration:pw').toString('base64')}`;
let sequence = 0;

/** An analyst's disposition of `alertId` in the decision fixture's case group, as the API publishes it. */
function disposition(alertId: string, value: 'true-positive' | 'benign-positive' | 'false-positive', at: string, group = caseGroupKey(decision().data.alert)) {
  const e = fixture('soc.alert.dispositioned.v1') as EventByType<'soc.alert.dispositioned.v1'>;
  const { note: _note, ...data } = e.data;
  return { ...e, id: `d0000000-0000-4000-8000-${String(++sequence).padStart(12, '0')}`, subject: alertId, data: { ...data, alertId, tenantId: 'contoso', disposition: value, at, caseGroup: group } };
}

/** Delivers like the bus: a retryable failure is redelivered, anything else would be dead-lettered. */
async function deliver(handle: EventHandler, event: SocEvent, subscription = 'ticketing-lifecycle'): Promise<{ outcome: HandlerOutcome; failures: number }> {
  for (let deliveryCount = 1; deliveryCount <= 20; deliveryCount++) {
    try {
      return { outcome: await handle(event, { subscription, deliveryCount, signal: new AbortController().signal }), failures: deliveryCount - 1 };
    } catch (error) {
      if (!isAppError(error) || !error.retryable) throw error;
    }
  }
  throw new Error('still failing after 20 deliveries');
}

describe('case group ticket lifecycle against a local ServiceNow (resolve on benign dispositions, reopen on a true positive)', () => {
  let standIn: ServiceNowStandIn | undefined;
  afterEach(async () => {
    await standIn?.close();
    standIn = undefined;
  });

  async function setUp() {
    standIn = new ServiceNowStandIn(AUTH);
    const instanceUrl = await standIn.start();
    const state = new MemoryStateStore();
    const clock = manualClock('2026-12-07T05:00:00.000Z');
    const servicenow = new ServiceNowTicketSystem({ instanceUrl, auth: AUTH, mapping: ServiceNowFieldMapping.parse({}) });
    const systems = [new StateTicketSystem(state, () => clock.now()), servicenow];
    const mapping = ServiceNowFieldMapping.parse({ closeCodes: { 'benign-positive': 'Solution provided', 'false-positive': 'False positive' } });
    const tickets = makeTicketingHandler({ systems, groups: new StateGroupCounter(state), clock });
    const lifecycle = makeLifecycleHandler({
      systems,
      lifecycles: new StateGroupLifecycleStore(state),
      closeCode: (system, resolution) => (system === 'servicenow' ? mapping.closeCodes[resolution] : resolution),
      clock,
    });
    const doc = async (group: string) => (await state.get<GroupLifecycleDoc>(TICKET_LIFECYCLE_COLLECTION, `contoso:${group}`))?.value;
    return { standIn, tickets, lifecycle, doc };
  }

  it('resolves the group incident once through an outage and a redelivery, reopens it on a true positive, resolves it again', async () => {
    const { standIn, tickets, lifecycle, doc } = await setUp();
    const first = decision();
    const group = caseGroupKey(first.data.alert);
    await deliver(tickets, first, 'ticketing');
    const incident = [...standIn.incidents.values()][0]!;
    expect(incident).toMatchObject({ number: 'INC0010000', state: '1', correlation_id: `${group}:ticket` });
    standIn.calls.length = 0;

    // The analyst marks the alert a false positive while ServiceNow answers 503 twice: retried, resolved once.
    standIn.failNext(2, { status: 503, headers: { 'retry-after': '3' } });
    const fp = disposition(first.data.alert.alertId, 'false-positive', '2026-12-07T05:01:00.000Z');
    const resolved = await deliver(lifecycle, fp);
    expect(resolved.failures).toBe(2);
    const reason =
      'SOC Copilot resolved this ticket: every dispositioned alert of its case group is benign or a false positive (1 false-positive) and none is a true positive. ' +
      `Last disposition: alert ${first.data.alert.alertId} marked false-positive by a.khan@contoso.com at 2026-12-07T05:01:00.000Z.`;
    const patches = () => standIn.calls.filter((c) => c.method === 'PATCH');
    expect(patches()).toHaveLength(1);
    const [patch] = patches();
    expect(patch).toMatchObject({ path: `/api/now/table/incident/${incident.sys_id}` });
    expect(patch!.headers).toMatchObject({ authorization: BASIC, 'content-type': 'application/json', accept: 'application/json' });
    expect(JSON.parse(patch!.body)).toEqual({ state: '6', close_code: 'False positive', close_notes: reason, work_notes: reason });
    // After the outage: the look-up of the group's incident by correlation id, the read by number, the PATCH.
    expect(standIn.calls.slice(2).map((c) => `${c.method} ${c.query.get('sysparm_query') ?? c.path}`)).toEqual([
      `GET correlation_id=${group}:ticket^active=true^ORDERBYsys_created_on`,
      'GET number=INC0010000',
      `PATCH /api/now/table/incident/${incident.sys_id}`,
    ]);
    expect(incident).toMatchObject({ state: '6', close_code: 'False positive', close_notes: reason });
    expect(resolved.outcome.emit).toHaveLength(1);
    expect(resolved.outcome.emit[0]).toMatchObject({
      type: 'soc.ticket.updated.v1',
      causationid: fp.id,
      data: { alertId: first.data.alert.alertId, system: 'servicenow', ticketId: 'INC0010000', status: 'resolved', note: reason },
    });
    // The group has no local ticket (the policy chose ServiceNow): nothing to resolve there, and that is recorded.
    expect((await doc(group))?.applied).toMatchObject({ local: { version: 1, outcome: 'no-ticket' }, servicenow: { version: 1, outcome: 'resolved', ticketId: 'INC0010000' } });

    // Delivered twice: no call at all, nothing published.
    standIn.calls.length = 0;
    expect((await deliver(lifecycle, fp)).outcome.emit).toEqual([]);
    expect(standIn.calls).toEqual([]);

    // Another alert of the group marked a true positive: reopened, In Progress with a work note saying why.
    const tp = disposition(`${first.data.alert.alertId}-2`, 'true-positive', '2026-12-07T05:10:00.000Z');
    const reopened = await deliver(lifecycle, tp);
    expect(patches()).toHaveLength(1);
    const why = `SOC Copilot reopened this ticket: alert ${first.data.alert.alertId}-2 was marked true-positive by a.khan@contoso.com at 2026-12-07T05:10:00.000Z; the case group is no longer benign.`;
    expect(JSON.parse(patches()[0]!.body)).toEqual({ state: '2', work_notes: `${why}\n\n[SOC Copilot update ${group}:lifecycle-2]` });
    expect(incident.state).toBe('2');
    expect(reopened.outcome.emit[0]).toMatchObject({ type: 'soc.ticket.updated.v1', data: { system: 'servicenow', ticketId: 'INC0010000', status: 'in-progress', note: why } });

    // The analyst changes that alert to benign: resolved again, with the benign close code.
    standIn.calls.length = 0;
    await deliver(lifecycle, disposition(`${first.data.alert.alertId}-2`, 'benign-positive', '2026-12-07T05:20:00.000Z'));
    expect(patches().map((c) => (JSON.parse(c.body) as { state: string; close_code: string }).close_code)).toEqual(['Solution provided']);
    expect(incident.state).toBe('6');

    // A new alert of the group that triage calls a true positive reopens it (its decision adds a note, too).
    standIn.calls.length = 0;
    const later = decision();
    later.id = 'a7c1e0f2-0000-4000-8000-00000000000f';
    later.time = '2026-12-07T05:30:00.000Z';
    later.data.alert.alertId = `${first.data.alert.alertId}-3`;
    expect(later.data.triage.verdict.class).toBe('true-positive');
    const byTriage = await deliver(lifecycle, later);
    expect(JSON.parse(patches()[0]!.body)).toMatchObject({ state: '2' });
    expect(byTriage.outcome.emit[0]).toMatchObject({ data: { status: 'in-progress', alertId: `${first.data.alert.alertId}-3` } });
    expect((await doc(group))?.status).toBe('reopened');
    expect((await doc(group))?.version).toBe(4);
  });

  it('a group without a ticket records that there was nothing to resolve; a disposition without a case group changes nothing', async () => {
    const { standIn, lifecycle, doc } = await setUp();
    const out = await deliver(lifecycle, disposition('alt-lonely', 'benign-positive', '2026-12-07T05:01:00.000Z', 'grp-0123456789abcdef0123456789abcdef'));
    expect(out.outcome.emit).toEqual([]);
    expect(standIn.calls.filter((c) => c.method === 'PATCH')).toEqual([]);
    expect((await doc('grp-0123456789abcdef0123456789abcdef'))?.applied).toMatchObject({ local: { version: 1, outcome: 'no-ticket' }, servicenow: { version: 1, outcome: 'no-ticket' } });

    standIn.calls.length = 0;
    const old = disposition('alt-old', 'false-positive', '2026-12-07T05:02:00.000Z');
    const { caseGroup: _none, ...data } = old.data;
    expect((await deliver(lifecycle, { ...old, data })).outcome.emit).toEqual([]);
    expect(standIn.calls).toEqual([]);
  });
});
