import type { SocEventType } from './registry.ts';
import { EVENT_DEFINITIONS, olderVersionsOf } from './registry.ts';

/** A durable subscription on the event topic: a name and the event types it receives. */
export interface SubscriptionSpec {
  readonly name: string;
  readonly types: readonly SocEventType[];
}

/**
 * Events that belong to no alert's journey (reports, the containment freeze, notification's own case-group timers),
 * so the case view does not record them.
 */
const NOT_OF_A_JOURNEY: readonly SocEventType[] = [
  'soc.report.generated.v1',
  'soc.containment.freeze-changed.v1',
  'soc.containment.freeze-changed.v2',
  'soc.notification.due.v1',
  'soc.containment.check-due.v1',
];
const ALL_TYPES = EVENT_DEFINITIONS.map((d) => d.type).filter((t) => !NOT_OF_A_JOURNEY.includes(t));

/** `types` and the older versions they are upcast from: a v1 message still in flight after an upgrade is delivered (as v2). */
const withOlder = (...types: SocEventType[]): readonly SocEventType[] => types.flatMap((t) => [...olderVersionsOf(t), t]);

/**
 * Who listens to what. Every process declares this whole table at start-up, so a message published before
 * its consumer first runs is still delivered (as with Service Bus subscriptions provisioned by IaC).
 */
export const SUBSCRIPTIONS = {
  enrichment: { name: 'enrichment', types: withOlder('soc.alert.received.v1', 'soc.alert.dispositioned.v1') },
  triage: { name: 'triage', types: withOlder('soc.alert.enriched.v1') },
  /** Questions about a case, apart from alert triage so a slow model answer never holds up an alert (and retries alone). */
  caseChat: { name: 'case-chat', types: ['soc.case.question-asked.v1'] },
  decision: { name: 'decision', types: withOlder('soc.alert.triaged.v1') },
  notification: { name: 'notification', types: withOlder('soc.decision.made.v2', 'soc.report.generated.v1', 'soc.notification.due.v1', 'soc.alert.dispositioned.v1') },
  /** Outbound decision webhooks, apart from e-mail and chat so one subscriber's outage retries only the webhooks. */
  notificationWebhooks: { name: 'notification-webhooks', types: withOlder('soc.decision.made.v2', 'soc.alert.triaged.v1') },
  ticketing: { name: 'ticketing', types: withOlder('soc.decision.made.v2') },
  /** The verdict written back to the SIEM the alert came from, apart from tickets so a SIEM outage retries only this. */
  ticketingSiemWriteback: { name: 'ticketing-siem-writeback', types: withOlder('soc.decision.made.v2', 'soc.alert.dispositioned.v1') },
  /**
   * The case group's ticket lifecycle: resolved when every dispositioned alert of the group is benign or a false
   * positive, reopened by a later true positive (an analyst's disposition or a new alert's triage verdict).
   */
  ticketingLifecycle: { name: 'ticketing-lifecycle', types: withOlder('soc.alert.dispositioned.v1', 'soc.decision.made.v2') },
  containment: {
    name: 'containment',
    types: withOlder('soc.decision.made.v2', 'soc.containment.approved.v2', 'soc.containment.denied.v1', 'soc.containment.freeze-changed.v2', 'soc.containment.undo-requested.v1', 'soc.containment.undo-decided.v1', 'soc.containment.check-due.v1'),
  },
  /** Reporting keeps a row per alert (received, triaged, dispositioned) to compute its periods' figures. */
  reporting: { name: 'reporting', types: withOlder('soc.alert.received.v1', 'soc.alert.triaged.v1', 'soc.alert.dispositioned.v1') },
  /** The analyst API's case view records every event of every journey. */
  caseView: { name: 'case-view', types: ALL_TYPES },
} as const satisfies Record<string, SubscriptionSpec>;

/** Every subscription of the topology, for provisioning. */
export const ALL_SUBSCRIPTIONS: readonly SubscriptionSpec[] = Object.values(SUBSCRIPTIONS);
