import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Alert } from '@soc/contracts';
import { KqlPolicy, createKqlGuard } from '@soc/kql';
import { groundKqlCandidate } from '../src/ground-kql.ts';
import { huntQueriesFor } from '../src/hunt-queries.ts';
import { HuntThread, sharedHuntThread } from '../src/hunt-thread.ts';

// Normalised fixture alerts of every source (see test/fixtures/hunt/README.md).
const alerts = readFileSync(new URL('../../../test/fixtures/hunt/normalized-alerts.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => Alert.parse(JSON.parse(l)));

/** ~1 MB of filters: over 4 s of binding here, far over the 1 s timeout below. */
const SLOW_QUERY = `SigninLogs${' | where UserPrincipalName == "a"'.repeat(30_000)}`;
const LONG_QUERIES = KqlPolicy.parse({ maxQueryLength: 1_000_000, maxJoinLegs: 0 });

const threads: HuntThread[] = [];
const open = (config: ConstructorParameters<typeof HuntThread>[0] = {}): HuntThread => {
  const thread = new HuntThread(config);
  threads.push(thread);
  return thread;
};
afterEach(async () => {
  await Promise.all(threads.splice(0).map((t) => t.close()));
});

// Each test starts a worker that loads Kusto.Language (~1 s idle, several under a loaded CI machine).
describe('HuntThread: the guard off the event loop', { timeout: 120_000 }, () => {
  it('gives the same verdicts, grounding and hunt lists as the guard on the calling thread', async () => {
    const thread = open();
    const guard = createKqlGuard();
    const queries = [
      'SigninLogs | where ResultType != "0" | summarize count() by UserPrincipalName',
      '.drop table SigninLogs',
      'externaldata (x:string) [@"https://example.com/x"]',
      'SigninLogs | where NoSuchColumn == 1',
    ];
    for (const query of queries) {
      expect(await thread.check(query)).toEqual(guard.check(query));
      expect(await thread.groundKqlCandidate(query)).toEqual(groundKqlCandidate(query, guard));
    }
    const withEntities = alerts.filter((a) => a.entities.length > 2).slice(0, 5);
    expect(withEntities.length).toBe(5);
    for (const alert of withEntities) {
      const options = { lookbackDays: 3, maxQueries: 12, maxPerEntity: 3 };
      const offThread = await thread.huntQueriesFor(alert, options);
      expect(offThread.queries.length).toBeGreaterThan(0);
      expect(offThread).toEqual(huntQueriesFor(alert, guard, options));
    }
  });

  it('keeps the event loop free while it checks', async () => {
    const thread = open({ policy: LONG_QUERIES });
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    try {
      const verdict = await thread.check(`SigninLogs${' | where UserPrincipalName == "a"'.repeat(3_000)}`);
      expect(verdict.verdict).toBe('allow');
    } finally {
      clearInterval(ticker);
    }
    // Loading Kusto.Language and binding 3,000 filters take over a second; on this thread no 5 ms tick would run.
    expect(ticks).toBeGreaterThan(20);
  });

  it('can load the guard before the first request', async () => {
    const thread = open();
    thread.warmUp();
    thread.warmUp(); // a second call starts no second worker
    const verdict = await thread.check('SigninLogs | take 1');
    expect(verdict.verdict).toBe('allow');
  });

  it('refuses work past its queue bound instead of queueing without limit', async () => {
    const thread = open({ maxPending: 2 });
    const first = thread.check('SigninLogs | take 1');
    const second = thread.check('AuditLogs | take 1');
    await expect(thread.check('Heartbeat | take 1')).rejects.toMatchObject({ code: 'RATE_LIMITED', retryable: true });
    expect((await first).verdict).toBe('allow');
    expect((await second).verdict).toBe('allow');
    // Answered requests free their places.
    expect((await thread.check('Heartbeat | take 1')).verdict).toBe('allow');
  });

  it('cuts off a request that runs too long and moves the queued ones to a fresh worker', async () => {
    const thread = open({ policy: LONG_QUERIES, requestTimeoutMs: 1_000 });
    const slow = thread.check(SLOW_QUERY);
    const queued = thread.check('SigninLogs | take 1');
    await expect(slow).rejects.toMatchObject({ code: 'TIMEOUT', message: expect.stringContaining('did not finish within 1000 ms') });
    expect((await queued).verdict).toBe('allow');
  });

  it('fails the requests of a worker that dies, with a reason, and says so on every later one', async () => {
    // 8 MB cannot hold Kusto.Language: the worker runs out of memory while it loads.
    const thread = open({ maxHeapMb: 8 });
    await expect(thread.check('SigninLogs | take 1')).rejects.toMatchObject({
      code: 'DEPENDENCY_UNAVAILABLE',
      retryable: true,
      message: expect.stringContaining("The KQL guard's worker stopped"),
    });
    await expect(thread.check('SigninLogs | take 1')).rejects.toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE' });
  });

  it('refuses a request that cannot cross to the worker, and keeps working', async () => {
    const thread = open();
    const uncloneable = { ...alerts[0]!, extra: () => 'a function' } as unknown as Alert;
    await expect(thread.huntQueriesFor(uncloneable)).rejects.toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', message: expect.stringContaining('could not take the request') });
    expect((await thread.check('SigninLogs | take 1')).verdict).toBe('allow');
  });

  it('shares one worker per policy among the services of a process, until the last lease closes', async () => {
    const api = sharedHuntThread();
    const triage = sharedHuntThread();
    const strict = sharedHuntThread(KqlPolicy.parse({ tables: ['SigninLogs'] }));
    try {
      expect((await api.check('AuditLogs | take 1')).verdict).toBe('allow');
      expect((await strict.check('AuditLogs | take 1')).verdict).toBe('deny');
      await api.close();
      await api.close(); // a second close of one lease must not end the others'
      expect((await triage.check('AuditLogs | take 1')).verdict).toBe('allow');
    } finally {
      await triage.close();
      await strict.close();
    }
    // After the last lease, a new one starts a fresh worker.
    const again = sharedHuntThread();
    try {
      expect((await again.check('SigninLogs | take 1')).verdict).toBe('allow');
    } finally {
      await again.close();
    }
  });

  it('fails what is pending when closed, and refuses new work', async () => {
    const thread = open();
    const pending = expect(thread.check('SigninLogs | take 1')).rejects.toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', message: expect.stringContaining('closed') });
    await thread.close();
    await pending;
    await expect(thread.check('SigninLogs | take 1')).rejects.toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE' });
  });
});
