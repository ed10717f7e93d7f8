import { MemoryStateStore } from '@soc/state';
import { AppError, ErrorCode, isAppError, manualClock } from '@soc/runtime';
import { describe, expect, it } from 'vitest';
import { StateCaseGroupStore } from '../src/adapters/state-group-store.ts';
import { makeNotificationHandler } from '../src/handler.ts';
import type { OutgoingChat } from '../src/ports.ts';
import { decisionFixture, delivery } from './support/decision.ts';
import { MemoryChatPoster, MemoryMailer } from './support/memory-transports.ts';

/** A chat transport that fails the way it is told to, then works. */
class FlakyChat extends MemoryChatPoster {
  failWith?: AppError;
  override async post(message: OutgoingChat): Promise<string> {
    if (this.failWith) throw this.failWith;
    return super.post(message);
  }
}

function harness() {
  const mailer = new MemoryMailer();
  const chat = new FlakyChat();
  const counted: string[] = [];
  const handle = makeNotificationHandler({
    groups: new StateCaseGroupStore(new MemoryStateStore()),
    mailer,
    chat,
    clock: manualClock(),
    publicUrl: 'http://localhost:8080',
    count: (channel, destination, outcome) => counted.push(`${channel}/${destination}:${outcome}`),
  });
  return { mailer, chat, counted, handle };
}

const caught = async (p: Promise<unknown>): Promise<AppError> => {
  const error = await p.then(() => undefined, (e: unknown) => e);
  if (!isAppError(error)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
};

/**
 * Issue 13 point 5: a channel that fails does not hold up the others, is named in the error the bus dead-letters
 * (or retries) the decision with, and is counted by channel and destination; what did go out is not sent again.
 */
describe('a failing channel', () => {
  it('a misconfigured chat destination: the e-mail still goes, the decision is dead-lettered naming the channel, a replay posts only the card', async () => {
    const { mailer, chat, counted, handle } = harness();
    const event = decisionFixture();
    const chats = event.data.actions.filter((a) => a.kind === 'PostChat');
    expect(chats.length).toBeGreaterThan(0);
    chat.failWith = new AppError(ErrorCode.CONFIGURATION_INVALID, 'Slack chat.postMessage: channel_not_found', { retryable: false });
    const error = await caught(handle(event, delivery));
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/notification failed for (teams|slack)\/\S+: AppError: Slack chat\.postMessage: channel_not_found/);
    expect(mailer.sent).toHaveLength(1);
    expect(counted).toContain('email/email:delivered');
    expect(counted.some((c) => c.endsWith(':rejected'))).toBe(true);

    // The operator fixes the channel and replays the dead letter: the card is posted, the e-mail is not sent again.
    chat.failWith = undefined;
    await handle(event, { ...delivery, deliveryCount: 1 });
    expect(mailer.sent).toHaveLength(1);
    expect(chat.posted).toHaveLength(chats.length);
  });

  it('a throttled channel: retryable with the longest Retry-After, and the redelivery tries only what failed', async () => {
    const { mailer, chat, handle } = harness();
    const event = decisionFixture();
    chat.failWith = new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'Slack chat.postMessage: ratelimited', { retryable: true, details: { retryAfterSeconds: 30 } });
    const error = await caught(handle(event, delivery));
    expect(error.retryable).toBe(true);
    expect(error.details).toEqual({ retryAfterSeconds: 30 });
    chat.failWith = undefined;
    const { emit } = await handle(event, { ...delivery, deliveryCount: 2 });
    expect(mailer.sent).toHaveLength(1);
    expect(emit.map((e) => (e.type === 'soc.notification.sent.v1' ? e.data.channel : e.type))).not.toContain('email');
    expect(chat.posted.length).toBeGreaterThan(0);
  });
});
