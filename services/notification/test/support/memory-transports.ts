import type { ChatPoster, Mailer, OutgoingChat, OutgoingEmail } from '../../src/ports.ts';

/** A mailer that keeps what it is given, in order (a fake transport for handler tests). */
export class MemoryMailer implements Mailer {
  readonly sent: OutgoingEmail[] = [];
  async send(email: OutgoingEmail): Promise<string> {
    this.sent.push(email);
    return `memory:${email.idempotencyKey}`;
  }
}

/** A chat poster that keeps what it is given, in order. */
export class MemoryChatPoster implements ChatPoster {
  readonly posted: OutgoingChat[] = [];
  readonly updated: { ref: string; message: OutgoingChat }[] = [];
  async update(ref: string, message: OutgoingChat): Promise<string> {
    this.updated.push({ ref, message });
    return ref;
  }
  async post(message: OutgoingChat): Promise<string> {
    this.posted.push(message);
    return `memory:${message.idempotencyKey}`;
  }
}
