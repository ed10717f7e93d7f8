import { type EventByType, type SocEvent, TicketUpdatedV1, caseGroupKey, causedBy } from '@soc/contracts';
import { dispatch, type EventHandler } from '@soc/bus';
import { AppError, ErrorCode, type Clock } from '@soc/runtime';
import { groupTicketKey } from './handler.ts';
import { type GroupResolution, type LifecycleCommand, decide, evolve, initialLifecycle } from './group-lifecycle.ts';
import type { AppliedTransition, GroupLifecycleDoc, GroupLifecycleStore, TicketSystem } from './ports.ts';

/** What the lifecycle handler needs. */
export interface LifecycleDeps {
  systems: readonly TicketSystem[];
  lifecycles: GroupLifecycleStore;
  /** The close code a system resolves a group with (ServiceNow: the mapping's `closeCodes`). */
  closeCode(system: TicketSystem['name'], resolution: GroupResolution): string;
  clock: Clock;
  /** Rounds of bringing the tickets to the group's latest transition before giving up (retryable); default 5. */
  maxRounds?: number;
}

type Cause = EventByType<'soc.alert.dispositioned.v1'> | EventByType<'soc.decision.made.v2'>;

/**
 * Resolves a case group's ticket when every dispositioned alert of the group is benign or a false positive and none
 * is a true positive, and reopens it on a later true positive (`group-lifecycle.ts` decides). The transition is
 * committed to the group's document first (its version bumped), then each ticket system is brought to it and the
 * version it applied recorded: a failure (an outage) leaves the version unapplied and the bus redelivers the event,
 * which decides nothing new and applies what is still pending — once. A transition that finds no ticket in a system
 * records `no-ticket` there (nothing to resolve). Concurrent events of one group serialise on the document's etag;
 * a system that applied a version another event has since superseded is brought to the newer one in the next round.
 */
export function makeLifecycleHandler(deps: LifecycleDeps): EventHandler {
  const handle = async (cause: Cause, tenantId: string, groupKey: string, command: LifecycleCommand): Promise<SocEvent[]> => {
    let doc = await deps.lifecycles.update(tenantId, groupKey, (current) => {
      const state = current ?? { ...initialLifecycle(), applied: {} };
      const events = decide(state, command);
      if (events.length === 0) return undefined;
      return { ...events.reduce(evolve, state), applied: state.applied } satisfies GroupLifecycleDoc;
    });
    const emit: SocEvent[] = [];
    for (let round = 0; doc && doc.version > 0; round++) {
      const pending = deps.systems.filter((s) => doc!.applied[s.name]?.version !== doc!.version);
      if (pending.length === 0) break;
      if (round >= (deps.maxRounds ?? 5)) {
        throw new AppError(ErrorCode.CONFLICT, `case group ${groupKey} kept changing while its tickets were brought up to date`, { retryable: true });
      }
      for (const system of pending) {
        const target = doc;
        const applied = await apply(system, target, groupKey);
        doc = await deps.lifecycles.update(tenantId, groupKey, (current) =>
          // Recorded only while it is still the latest transition; a newer one is applied in the next round.
          current && current.version === target.version && current.applied[system.name]?.version !== target.version
            ? { ...current, applied: { ...current.applied, [system.name]: applied } }
            : undefined,
        );
        if (applied.ticketId && (applied.outcome === 'resolved' || applied.outcome === 'reopened')) {
          emit.push(
            causedBy(
              cause,
              TicketUpdatedV1,
              { alertId: cause.type === 'soc.alert.dispositioned.v1' ? cause.data.alertId : cause.data.alert.alertId, system: system.name, ticketId: applied.ticketId, status: applied.outcome === 'resolved' ? 'resolved' : 'in-progress', note: target.reason ?? '' },
              // Keyed by group, system and version: a redelivery that re-applies it publishes the same event id.
              { source: '/soc/ticketing', time: deps.clock.now(), key: `${groupKey}:${system.name}:lifecycle-${target.version}` },
            ),
          );
        }
        if (!doc) break;
      }
    }
    return emit;
  };

  const apply = async (system: TicketSystem, doc: GroupLifecycleDoc, groupKey: string): Promise<AppliedTransition> => {
    const at = deps.clock.now().toISOString();
    const ticket = await system.find(groupTicketKey(groupKey));
    if (!ticket) return { version: doc.version, outcome: 'no-ticket', at };
    const { ticketId } = ticket;
    if (doc.status === 'resolved') {
      if (ticket.status === 'resolved') return { version: doc.version, outcome: 'unchanged', ticketId, at };
      const done = await system.resolve(ticketId, { code: deps.closeCode(system.name, doc.resolution ?? 'benign-positive'), notes: doc.reason ?? '' });
      return { version: doc.version, outcome: done.status === 'resolved' ? 'resolved' : 'unchanged', ticketId, at };
    }
    // Reopening: only a resolved ticket (a closed or cancelled ServiceNow incident is final; an open one stays as it is).
    if (ticket.status !== 'resolved') return { version: doc.version, outcome: 'unchanged', ticketId, at };
    const done = await system.reopen(ticketId, { updateKey: `${groupKey}:lifecycle-${doc.version}`, note: doc.reason ?? '' });
    return { version: doc.version, outcome: done.status === 'resolved' ? 'unchanged' : 'reopened', ticketId, at };
  };

  return dispatch('ticketing-lifecycle', {
    'soc.alert.dispositioned.v1': async (event) => {
      const { caseGroup, alertId, tenantId, disposition, analyst, at } = event.data;
      // A disposition from before dispositions named their case group: no group to resolve.
      if (!caseGroup) return { emit: [] };
      return { emit: await handle(event, tenantId, caseGroup, { type: 'RecordDisposition', alertId, disposition, analyst, at }) };
    },
    'soc.decision.made.v2': async (event) => {
      const { alert, triage } = event.data;
      const command: LifecycleCommand = { type: 'RecordTriage', alertId: alert.alertId, truePositive: triage.verdict.class === 'true-positive', at: event.time };
      return { emit: await handle(event, alert.tenantId, caseGroupKey(alert), command) };
    },
  });
}
