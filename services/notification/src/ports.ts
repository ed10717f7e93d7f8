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
