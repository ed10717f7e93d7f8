import type { Claim, ClaimLedger } from '@soc/state';
import type { GroupState } from './case-noise.ts';

/** An email ready to hand to a transport. */
export interface OutgoingEmail {
  /** Same key, same email: a transport must not send a key twice. */
  idempotencyKey: string;
  to: readonly string[];
  subject: string;
  html: string;
  text: string;
}

/** A containment request a card offers Approve / Deny for: what identifies it and what it does, never a secret. */
export interface CardApproval {
  requestId: string;
  /** The binding hash an approval must quote (ADR 0011): the button carries it, so the click approves what was shown. */
  bindingHash: string;
  runbook: string;
  /** What the runbook acts on, as shown (`ip 185[.]220[.]101[.]4`): defanged with the rest of the message. */
  target: string;
  /** What cannot be undone (issue 14): the approval must confirm it, so the button asks for it first. */
  cannotBeUndone?: string;
}

/** The facts of a case card (Slack Block Kit, Teams Adaptive Card); every string defanged with the message. */
export interface ChatCard {
  verdict: string;
  /** The risk level (`low` … `critical`). */
  severity: string;
  score: number;
  /** The score's largest factors, most points first. */
  factors: readonly { name: string; points: number }[];
  /** Entities of note (source-named first). */
  entities: readonly { type: string; value: string }[];
  /** ATT&CK techniques (`T1071 Application Layer Protocol`). */
  attack: readonly string[];
  /** `caseLink(SOC_PUBLIC_URL, alertId)`: the one live link. */
  caseUrl: string;
  alertId: string;
  /** Pending containment requests of the decision: Approve / Deny buttons where the channel has them. */
  approvals: readonly CardApproval[];
}

/** A chat message ready for Teams or Slack. */
export interface OutgoingChat {
  idempotencyKey: string;
  channel: 'teams' | 'slack';
  /** A configured destination name; the adapter maps it to a webhook or channel from configuration. */
  destination: string;
  title: string;
  /** The plain-text body (and the notification text where a card is shown). */
  text: string;
  /** The case card, when the message is an alert's; a transport without cards shows `title` and `text`. */
  card?: ChatCard;
}

/** Sends email; resolves to the transport's delivery id. */
export interface Mailer {
  send(email: OutgoingEmail): Promise<string>;
}

/**
 * Posts chat messages and updates them in place. `post` resolves to the transport's delivery reference (Slack:
 * `slack:<channel id>/<ts>`), which `update` takes back to replace that message's content (a card's count, its
 * decided buttons). A transport that cannot update in place posts a threaded reply or a new message instead and
 * resolves to that one's reference.
 */
export interface ChatPoster {
  post(message: OutgoingChat): Promise<string>;
  update(ref: string, message: OutgoingChat): Promise<string>;
}

/**
 * What the sent-ledger knows of an idempotency key when a transport claims it: the state store's lease-claim
 * {@link Claim} (`claimed`: send; `done`: a transport accepted the message under the key, its outcome is the delivery
 * id, do not send again; `busy`: another attempt may be sending, try later; `in-doubt`: a crashed holder's lease ran
 * out, this caller holds the key and whether that message left is unknown).
 */
export type LedgerClaim = Claim;

/**
 * Remembers which e-mails (or chat posts) a remote transport has accepted, by idempotency key, so a redelivered
 * decision does not send twice: the state store's lease-claim ledger ({@link ClaimLedger}), the outcome being the
 * transport's delivery id.
 */
export type SentLedger = ClaimLedger;

/**
 * The notification state of case groups, one document per (tenant, group). `update` is a read-modify-write with
 * optimistic concurrency: `change` gets the current state (undefined when none) and returns the next, or undefined
 * to leave it; a lost race re-reads and calls `change` again. Resolves to the state afterwards.
 */
export interface CaseGroupStore {
  update(tenantId: string, groupKey: string, change: (current: GroupState | undefined) => GroupState | undefined): Promise<GroupState | undefined>;
}
