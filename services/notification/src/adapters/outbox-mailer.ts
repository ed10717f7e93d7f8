import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChatPoster, Mailer, OutgoingChat, OutgoingEmail } from '../ports.ts';

const safeName = (key: string): string => key.replace(/[^A-Za-z0-9._-]/g, '_');

/** Writes a file once: an existing file means the message was already delivered (idempotency by key). */
async function writeOnce(dir: string, name: string, content: string): Promise<void> {
  const target = join(dir, name);
  if (existsSync(target)) return;
  await mkdir(dir, { recursive: true });
  const tmp = `${target}.${process.pid}.tmp`;
  await writeFile(tmp, content, 'utf8');
  await rename(tmp, target); // atomic: a reader never sees half a message
}

/**
 * The embedded default mail transport: each email becomes an RFC 5322 `.eml` file (HTML + text parts) in a
 * local outbox directory, named by its idempotency key. Open one in any mail client.
 */
export class OutboxMailer implements Mailer {
  private readonly dir: string;
  private readonly from: string;
  constructor(options: { dir: string; from: string }) {
    this.dir = options.dir;
    this.from = options.from;
  }

  async send(email: OutgoingEmail): Promise<string> {
    const name = `${safeName(email.idempotencyKey)}.eml`;
    const boundary = `soc-${safeName(email.idempotencyKey)}`;
    const eml = [
      `From: ${this.from}`,
      `To: ${email.to.join(', ')}`,
      `Subject: ${email.subject.replace(/[\r\n]/g, ' ')}`,
      `Message-ID: <${safeName(email.idempotencyKey)}@soc-copilot.local>`,
      'MIME-Version: 1.0',
      `Content-Type: multipart/alternative; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      email.text,
      `--${boundary}`,
      'Content-Type: text/html; charset=utf-8',
      '',
      email.html,
      `--${boundary}--`,
      '',
    ].join('\r\n');
    await writeOnce(this.dir, name, eml);
    return `outbox:${name}`;
  }
}

/** The embedded default chat transport: each message becomes a JSON file in the outbox. */
export class OutboxChatPoster implements ChatPoster {
  private readonly dir: string;
  constructor(options: { dir: string }) {
    this.dir = options.dir;
  }

  async post(message: OutgoingChat): Promise<string> {
    const name = `${safeName(message.idempotencyKey)}.${message.channel}.json`;
    await writeOnce(this.dir, name, JSON.stringify(message, null, 2));
    return `outbox:${name}`;
  }
}
