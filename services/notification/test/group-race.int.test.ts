import { MemoryStateStore } from '@soc/state';
import { manualClock } from '@soc/runtime';
import { describe, expect, it } from 'vitest';
import { StateCaseGroupStore } from '../src/adapters/state-group-store.ts';
import { makeNotificationHandler } from '../src/handler.ts';
import type { ChatPoster, Mailer, OutgoingChat, OutgoingEmail } from '../src/ports.ts';
import { decisionFixture, delivery, sameGroupAlert } from './support/decision.ts';

const PUBLIC_URL = 'https://soc.example.org';

/** A mailer idempotent by key (as every transport is): the first message sent under a key is the one kept. */
class KeyedMailer implements Mailer {
  readonly byKey = new Map<string, OutgoingEmail>();
  readonly sends: string[] = [];
  gate?: Promise<void>;
  async send(email: OutgoingEmail): Promise<string> {
    this.sends.push(email.idempotencyKey);
    if (!this.byKey.has(email.idempotencyKey)) this.byKey.set(email.idempotencyKey, email);
    await this.gate;
    return `mail:${email.idempotencyKey}`;
  }
}

class RecordingChat implements ChatPoster {
  readonly posts: OutgoingChat[] = [];
  readonly updates: { ref: string; message: OutgoingChat }[] = [];
  async post(message: OutgoingChat): Promise<string> {
    this.posts.push(message);
    return `outbox:${message.idempotencyKey}`;
  }
  async update(ref: string, message: OutgoingChat): Promise<string> {
    this.updates.push({ ref, message });
    return ref;
  }
}

/**
 * The defect (issue 13, found by test/security/cached-advice.e2e.test.ts): two decisions of a brand-new case group
 * handled at the same time both decided "first e-mail" and sent under the group's first key before either stored
 * the group, so the e-mail filed under the key could describe the other alert, and one alert's e-mail was never
 * written. Sends are now reserved in the group's state first and performed only by the decision that reserved them.
 */
describe('two decisions of a new case group handled at once', () => {
  for (const order of ['first wins', 'second wins'] as const) {
    it(`each e-mail describes the alert whose decision reserved it, and the group gets one card (${order})`, async () => {
      const mailer = new KeyedMailer();
      const chat = new RecordingChat();
      const handle = makeNotificationHandler({ groups: new StateCaseGroupStore(new MemoryStateStore()), mailer, chat, clock: manualClock(), publicUrl: PUBLIC_URL });
      const first = decisionFixture();
      first.data.triage.verdict.class = 'benign-positive';
      const second = sameGroupAlert(first, 2);
      second.data.triage.verdict.class = 'true-positive'; // an escalation: the group's second e-mail is legitimately its
      let open!: () => void;
      mailer.gate = new Promise((r) => (open = r));
      const [a, b] = order === 'first wins' ? [first, second] : [second, first];
      const pa = handle(a, delivery);
      const pb = handle(b, delivery);
      setTimeout(() => open(), 50);
      await Promise.all([pa, pb]);

      const linkOf = (e: OutgoingEmail) => /\/#\/case\/([^\s"<>]+)/.exec(e.text)?.[1];
      for (const [key, email] of mailer.byKey) {
        const owner = email === mailer.byKey.get(key) ? linkOf(email) : undefined;
        expect(owner, `e-mail ${key}`).toBeDefined();
      }
      // No key was sent twice by different decisions: one send per key.
      expect(new Set(mailer.sends).size).toBe(mailer.sends.length);
      // The first e-mail of the group is whichever decision reserved it; an escalation mail is the true positive's.
      const mails = [...mailer.byKey.values()];
      const escalated = mails.filter((m) => m.subject.startsWith('[Escalated'));
      for (const m of escalated) expect(linkOf(m)).toBe(second.data.alert.alertId);
      const firstMail = mails.find((m) => !m.subject.startsWith('[Escalated'));
      expect(firstMail).toBeDefined();
      expect([first.data.alert.alertId, second.data.alert.alertId]).toContain(linkOf(firstMail!));
      // Both alerts are accounted for: the benign first one mailed first, or the true positive did and the benign one folded silently.
      if (linkOf(firstMail!) === first.data.alert.alertId) expect(escalated).toHaveLength(1);
      else expect(escalated).toHaveLength(0);
      expect(chat.posts).toHaveLength(1);
    });
  }
});

/**
 * The defect (found by apps/all-in-one/test/crash-recovery.e2e.test.ts, one run in four): a process killed after a
 * send was completed in the group's state but before the delivery's outcome reached the bus lost the send's
 * `soc.notification.sent.v1`. The redelivery found nothing pending and said nothing, so an e-mail had gone out that
 * no case showed. The sent event is now published before the send is completed.
 */
describe('a delivery whose outcome is lost after its sends', () => {
  it('has already published each send\'s soc.notification.sent.v1, and a redelivery sends nothing again', async () => {
    const mailer = new KeyedMailer();
    const chat = new RecordingChat();
    const published: { type: string; id: string }[] = [];
    const handle = makeNotificationHandler({
      groups: new StateCaseGroupStore(new MemoryStateStore()),
      mailer,
      chat,
      clock: manualClock(),
      publicUrl: PUBLIC_URL,
      publish: async (events) => void published.push(...events),
    });
    const decision = decisionFixture();
    await handle(decision, delivery); // the outcome is dropped: the process dies before the bus commits it
    const sentBefore = published.filter((e) => e.type === 'soc.notification.sent.v1');
    expect(sentBefore.length).toBe(mailer.byKey.size + chat.posts.length);
    expect(sentBefore.length).toBeGreaterThan(0);
    const again = await handle(decision, delivery);
    const emitted = 'emit' in again ? (again.emit ?? []) : [];
    const sentAgain = [...published.slice(sentBefore.length), ...emitted].filter((e) => e.type === 'soc.notification.sent.v1');
    // Nothing sent twice; anything announced again carries the same event id (the bus and the case dedupe by id).
    expect(new Set(mailer.sends).size).toBe(mailer.sends.length);
    for (const e of sentAgain) expect(sentBefore.map((s) => s.id)).toContain(e.id);
  });
});
