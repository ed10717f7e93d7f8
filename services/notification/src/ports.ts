/** An email ready to hand to a transport. */
export interface OutgoingEmail {
  /** Same key, same email: a transport must not send a key twice. */
  idempotencyKey: string;
  to: readonly string[];
  subject: string;
  html: string;
  text: string;
}

/** A chat message ready for Teams or Slack. */
export interface OutgoingChat {
  idempotencyKey: string;
  channel: 'teams' | 'slack';
  /** A configured destination name; the adapter maps it to a webhook from configuration. */
  destination: string;
  title: string;
  text: string;
}

/** Sends email; resolves to the transport's delivery id. */
export interface Mailer {
  send(email: OutgoingEmail): Promise<string>;
}

/** Posts chat messages; resolves to the transport's delivery id. */
export interface ChatPoster {
  post(message: OutgoingChat): Promise<string>;
}

/** What the sent-ledger knows of an idempotency key when a mailer claims it. */
export type LedgerClaim =
  /** Nobody has claimed the key: this caller now holds it and may send. */
  | { readonly kind: 'claimed' }
  /** A transport accepted the message under this key: do not send again. */
  | { readonly kind: 'sent'; readonly deliveryId: string }
  /** Another attempt holds a fresh claim (it may be sending right now): try again later. */
  | { readonly kind: 'busy' }
  /**
   * An earlier attempt claimed the key and never recorded an outcome (it crashed, or lost its answer), and its
   * lease has run out: this caller now holds the key, and whether the earlier attempt's message left is unknown.
   */
  | { readonly kind: 'in-doubt'; readonly claimedAt: string };

/**
 * Remembers which e-mails a remote transport has accepted, by idempotency key, so a redelivered decision does not
 * mail twice. A claim is a lease: it stops a concurrent duplicate, and a crashed holder's claim runs out.
 */
export interface SentLedger {
  claim(key: string): Promise<LedgerClaim>;
  /** The transport accepted the message: later claims answer `sent`. */
  markSent(key: string, deliveryId: string): Promise<void>;
  /** The transport definitely did not take the message: the key may be claimed again at once. */
  release(key: string): Promise<void>;
  lookup(key: string): Promise<LedgerClaim | undefined>;
}
