import { TicketCreatedV1, TicketUpdatedV1, type EventByType, type SocEvent, caseGroupKey, causedBy } from '@soc/contracts';
import { dispatch, type EventHandler } from '@soc/bus';
import { defang } from '@soc/outbound';
import { AppError, ErrorCode, type Clock } from '@soc/runtime';
import type { GroupCounter, GroupTally, NewTicket, TicketSystem } from './ports.ts';

/** What the ticketing handler needs. */
export interface TicketingDeps {
  systems: readonly TicketSystem[];
  /** Counts the alerts of each case group for the work notes. */
  groups: GroupCounter;
  clock: Clock;
}

/** The idempotency key of a case group's ticket: one per group and system (ServiceNow's `correlation_id`). */
export const groupTicketKey = (groupKey: string): string => `${groupKey}:ticket`;

/** A ticket title holds this many characters (ServiceNow's short_description). */
export const MAX_TITLE_CHARS = 160;

/**
 * Defangs `text` and fits it in `max` characters, marking a cut with `…`. The raw text is cut before defanging:
 * cutting defanged text could leave a new live name at its end (`System[.]Net.corporate` → `…Net.co`).
 */
function defangWithin(text: string, max: number): string {
  let out = defang(text);
  for (let keep = max - 1; out.length > max && keep > 0; keep -= out.length - max) out = `${defang(text.slice(0, keep))}…`;
  return out;
}

/**
 * The ticket: title, summary, factors and next steps; never the raw payload. Tickets are read in other tools
 * (ServiceNow), so every URL, domain, IP and e-mail address in them is defanged.
 */
export function ticketFor(event: EventByType<'soc.decision.made.v2'>, actionId: string, priority: number): NewTicket {
  const { alert, triage } = event.data;
  const description = [
    triage.summary,
    '',
    `Risk ${triage.risk.score}/100 (${triage.risk.level}); verdict ${triage.verdict.class}.`,
    ...triage.risk.factors.map((f) => `- ${f.name} (${f.points >= 0 ? '+' : ''}${f.points}): ${f.evidence}`),
    '',
    'Next steps:',
    ...triage.nextSteps.map((s, i) => `${i + 1}. ${s}`),
    '',
    `SOC Copilot alert ${alert.alertId}, correlation ${event.correlationid}.`,
  ].join('\n');
  return {
    // One ticket per case group and system (noise control): a later alert of the group, or a later revision of an
    // alert, adds a work note to it instead of opening another.
    idempotencyKey: groupTicketKey(caseGroupKey(alert)),
    actionId,
    alertId: alert.alertId,
    correlationId: event.correlationid,
    title: defangWithin(`[${triage.risk.level.toUpperCase()}] ${alert.title}`, MAX_TITLE_CHARS),
    description: defang(description),
    priority,
  };
}

/** Longest work note (`soc.ticket.updated.v1` allows 8192). */
const MAX_NOTE_CHARS = 8000;

/**
 * The work note a later decision of the case group adds to its ticket: the group's count and last seen, then what
 * is new — a changed version of the ticket's alert (a revision) or another alert of the group — and its triage.
 */
export function revisionNote(event: EventByType<'soc.decision.made.v2'>, tally: GroupTally): string {
  const { alert, triage } = event.data;
  const what =
    tally.revision
      ? `The source sent a changed version of this alert (revision ${alert.revision?.key ?? 'unknown'}): severity ${alert.severity}, status ${alert.status}.`
      : `Another alert of this case group (${alert.alertId}): severity ${alert.severity}, status ${alert.status}.`;
  const text = [
    `Case group: ${tally.count} alert${tally.count === 1 ? '' : 's'}, last seen ${tally.lastSeen}.`,
    what,
    `Re-triaged: risk ${triage.risk.score}/100 (${triage.risk.level}); verdict ${triage.verdict.class}.`,
    triage.summary,
  ].join('\n');
  // The summary quotes the alert (attacker text) and the note is read in other tools: defanged, cut with a marker.
  return defangWithin(text, MAX_NOTE_CHARS);
}

/**
 * Whether a later decision of the case group adds a work note to its ticket (noise control for tickets): a changed
 * version of an alert (a revision), a more urgent priority (an escalation), or the group's count reaching a power of
 * two (2, 4, 8, 16 … alerts: the note carries the count and last seen). So a storm of n alerts adds about log2(n)
 * notes to its one ticket, not n — a ServiceNow instance is not sent a PATCH per alert, and a local ticket does not
 * grow by a note per alert. The exact count is the case view's and the card's.
 */
export function worthANote(tally: GroupTally, ticketPriority: number, priority: number): boolean {
  return tally.revision || priority < ticketPriority || (tally.count >= 2 && (tally.count & (tally.count - 1)) === 0);
}

/**
 * Opens a ticket for each CreateTicket action of a decision: one per case group and system. The decision of a later
 * alert of the group, or of a later revision of an alert, adds a work note (the group's count and last seen) to
 * that ticket and raises its priority when more urgent, instead.
 */
export function makeTicketingHandler(deps: TicketingDeps): EventHandler {
  return dispatch('ticketing', {
    'soc.decision.made.v2': async (event) => {
      const emit: SocEvent[] = [];
      const { alert } = event.data;
      // Counted once per decision (redeliveries count nothing), before any ticket, so the first alert counts too.
      // The decision's key is its first CreateTicket action id: a redelivery or replay keeps it, a revision's is new.
      const first = event.data.actions.find((a) => a.kind === 'CreateTicket');
      const tally = first ? await deps.groups.add(alert.tenantId, caseGroupKey(alert), alert.alertId, first.actionId, event.time) : undefined;
      for (const action of event.data.actions) {
        if (action.kind !== 'CreateTicket' || !tally) continue;
        const system = deps.systems.find((s) => s.name === action.system);
        if (!system) {
          throw new AppError(ErrorCode.CONFIGURATION_INVALID, `Ticket system "${action.system}" is not configured in ticketing`, { retryable: false });
        }
        const ticket = { ...ticketFor(event, action.actionId, action.priority), ...(action.assignmentGroup ? { assignmentGroup: action.assignmentGroup } : {}) };
        const opened = await system.open(ticket);
        if (!opened.created && opened.actionId !== action.actionId) {
          if (!worthANote(tally, opened.priority, action.priority)) continue;
          const note = revisionNote(event, tally);
          const updated = await system.update(opened.ticketId, { updateKey: action.actionId, note, priority: action.priority });
          emit.push(
            causedBy(
              event,
              TicketUpdatedV1,
              { alertId: event.data.alert.alertId, system: system.name, ticketId: updated.ticketId, status: updated.status, note },
              { source: '/soc/ticketing', time: deps.clock.now(), key: action.actionId },
            ),
          );
          continue;
        }
        emit.push(
          causedBy(
            event,
            TicketCreatedV1,
            {
              alertId: event.data.alert.alertId,
              actionId: action.actionId,
              system: system.name,
              ticketId: opened.ticketId,
              ...(opened.url ? { url: opened.url } : {}),
              priority: opened.priority,
              status: opened.status,
            },
            { source: '/soc/ticketing', time: deps.clock.now(), key: action.actionId },
          ),
        );
      }
      return { emit };
    },
  });
}
