import { readFileSync } from 'node:fs';
import { type EventByType, type SocEvent, caseGroupKey, parseEvent } from '@soc/contracts';
import { MemoryStateStore } from '@soc/state';
import type { HandlerOutcome } from '@soc/bus';
import { isAppError, manualClock } from '@soc/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { ServiceNowFieldMapping } from '../src/adapters/servicenow-mapping.ts';
import { ServiceNowTicketSystem } from '../src/adapters/servicenow-ticket-system.ts';
import { StateGroupCounter } from '../src/adapters/state-group-counter.ts';
import { makeTicketingHandler } from '../src/handler.ts';
import { ServiceNowStandIn } from './support/servicenow-stand-in.ts';

function decision(): EventByType<'soc.decision.made.v2'> {
  const parsed = parseEvent(JSON.parse(readFileSync(new URL('../../../contracts/fixtures/soc.decision.made.v2.json', import.meta.url), 'utf8')));
  if (!parsed.ok || parsed.event.type !== 'soc.decision.made.v2') throw new Error('fixture');
  return parsed.event;
}

const AUTH = { kind: 'basic', username: 'soc.integration', password: 'pw' } as const;

describe('ticketing handler with ServiceNow (the decision fixture asks for a ServiceNow ticket)', () => {
  let standIn: ServiceNowStandIn | undefined;
  afterEach(async () => {
    await standIn?.close();
    standIn = undefined;
  });

  /** Delivers like the bus: a retryable failure is redelivered, anything else would be dead-lettered. */
  async function deliver(handle: ReturnType<typeof makeTicketingHandler>, event: SocEvent): Promise<{ outcome: HandlerOutcome; failures: number }> {
    for (let deliveryCount = 1; deliveryCount <= 20; deliveryCount++) {
      try {
        return { outcome: await handle(event, { subscription: 'ticketing', deliveryCount, signal: new AbortController().signal }), failures: deliveryCount - 1 };
      } catch (error) {
        if (!isAppError(error) || !error.retryable) throw error;
      }
    }
    throw new Error('still failing after 20 deliveries');
  }

  it('an outage, then the decision delivered twice, then a later revision: one incident, one create, one work note', async () => {
    standIn = new ServiceNowStandIn(AUTH);
    const instanceUrl = await standIn.start();
    const handle = makeTicketingHandler({
      systems: [new ServiceNowTicketSystem({ instanceUrl, auth: AUTH, mapping: ServiceNowFieldMapping.parse({ category: 'security' }) })],
      groups: new StateGroupCounter(new MemoryStateStore()),
      clock: manualClock('2026-12-07T03:00:00.000Z'),
    });
    const event = decision();
    standIn.failNext(4, { status: 503, headers: { 'retry-after': '5' } });
    const first = await deliver(handle, event);
    expect(first.failures).toBe(4);
    const created = first.outcome.emit[0]!;
    expect(created.type).toBe('soc.ticket.created.v1');
    expect(created.data).toMatchObject({ system: 'servicenow', ticketId: 'INC0010000', status: 'new', priority: 2 });
    const incident = [...standIn.incidents.values()][0]!;
    expect(incident).toMatchObject({ correlation_id: `${caseGroupKey(event.data.alert)}:ticket`, assignment_group: 'SOC Tier 2', category: 'security', impact: '1', urgency: '2' });

    const again = await deliver(handle, event);
    expect(again.outcome.emit[0]!.type).toBe('soc.ticket.created.v1');
    expect(again.outcome.emit[0]!.data).toMatchObject({ ticketId: 'INC0010000' });

    const revision = decision();
    revision.id = 'a7c1e0f2-0000-4000-8000-000000000001';
    const action = revision.data.actions.find((a) => a.kind === 'CreateTicket')!;
    action.actionId = 'a7c1e0f2-0000-4000-8000-000000000002';
    if (action.kind === 'CreateTicket') action.priority = 1;
    const updated = await deliver(handle, revision);
    expect(updated.outcome.emit[0]!.type).toBe('soc.ticket.updated.v1');
    await deliver(handle, revision);

    expect(standIn.incidents.size).toBe(1);
    expect(standIn.calls.filter((c) => c.method === 'POST')).toHaveLength(1);
    expect(incident.journal).toHaveLength(1);
    expect(incident.priority).toBe('1');
    expect(JSON.stringify(incident.journal[0])).toContain('Case group: 1 alert, last seen');
    expect(JSON.stringify(incident.journal[0])).toContain('changed version of this alert');

    // Noise control: another alert of the same case group (a new alert id, same rule and key entities) adds a work
    // note with the count to the same incident, twice delivered, and opens nothing.
    const other = decision();
    other.id = 'a7c1e0f2-0000-4000-8000-000000000003';
    other.data.alert.alertId = `${other.data.alert.alertId}-2`;
    other.data.actions = other.data.actions.map((a) => ({ ...a, actionId: `${a.actionId}-2` }));
    expect(caseGroupKey(other.data.alert)).toBe(caseGroupKey(event.data.alert));
    expect((await deliver(handle, other)).outcome.emit[0]!.type).toBe('soc.ticket.updated.v1');
    await deliver(handle, other);
    expect(standIn.incidents.size).toBe(1);
    expect(standIn.calls.filter((c) => c.method === 'POST')).toHaveLength(1);
    expect(incident.journal).toHaveLength(2);
    expect(JSON.stringify(incident.journal[1])).toContain('Case group: 2 alerts, last seen');
    expect(JSON.stringify(incident.journal[1])).toContain(`Another alert of this case group (${other.data.alert.alertId})`);
  });
});
