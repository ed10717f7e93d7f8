import type { ClaimLedger } from '@soc/state';
import type { GroupLifecycleState } from './group-lifecycle.ts';
import type { GraphAlertVerdict, SentinelClosure } from './siem-classification.ts';

/** A ticket to open for an alert. */
export interface NewTicket {
  /** Same key, same ticket: opening twice returns the first. One per case group and system, across its alerts and revisions. */
  idempotencyKey: string;
  /** The decision action that asked for it, so a redelivery of that decision is told from a later revision's. */
  actionId: string;
  alertId: string;
  correlationId: string;
  title: string;
  description: string;
  priority: number;
  assignmentGroup?: string;
}

/** A ticket as the system of record has it. */
export interface Ticket {
  ticketId: string;
  url?: string;
  status: string;
  priority: number;
  /** The action that opened it. */
  actionId: string;
}

/** What a later revision of the alert adds to its open ticket. */
export interface TicketUpdate {
  /** Same key, same update: applying it twice adds one note. */
  updateKey: string;
  note: string;
  /** The revision's priority; the ticket keeps the more urgent (lower) of its own and this one. */
  priority: number;
}

/** How a ticket is closed as resolved: the system's close code and the closing notes. */
export interface TicketResolution {
  /** The close code, e.g. ServiceNow's `Resolved by caller` or a custom `False positive`. */
  code: string;
  notes: string;
}

/** What reopening a resolved ticket writes: a work note saying why, once per key. */
export interface TicketReopening {
  /** Same key, same reopening: applying it twice reopens and notes once. */
  updateKey: string;
  note: string;
}

/** Opens tickets in the system of record. */
export interface TicketSystem {
  readonly name: 'local' | 'servicenow';
  /** Opens the ticket of `idempotencyKey`, or returns the existing one (`created: false`). */
  open(ticket: NewTicket): Promise<Ticket & { created: boolean }>;
  /** Adds a revision's work note to a ticket and raises its priority when the revision is more urgent. */
  update(ticketId: string, update: TicketUpdate): Promise<Ticket>;
  /** Resolves a ticket (status `resolved`) with a close code and notes; resolving a resolved ticket changes nothing. */
  resolve(ticketId: string, resolution: TicketResolution): Promise<Ticket>;
  /** Reopens a resolved ticket (status `in-progress`) with a work note; a ticket that is not resolved is left alone. */
  reopen(ticketId: string, reopening: TicketReopening): Promise<Ticket>;
  /** The ticket of `idempotencyKey`, if one was opened (ServiceNow: an active incident with that correlation id). */
  find(idempotencyKey: string): Promise<Ticket | undefined>;
}

/** A Sentinel incident as the SecurityInsights API addresses it (the workspace is the configured one). */
export interface SentinelIncidentRef {
  subscriptionId: string;
  resourceGroup: string;
  workspace: string;
  /** The incident's resource name (a GUID). */
  incidentId: string;
}

/** Comments on Sentinel incidents. A PUT under a fixed comment id: writing twice leaves one comment. */
export interface SentinelIncidentComments {
  putComment(incident: SentinelIncidentRef, commentId: string, message: string): Promise<void>;
}

/** Comments on Microsoft Graph security alerts (`alerts_v2`). Each call adds a comment: callers keep a ledger. */
export interface GraphAlertComments {
  postComment(alertId: string, comment: string): Promise<void>;
}

/** Closes Sentinel incidents with a classification (`SIEM_WRITEBACK_STATUS=on`). */
export interface SentinelIncidentStatus {
  /**
   * Closes the incident with `closure` and `comment` (the classification comment): a GET, then a PUT of the incident
   * with its etag (`If-Match`). An incident already closed with that classification and reason is left alone.
   */
  close(incident: SentinelIncidentRef, closure: SentinelClosure, comment: string): Promise<'closed' | 'unchanged'>;
  /**
   * Reopens an incident SOC Copilot closed (its classification comment is our closing comment) with the status it had
   * before, its classification cleared: a disposition changed to true positive. Any other incident is left alone.
   */
  reopenOwnClosure(incident: SentinelIncidentRef): Promise<'reopened' | 'unchanged'>;
}

/** Sets status, classification and determination of Graph security alerts (`SIEM_WRITEBACK_STATUS=on`). */
export interface GraphAlertStatus {
  /**
   * `PATCH /security/alerts_v2/{id}`: the same PATCH twice leaves the alert as the first left it. The alert is read
   * first: a PATCH that closes it (`status: resolved`) adds `comment` as a closing comment naming the status it had;
   * one that does not (a true positive) gives an alert SOC Copilot resolved back the status it had before.
   */
  updateAlert(alertId: string, verdict: GraphAlertVerdict, comment: string): Promise<void>;
}

/**
 * Which non-idempotent write-backs (a Graph comment, a Graph status PATCH) were done, so each is done once per key
 * even under overlapping deliveries: a lease-claim ledger (claim, act, mark done or release).
 */
export type WriteBackLedger = ClaimLedger;

/** A case group's alerts as ticketing has counted them. */
export interface GroupTally {
  /** Distinct alerts of the group (revisions of an alert count once). */
  count: number;
  lastSeen: string;
  /** The alert was in the group before this decision: the decision is of a later revision of it. */
  revision: boolean;
}

/** Counts the alerts (decisions) of each case group once each, however often a decision is delivered. */
export interface GroupCounter {
  /** Adds the decision (a key that stays the same across its redeliveries) to the group, once, and returns the group's tally afterwards. */
  add(tenantId: string, groupKey: string, alertId: string, decisionKey: string, at: string): Promise<GroupTally>;
}

/** Where a case group's lifecycle transition stands in one ticket system. */
export interface AppliedTransition {
  /** The lifecycle version applied. */
  version: number;
  /** `unchanged`: the ticket was in that state already (by hand, or closed for good), so nothing was written. */
  outcome: 'resolved' | 'reopened' | 'no-ticket' | 'unchanged';
  ticketId?: string;
  at: string;
}

/** A case group's lifecycle and, per ticket system, the transition applied to its ticket. */
export interface GroupLifecycleDoc extends GroupLifecycleState {
  applied: Record<string, AppliedTransition>;
}

/** The lifecycle document of each case group, read-modify-written with optimistic concurrency. */
export interface GroupLifecycleStore {
  /** Applies `change` to the group's document (`undefined` leaves it as it is) and returns the document afterwards. */
  update(tenantId: string, groupKey: string, change: (current: GroupLifecycleDoc | undefined) => GroupLifecycleDoc | undefined): Promise<GroupLifecycleDoc | undefined>;
}
