import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AppError, ErrorCode, manualClock } from '@soc/runtime';
import { MemoryStateStore } from '@soc/state';
import { LedgeredMailer, OUTCOME_UNKNOWN } from '../src/adapters/ledgered-mailer.ts';
import { StateSentLedger } from '../src/adapters/state-sent-ledger.ts';
import type { Mailer, OutgoingEmail } from '../src/ports.ts';

/** A transport fake: counts sends, and fails the next ones with the errors queued. */
class ScriptedTransport implements Mailer {
  sends = 0;
  readonly failures: unknown[] = [];
  async send(email: OutgoingEmail): Promise<string> {
    this.sends++;
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
    return `fake:${email.idempotencyKey}:${this.sends}`;
  }
}

const email: OutgoingEmail = {
  idempotencyKey: 'act-1',
  to: ['soc@example.org'],
  subject: 'S',
  html: '<p>x</p>',
  text: 'x',
};
const LEASE = 60_000;

function setup() {
  const clock = manualClock('2026-11-23T09:00:00Z');
  const state = new MemoryStateStore({ clock });
  const ledger = new StateSentLedger(state, { now: clock.now, leaseMs: LEASE });
  const transport = new ScriptedTransport();
  const inDoubt: string[] = [];
  const mailer = new LedgeredMailer(transport, ledger, { onInDoubt: (key) => inDoubt.push(key) });
  return { clock, state, ledger, transport, mailer, inDoubt };
}

const rejection = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e as AppError,
  );

describe('the sent-ledger in front of a remote mailer', () => {
  it('sends a key once and answers later sends with the first delivery id', async () => {
    const { mailer, transport, ledger } = setup();
    const id = await mailer.send(email);
    expect(await mailer.send(email)).toBe(id);
    expect(transport.sends).toBe(1);
    expect(await ledger.lookup(email.idempotencyKey)).toEqual({ kind: 'done', outcome: id });
  });

  it('a fresh claim without an outcome (another attempt is sending) makes a retryable error, not a second send', async () => {
    const { mailer, transport, ledger } = setup();
    expect(await ledger.claim(email.idempotencyKey)).toEqual({ kind: 'claimed' });
    const error = await rejection(mailer.send(email));
    expect(error).toMatchObject({ code: ErrorCode.CONFLICT, retryable: true });
    expect(transport.sends).toBe(0);
  });

  it('a claim whose holder crashed is in doubt once its lease runs out: the e-mail is sent again (a duplicate beats a loss)', async () => {
    const { mailer, transport, ledger, clock, inDoubt } = setup();
    await ledger.claim(email.idempotencyKey); // claimed, then the process died before the transport answered
    clock.advance(LEASE + 1);
    await mailer.send(email);
    expect(transport.sends).toBe(1);
    expect(inDoubt).toEqual([email.idempotencyKey]);
    await mailer.send(email);
    expect(transport.sends).toBe(1);
  });

  it('of two attempts taking over a stale claim at once, only one sends', async () => {
    const { ledger, clock } = setup();
    await ledger.claim('k');
    clock.advance(LEASE + 1);
    expect(await ledger.lookup('k')).toMatchObject({ kind: 'in-doubt' });
    const claims = await Promise.all([ledger.claim('k'), ledger.claim('k')]);
    expect(claims.map((c) => c.kind).sort()).toEqual(['busy', 'in-doubt']);
  });

  it('a definite refusal releases the claim, so the bus retry sends at once', async () => {
    const { mailer, transport } = setup();
    transport.failures.push(new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, '421 try later', { retryable: true }));
    await rejection(mailer.send(email));
    await mailer.send(email);
    expect(transport.sends).toBe(2);
  });

  it('an unknown outcome (timeout after hand-over) releases the claim too: the retry sends again, at least once', async () => {
    const { mailer, transport } = setup();
    transport.failures.push(
      new AppError(ErrorCode.TIMEOUT, 'socket timeout after DATA', {
        retryable: true,
        details: { [OUTCOME_UNKNOWN]: true },
      }),
    );
    const error = await rejection(mailer.send(email));
    expect(error).toMatchObject({ code: ErrorCode.TIMEOUT, retryable: true });
    await mailer.send(email);
    await mailer.send(email);
    expect(transport.sends).toBe(2);
  });

  it('keys of any length and content map to bounded document ids', async () => {
    const { ledger, state } = setup();
    const key = `report-${'x'.repeat(5000)}/../../etc`;
    expect(await ledger.claim(key)).toEqual({ kind: 'claimed' });
    await ledger.markDone(key, 'smtp:Q1');
    expect(await ledger.claim(key)).toEqual({ kind: 'done', outcome: 'smtp:Q1' });
    const docs = await state.query<{ key: string }>('mail-sent');
    expect(docs.map((d) => d.id.length)).toEqual([64]);
  });

  it('reads what it stored before it was a claim ledger (status sent, a delivery id) as sent, so deployed keys stay sent', async () => {
    const { ledger, state, mailer, transport, clock } = setup();
    const id = createHash('sha256').update(email.idempotencyKey).digest('hex');
    await state.put('mail-sent', id, {
      key: email.idempotencyKey,
      status: 'sent',
      claimedAt: '2026-11-20T09:00:00.000Z',
      deliveryId: 'graph:old',
      sentAt: '2026-11-20T09:00:01.000Z',
    });
    clock.advance(LEASE * 10);
    expect(await ledger.lookup(email.idempotencyKey)).toEqual({ kind: 'done', outcome: 'graph:old' });
    expect(await mailer.send(email)).toBe('graph:old');
    expect(transport.sends).toBe(0);
  });
});
