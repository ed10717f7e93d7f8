import { TicketCreatedV1, TicketUpdatedV1, type EventByType, type SocEvent, causedBy } from '@soc/contracts';
import { dispatch, type EventHandler } from '@soc/bus';
import { defang } from '@soc/outbound';
import { AppError, ErrorCode, type Clock } from '@soc/runtime';
import type { NewTicket, TicketSystem } from './ports.ts';

/** What the ticketing handler needs. */
export interface TicketingDeps {
  systems: readonly TicketSystem[];
  clock: Clock;
}

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
export function ticketFor(event: EventByType<'soc.decision.made.v1'>, actionId: string, priority: number): NewTicket {
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
    // One ticket per alert and system: a later revision of the alert adds to it instead of opening another.
    idempotencyKey: `${alert.alertId}:ticket`,
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

/** The work note a later revision of the alert adds to its ticket: what the source changed and the new triage. */
export function revisionNote(event: EventByType<'soc.decision.made.v1'>): string {
  const { alert, triage } = event.data;
  const text = [
    `The source sent a changed version of this alert (revision ${alert.revision?.key ?? 'unknown'}): severity ${alert.severity}, status ${alert.status}.`,
    `Re-triaged: risk ${triage.risk.score}/100 (${triage.risk.level}); verdict ${triage.verdict.class}.`,
    triage.summary,
  ].join('\n');
  // The summary quotes the alert (attacker text) and the note is read in other tools: defanged, cut with a marker.
  return defangWithin(text, MAX_NOTE_CHARS);
}

/**
 * Opens a ticket for each CreateTicket action of a decision: one per alert and system. The decision of a later
 * revision of the alert adds a work note to that ticket (and raises its priority when more urgent) instead.
 */
export function makeTicketingHandler(deps: TicketingDeps): EventHandler {
  return dispatch('ticketing', {
    'soc.decision.made.v1': async (event) => {
      const emit: SocEvent[] = [];
      for (const action of event.data.actions) {
        if (action.kind !== 'CreateTicket') continue;
        const system = deps.systems.find((s) => s.name === action.system);
        if (!system) {
          throw new AppError(ErrorCode.CONFIGURATION_INVALID, `Ticket system "${action.system}" is not configured in ticketing`, { retryable: false });
        }
        const ticket = { ...ticketFor(event, action.actionId, action.priority), ...(action.assignmentGroup ? { assignmentGroup: action.assignmentGroup } : {}) };
        const opened = await system.open(ticket);
        if (!opened.created && opened.actionId !== action.actionId) {
          const note = revisionNote(event);
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
