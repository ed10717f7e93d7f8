import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChatPoster, Mailer, OutgoingChat, OutgoingEmail } from '../ports.ts';
import { composeEmail } from './mime.ts';

const safeName = (key: string): string => key.replace(/[^A-Za-z0-9._-]/g, '_');

/** Writes a file once: an existing file means the message was already delivered (idempotency by key). */
async function writeOnce(dir: string, name: string, content: () => Promise<string | Buffer>): Promise<void> {
  const target = join(dir, name);
  if (existsSync(target)) return;
  await mkdir(dir, { recursive: true });
  const tmp = `${target}.${process.pid}.tmp`;
  await writeFile(tmp, await content());
  await rename(tmp, target); // atomic: a reader never sees half a message
}

/** Options of {@link OutboxMailer}. */
export interface OutboxMailerOptions {
  dir: string;
  from: string;
  /** The clock of the `Date` header. */
  now?: () => Date;
}

/**
 * The embedded default mail transport: each email becomes an RFC 5322 `.eml` file (HTML + text parts, composed by
 * MailComposer, see `composeEmail`) in a local outbox directory, named by its idempotency key. Open one in any mail
 * client.
 */
export class OutboxMailer implements Mailer {
  private readonly dir: string;
  private readonly from: string;
  private readonly now: () => Date;
  constructor(options: OutboxMailerOptions) {
    this.dir = options.dir;
    this.from = options.from;
    this.now = options.now ?? (() => new Date());
  }

  async send(email: OutgoingEmail): Promise<string> {
    const name = `${safeName(email.idempotencyKey)}.eml`;
    await writeOnce(this.dir, name, () => composeEmail(email, { from: this.from, date: this.now() }));
    return `outbox:${name}`;
  }
}

/** The embedded default chat transport: each message becomes a JSON file in the outbox; an update rewrites it. */
export class OutboxChatPoster implements ChatPoster {
  private readonly dir: string;
  constructor(options: { dir: string }) {
    this.dir = options.dir;
  }

  async post(message: OutgoingChat): Promise<string> {
    const name = `${safeName(message.idempotencyKey)}.${message.channel}.json`;
    await writeOnce(this.dir, name, async () => JSON.stringify(message, null, 2));
    return `outbox:${name}`;
  }

  async update(ref: string, message: OutgoingChat): Promise<string> {
    const name = ref.startsWith('outbox:') ? ref.slice('outbox:'.length) : '';
    // Only a file this poster named: a reference is never a path to write elsewhere.
    if (name === '' || safeName(name) !== name) throw new Error(`not an outbox chat reference: ${ref.slice(0, 80)}`);
    await mkdir(this.dir, { recursive: true });
    const target = join(this.dir, name);
    const tmp = `${target}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(message, null, 2));
    await rename(tmp, target);
    return ref;
  }
}
