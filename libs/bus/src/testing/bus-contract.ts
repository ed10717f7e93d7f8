import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AlertEnrichedV1, causedBy, type EventByType, MAX_DELIVERY_DELAY_MS, MAX_EVENT_BYTES, type Priority, type SocEvent, type SubscriptionSpec } from '@soc/contracts';
import { AppError, ErrorCode } from '@soc/runtime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bus, BusObserver, Consumer, DeadLetter, EventHandler, HandledDelivery, RetryPolicy } from '../port.ts';
import { sampleAlertEnriched, sampleAlertReceived } from './events.ts';

/** Topic the contract suite uses where the broker needs one declared up front (the Service Bus emulator). */
export const CONTRACT_TOPIC = 'soc-contract';

/** The topology every contract run declares. */
export const CONTRACT_SUBSCRIPTIONS = [
  { name: 'c-alerts', types: ['soc.alert.received.v1'] },
  { name: 'c-enriched', types: ['soc.alert.enriched.v1'] },
  { name: 'c-audit', types: ['soc.alert.received.v1', 'soc.alert.enriched.v1'] },
  { name: 'c-failures', types: ['soc.processing.failed.v1'] },
] as const satisfies readonly SubscriptionSpec[];

/** Short backoffs so retry tests take milliseconds; 5 s locks because that is Service Bus's minimum. */
export const CONTRACT_RETRY_POLICY: RetryPolicy = {
  maxDeliveryCount: 3,
  initialBackoffMs: 20,
  maxBackoffMs: 100,
  lockDurationMs: 5_000,
};

/** What the suite passes to the factory. */
export interface BusFixtureOptions {
  readonly retry: RetryPolicy;
  readonly observer: BusObserver;
}

/** A bus under test plus the back door each adapter needs for the invalid-message test. */
export interface BusFixture {
  readonly bus: Bus;
  /** Puts a raw (possibly invalid) body on one subscription, as a foreign producer could. */
  injectRaw(subscription: string, body: unknown, messageId: string): Promise<void>;
  /** Extra teardown after `bus.close()` (temporary files …). */
  dispose?(): Promise<void>;
  /**
   * A new bus on the same storage or broker, as a restarted process would open it (the old one is closed first).
   * Required when the suite runs with `durable: true`.
   */
  reopen?(): Promise<Bus>;
}

/** Builds a fresh bus for each test. */
export type MakeBus = (options: BusFixtureOptions) => Promise<BusFixture>;

/** Options of {@link describeBusContract}. */
export interface BusContractOptions {
  /** Skip the whole suite (e.g. no container runtime); say why with a console.warn where you decide it. */
  readonly skip?: boolean;
  /**
   * False when tests share one broker (an emulator): counts are then checked as lower bounds and every
   * assertion filters by the test's own ids. Default true (a fresh bus per test).
   */
  readonly isolated?: boolean;
  /** How long to wait for an asynchronous outcome. Default 10 s. */
  readonly waitMs?: number;
  /**
   * True for adapters whose messages outlive the process (SqliteBus, Service Bus): the restart cases run, through
   * {@link BusFixture.reopen}. False (MemoryBus) reports them as skipped. Default false.
   */
  readonly durable?: boolean;
}

/** A W3C traceparent the recording observer stamps, so tests can see stamping happened. */
export const CONTRACT_TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

interface RecordingObserver {
  readonly observer: BusObserver;
  readonly handled: HandledDelivery[];
  readonly deadLettered: DeadLetter[];
  /** Ids stamped while a handler's `around` was running (outcome events). */
  readonly stampedInside: Set<string>;
}

function recordingObserver(): RecordingObserver {
  const rec: RecordingObserver = {
    handled: [],
    deadLettered: [],
    stampedInside: new Set(),
    observer: {
      around: async (_subscription, _event, fn) => {
        depth++;
        try {
          return await fn();
        } finally {
          depth--;
        }
      },
      handled: (h) => rec.handled.push(h),
      deadLettered: (d) => rec.deadLettered.push(d),
      stamp: (event) => {
        if (depth > 0) rec.stampedInside.add(event.id);
        return event.traceparent === undefined ? { ...event, traceparent: CONTRACT_TRACEPARENT } : event;
      },
    },
  };
  let depth = 0;
  return rec;
}

type Received = EventByType<'soc.alert.received.v1'>;
type Failed = EventByType<'soc.processing.failed.v1'>;

/**
 * The one conformance suite every Bus adapter passes (STYLE §20): routing, correlation, idempotent publish,
 * validation at the edge, retry and dead-lettering, processing.failed, replay, graceful close, concurrency,
 * priority lanes and depth. Call it from an adapter's test file with a factory that returns a fresh bus.
 */
/** What a promise rejected with, or undefined when it resolved. */
const rejectionOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

export function describeBusContract(name: string, makeBus: MakeBus, options: BusContractOptions = {}): void {
  const isolated = options.isolated ?? true;
  const waitMs = options.waitMs ?? 10_000;

  describe.skipIf(options.skip === true)(`Bus contract: ${name}`, () => {
    let fixture: BusFixture;
    let bus: Bus;
    let run: string;
    let rec: RecordingObserver;
    const consumers: Consumer[] = [];

    beforeEach(async () => {
      run = `t${randomUUID().slice(0, 8)}`;
      rec = recordingObserver();
      fixture = await makeBus({ retry: CONTRACT_RETRY_POLICY, observer: rec.observer });
      bus = fixture.bus;
      await bus.ensureTopology(CONTRACT_SUBSCRIPTIONS);
    });

    afterEach(async () => {
      await Promise.all(consumers.splice(0).map((c) => c.close()));
      await bus.close();
      await fixture.dispose?.();
    });

    const mine = (e: SocEvent): boolean => e.correlationid.startsWith(run);
    const alert = (n: number, priority?: Priority): Received =>
      sampleAlertReceived(n, priority === undefined ? { run } : { run, priority });
    const consume = (subscription: string, handler: EventHandler, maxConcurrency?: number): Consumer => {
      const c = bus.subscribe({ subscription, ...(maxConcurrency === undefined ? {} : { maxConcurrency }) }, handler);
      consumers.push(c);
      return c;
    };
    /** Records this test's events on a subscription and completes everything else untouched. */
    const collect = (subscription: string): SocEvent[] => {
      const seen: SocEvent[] = [];
      consume(subscription, async (e) => {
        if (mine(e)) seen.push(e);
        return { emit: [] };
      });
      return seen;
    };
    const eventually = async <T>(
      probe: () => T | undefined | false | Promise<T | undefined | false>,
      what: string,
    ): Promise<T> => {
      const deadline = Date.now() + waitMs;
      let last: unknown;
      for (;;) {
        try {
          const value = await probe();
          if (value) return value;
        } catch (error) {
          last = error;
        }
        if (Date.now() > deadline)
          throw new Error(`Timed out after ${waitMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
        await sleep(10);
      }
    };
    const myDeadLetters = async (subscription: string): Promise<DeadLetter[]> =>
      (await bus.deadLetters.list({ subscription, limit: 1_000 })).filter(
        (d) => d.messageId.startsWith(run) || (d.correlationId?.startsWith(run) ?? false),
      );
    const settle = (): Promise<void> => sleep(250);

    it('delivers each event only to the subscriptions of its type', async () => {
      const seen = { alerts: collect('c-alerts'), enriched: collect('c-enriched'), audit: collect('c-audit') };
      const received = alert(1);
      await bus.publish([received, sampleAlertEnriched(received)]);
      await eventually(
        () => seen.audit.length === 2 && seen.alerts.length === 1 && seen.enriched.length === 1,
        'fan-out',
      );
      await settle();
      expect(seen.alerts.map((e) => e.type)).toEqual(['soc.alert.received.v1']);
      expect(seen.enriched.map((e) => e.type)).toEqual(['soc.alert.enriched.v1']);
      expect(seen.audit.map((e) => e.type).sort()).toEqual(['soc.alert.enriched.v1', 'soc.alert.received.v1']);
    });

    it('publishes outcome events with correlation and causation from their cause, stamped inside around', async () => {
      consume('c-alerts', async (e) => ({ emit: mine(e) ? [sampleAlertEnriched(e as Received)] : [] }));
      const outcomes = collect('c-enriched');
      const received = alert(1);
      await bus.publish([received]);
      const [outcome] = await eventually(() => (outcomes.length === 1 ? outcomes : undefined), 'the outcome event');
      expect(outcome).toMatchObject({
        type: 'soc.alert.enriched.v1',
        correlationid: received.correlationid,
        causationid: received.id,
        tenantid: received.tenantid,
        traceparent: CONTRACT_TRACEPARENT,
      });
      expect(rec.stampedInside.has(outcome?.id ?? '')).toBe(true);
      await eventually(
        () => rec.handled.some((h) => h.event.id === received.id && h.subscription === 'c-alerts'),
        'the handled report',
      );
      const handled = rec.handled.find((h) => h.event.id === received.id && h.subscription === 'c-alerts');
      expect(handled).toMatchObject({ result: 'completed', deliveryCount: 1 });
    });

    it('is idempotent by event id: a re-published id is not delivered again', async () => {
      const seen = collect('c-alerts');
      const received = alert(1);
      await bus.publish([received]);
      await bus.publish([received, received]);
      await eventually(() => seen.length >= 1, 'the first delivery');
      await bus.publish([received]);
      await settle();
      expect(seen.map((e) => e.id)).toEqual([received.id]);
    });

    it('rejects an invalid event at publish with a non-retryable VALIDATION_FAILED and stores nothing', async () => {
      const seen = collect('c-alerts');
      const good = alert(1);
      const bad = { ...alert(2), data: { alert: 'not an alert' } } as unknown as SocEvent;
      const rejection = await rejectionOf(bus.publish([good, bad]));
      expect(rejection).toMatchObject({ name: 'AppError', code: ErrorCode.VALIDATION_FAILED, retryable: false });
      expect((rejection as Error).message).toContain(bad.id);
      await settle();
      expect(seen).toEqual([]);
    });

    /** An alert as the contract allows it but over the bus budget: ten URLs of 30,000 characters (~300 KB). */
    const oversized = (n: number): Received => {
      const received = alert(n);
      const urls = Array.from({ length: 10 }, (_, i) => ({ id: `url:long-${i}`, type: 'url' as const, value: `https://example.org/${String(i).repeat(30_000)}`, origin: 'source' as const }));
      return { ...received, data: { ...received.data, alert: { ...received.data.alert, entities: [...received.data.alert.entities, ...urls] } } };
    };

    it('refuses at publish an event over the bus budget with a non-retryable PAYLOAD_TOO_LARGE, as Service Bus would, and stores nothing', async () => {
      const seen = collect('c-alerts');
      const big = oversized(1);
      expect(JSON.stringify(big).length).toBeGreaterThan(MAX_EVENT_BYTES);
      const rejection = await rejectionOf(bus.publish([big]));
      expect(rejection).toMatchObject({ name: 'AppError', code: ErrorCode.PAYLOAD_TOO_LARGE, retryable: false });
      expect((rejection as Error).message).toContain(big.id);
      await settle();
      expect(seen).toEqual([]);
    });

    it('dead-letters at once, with PAYLOAD_TOO_LARGE, a delivery whose handler emits an event over the budget', async () => {
      let calls = 0;
      consume('c-alerts', async (e) => {
        if (!mine(e)) return { emit: [] };
        calls++;
        const big = oversized(2).data.alert;
        return { emit: [causedBy(e as Received, AlertEnrichedV1, { alert: big, enrichment: { facts: [], missing: [] } }, { source: '/contract', time: new Date() })] };
      });
      const enriched = collect('c-enriched');
      const failures = collect('c-failures');
      await bus.publish([alert(2)]);
      const [dead] = await eventually(async () => {
        const list = await myDeadLetters('c-alerts');
        return list.length === 1 ? list : undefined;
      }, 'the dead letter');
      expect(dead).toMatchObject({ reason: 'PAYLOAD_TOO_LARGE', deliveryCount: 1 });
      await eventually(() => failures.length === 1, 'processing.failed');
      expect(calls).toBe(1);
      expect(enriched).toEqual([]);
    });

    it('dead-letters invalid messages at once with the rejection reason, without calling the handler', async () => {
      let calls = 0;
      consume('c-alerts', async (e) => {
        if (mine(e)) calls++;
        return { emit: [] };
      });
      const failures = collect('c-failures');
      const valid = alert(1);
      await fixture.injectRaw('c-alerts', { ...valid, id: `${run}-schema`, data: { alert: 42 } }, `${run}-schema`);
      await fixture.injectRaw(
        'c-alerts',
        { ...valid, id: `${run}-type`, type: 'soc.alert.unheard-of.v1' },
        `${run}-type`,
      );
      await fixture.injectRaw('c-alerts', `${run} is not JSON {`, `${run}-malformed`);
      const dead = await eventually(async () => {
        const list = await myDeadLetters('c-alerts');
        return list.length === 3 ? list : undefined;
      }, 'three dead letters');
      const byId = new Map(dead.map((d) => [d.messageId, d]));
      expect(byId.get(`${run}-schema`)).toMatchObject({
        reason: 'SchemaValidationFailed',
        type: 'soc.alert.received.v1',
        correlationId: valid.correlationid,
      });
      expect(byId.get(`${run}-type`)).toMatchObject({ reason: 'UnknownEventType', type: 'soc.alert.unheard-of.v1' });
      expect(byId.get(`${run}-malformed`)).toMatchObject({ reason: 'MalformedEnvelope' });
      for (const d of dead) {
        expect(d.description.length).toBeGreaterThan(0);
        expect(d.subscription).toBe('c-alerts');
      }
      expect(byId.get(`${run}-type`)?.description).toContain('soc.alert.unheard-of.v1');
      expect(calls).toBe(0);
      expect(rec.deadLettered.filter((d) => d.messageId.startsWith(run))).toHaveLength(3);
      const depth = (await bus.depth()).find((d) => d.subscription === 'c-alerts');
      expect(depth?.deadLettered).toBeGreaterThanOrEqual(3);
      await settle();
      // A message that never parsed has no trustworthy journey to report a failure on.
      expect(failures).toEqual([]);
    });

    it('retries a retryable failure with backoff, then completes it', async () => {
      const attempts: { count: number; at: number }[] = [];
      consume('c-alerts', async (e, delivery) => {
        if (!mine(e)) return { emit: [] };
        attempts.push({ count: delivery.deliveryCount, at: Date.now() });
        if (delivery.deliveryCount < 3)
          throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'threat intel is down', { retryable: true });
        return { emit: [sampleAlertEnriched(e as Received)] };
      });
      const outcomes = collect('c-enriched');
      const received = alert(1);
      await bus.publish([received]);
      await eventually(() => outcomes.length === 1, 'the outcome after retries');
      expect(attempts.map((a) => a.count)).toEqual([1, 2, 3]);
      const gap = (attempts[1]?.at ?? 0) - (attempts[0]?.at ?? 0);
      expect(gap).toBeGreaterThanOrEqual(CONTRACT_RETRY_POLICY.initialBackoffMs * 0.8 - 5);
      const results = rec.handled
        .filter((h) => h.event.id === received.id && h.subscription === 'c-alerts')
        .map((h) => h.result);
      expect(results).toEqual(['retried', 'retried', 'completed']);
      expect(await myDeadLetters('c-alerts')).toEqual([]);
    });

    it('dead-letters with MaxDeliveryCountExceeded when retries run out, and publishes soc.processing.failed.v1', async () => {
      consume('c-alerts', async (e) => {
        if (mine(e)) throw new Error(`enrichment crashed for ${run}`);
        return { emit: [] };
      });
      const failures = collect('c-failures');
      const received = alert(1);
      await bus.publish([received]);
      const [dead] = await eventually(async () => {
        const list = await myDeadLetters('c-alerts');
        return list.length === 1 ? list : undefined;
      }, 'the dead letter');
      expect(dead).toMatchObject({
        subscription: 'c-alerts',
        reason: 'MaxDeliveryCountExceeded',
        type: received.type,
        correlationId: received.correlationid,
        deliveryCount: CONTRACT_RETRY_POLICY.maxDeliveryCount,
      });
      expect(dead?.description).toContain(`enrichment crashed for ${run}`);
      expect(dead?.body).toMatchObject({ id: received.id, type: received.type });
      expect(rec.deadLettered.some((d) => d.id === dead?.id)).toBe(true);
      const [failed] = (await eventually(
        () => (failures.length === 1 ? failures : undefined),
        'processing.failed',
      )) as Failed[];
      expect(failed).toMatchObject({
        type: 'soc.processing.failed.v1',
        correlationid: received.correlationid,
        causationid: received.id,
        data: {
          subscription: 'c-alerts',
          failedEventId: received.id,
          failedEventType: received.type,
          alertId: received.data.alert.alertId,
          reason: 'MaxDeliveryCountExceeded',
          deliveryCount: CONTRACT_RETRY_POLICY.maxDeliveryCount,
        },
      });
      const results = rec.handled.filter((h) => h.event.id === received.id).map((h) => h.result);
      expect(results).toEqual(['retried', 'retried', 'dead-lettered']);
    });

    it('dead-letters a non-retryable AppError at once, with its code and message', async () => {
      let calls = 0;
      consume('c-alerts', async (e) => {
        if (!mine(e)) return { emit: [] };
        calls++;
        throw new AppError(ErrorCode.POLICY_VIOLATION, 'tenant tenant-a is suspended', { retryable: false });
      });
      const failures = collect('c-failures');
      const received = alert(1);
      await bus.publish([received]);
      const [dead] = await eventually(async () => {
        const list = await myDeadLetters('c-alerts');
        return list.length === 1 ? list : undefined;
      }, 'the dead letter');
      expect(dead).toMatchObject({
        reason: 'POLICY_VIOLATION',
        description: 'tenant tenant-a is suspended',
        deliveryCount: 1,
      });
      await eventually(() => failures.length === 1, 'processing.failed');
      expect((failures[0] as Failed).data.reason).toBe('POLICY_VIOLATION');
      expect(calls).toBe(1);
    });

    it('does not publish soc.processing.failed.v1 for a failed soc.processing.failed.v1', async () => {
      consume('c-alerts', async (e) => {
        if (mine(e)) throw new AppError(ErrorCode.POLICY_VIOLATION, 'refused', { retryable: false });
        return { emit: [] };
      });
      const seen: SocEvent[] = [];
      consume('c-failures', async (e) => {
        if (!mine(e)) return { emit: [] };
        seen.push(e);
        throw new AppError(ErrorCode.INTERNAL, 'the case store rejected it', { retryable: false });
      });
      await bus.publish([alert(1)]);
      await eventually(
        async () => (await myDeadLetters('c-failures')).length === 1,
        'the processing.failed dead letter',
      );
      await settle();
      expect(seen).toHaveLength(1);
    });

    it('replays a dead letter with a fresh delivery count, and it is then processed', async () => {
      let broken = true;
      const counts: number[] = [];
      consume('c-alerts', async (e, delivery) => {
        if (!mine(e)) return { emit: [] };
        counts.push(delivery.deliveryCount);
        if (broken)
          throw new AppError(ErrorCode.CONFIGURATION_INVALID, 'no enrichment source configured', { retryable: false });
        return { emit: [sampleAlertEnriched(e as Received)] };
      });
      const outcomes = collect('c-enriched');
      const received = alert(1);
      await bus.publish([received]);
      const [dead] = await eventually(async () => {
        const list = await myDeadLetters('c-alerts');
        return list.length === 1 ? list : undefined;
      }, 'the dead letter');
      const id = (dead as DeadLetter).id;
      expect(await bus.deadLetters.get(id)).toMatchObject({
        id,
        reason: 'CONFIGURATION_INVALID',
        messageId: dead?.messageId,
      });
      broken = false;
      expect(await bus.deadLetters.replay(id)).toBe(true);
      await eventually(() => outcomes.length === 1, 'the outcome after replay');
      expect(counts).toEqual([1, 1]);
      expect(outcomes[0]).toMatchObject({ causationid: received.id, correlationid: received.correlationid });
      await eventually(async () => (await bus.deadLetters.get(id)) === undefined, 'the dead letter to be gone');
      expect(await bus.deadLetters.replay(id)).toBe(false);
      expect(await bus.deadLetters.replay('c-alerts/999999999')).toBe(false);
    });

    it('replayAll re-drives every dead letter of a subscription', async () => {
      let broken = true;
      consume('c-alerts', async (e) => {
        if (mine(e) && broken) throw new AppError(ErrorCode.CONFIGURATION_INVALID, 'not yet', { retryable: false });
        return { emit: mine(e) ? [sampleAlertEnriched(e as Received)] : [] };
      });
      const outcomes = collect('c-enriched');
      await bus.publish([alert(1), alert(2), alert(3)]);
      await eventually(async () => (await myDeadLetters('c-alerts')).length === 3, 'three dead letters');
      broken = false;
      const replayed = await bus.deadLetters.replayAll({ subscription: 'c-alerts' });
      if (isolated) expect(replayed).toBe(3);
      else expect(replayed).toBeGreaterThanOrEqual(3);
      await eventually(() => outcomes.length === 3, 'three outcomes');
      expect(await myDeadLetters('c-alerts')).toEqual([]);
    });

    /** A handler still busy (300 ms) with a published alert when this returns. */
    async function startSlowHandler() {
      let finished = false;
      let started!: () => void;
      const isStarted = new Promise<void>((resolve) => (started = resolve));
      const consumer = consume('c-alerts', async (e) => {
        if (!mine(e)) return { emit: [] };
        started();
        await sleep(300);
        finished = true;
        return { emit: [sampleAlertEnriched(e as Received)] };
      });
      const received = alert(1);
      await bus.publish([received]);
      await isStarted;
      return { consumer, received, isFinished: () => finished };
    }

    it('consumer.close() waits for in-flight handlers and their settlement', async () => {
      const slow = await startSlowHandler();
      await slow.consumer.close();
      const { received } = slow;
      expect(slow.isFinished()).toBe(true);
      expect(rec.handled.find((h) => h.event.id === received.id)?.result).toBe('completed');
      const outcomes = collect('c-enriched');
      await eventually(() => outcomes.length === 1, 'the outcome published before close returned');
    });

    it('bus.close() waits for in-flight handlers and pending commits', async () => {
      const slow = await startSlowHandler();
      await bus.close();
      const { received } = slow;
      expect(slow.isFinished()).toBe(true);
      expect(rec.handled.find((h) => h.event.id === received.id)?.result).toBe('completed');
      await expect(bus.publish([alert(2)])).rejects.toMatchObject({ code: ErrorCode.PRECONDITION_FAILED });
    });

    it('honours the concurrency limit', async () => {
      let active = 0;
      let peak = 0;
      let done = 0;
      consume(
        'c-alerts',
        async (e) => {
          if (!mine(e)) return { emit: [] };
          active++;
          peak = Math.max(peak, active);
          await sleep(40);
          active--;
          done++;
          return { emit: [] };
        },
        3,
      );
      await bus.publish(Array.from({ length: 12 }, (_, i) => alert(i)));
      await eventually(() => done === 12, 'all twelve handled');
      expect(peak).toBeLessThanOrEqual(3);
      expect(peak).toBeGreaterThanOrEqual(2);
    });

    it('serves higher lanes first: a critical event published after many low ones is in the first batch, and each lane stays FIFO', async () => {
      // Bound: the consumer starts with a backlog, so its first receive (up to maxConcurrency messages) must
      // already take the critical event: fewer than maxConcurrency events may be handled before it.
      const maxConcurrency = 4;
      const lows = Array.from({ length: 40 }, (_, i) => alert(i, 'low'));
      const critical = alert(40, 'critical');
      await bus.publish(lows);
      await bus.publish([critical]);
      const started: string[] = [];
      consume(
        'c-alerts',
        async (e) => {
          if (mine(e)) started.push(e.id);
          return { emit: [] };
        },
        maxConcurrency,
      );
      await eventually(() => started.length === lows.length + 1, 'every alert handled');
      expect(started.indexOf(critical.id)).toBeGreaterThanOrEqual(0);
      expect(started.indexOf(critical.id)).toBeLessThan(maxConcurrency);
      expect(started.filter((id) => id !== critical.id)).toEqual(lows.map((e) => e.id));
    });

    it('with one slot, takes every lane in order (critical, high, normal — with or without the attribute — low), each in publish order', async () => {
      const lows = [alert(0, 'low'), alert(1, 'low')];
      const unmarked = [alert(2), alert(3)];
      const highs = [alert(4, 'high'), alert(5, 'high')];
      const criticals = [alert(6, 'critical'), alert(7, 'critical')];
      const late = { low: alert(8, 'low'), normal: alert(9, 'normal') };
      await bus.publish([...lows, ...unmarked, ...highs, ...criticals, late.low, late.normal]);
      const started: string[] = [];
      consume(
        'c-alerts',
        async (e) => {
          if (mine(e)) started.push(e.id);
          return { emit: [] };
        },
        1,
      );
      const expected = [...criticals, ...highs, ...unmarked, late.normal, ...lows, late.low].map((e) => e.id);
      await eventually(() => started.length === expected.length, 'every alert handled');
      expect(started).toEqual(expected);
    });

    it('keeps a journey in its lane: an outcome built with causedBy carries its cause priority', async () => {
      consume('c-alerts', async (e) => ({ emit: mine(e) ? [sampleAlertEnriched(e as Received)] : [] }));
      const outcomes = collect('c-enriched');
      const received = alert(1, 'critical');
      await bus.publish([received]);
      const [outcome] = await eventually(() => (outcomes.length === 1 ? outcomes : undefined), 'the outcome event');
      expect(outcome).toMatchObject({ causationid: received.id, priority: 'critical' });
    });

    /** An alert of this run scheduled `ms` after now (negative: in the past). */
    const scheduled = (n: number, ms: number): Received => ({ ...alert(n), deliverat: new Date(Date.now() + ms).toISOString() });
    /** Records when each of this test's events arrives on a subscription. */
    const arrivals = (subscription: string): Map<string, number> => {
      const at = new Map<string, number>();
      consume(subscription, async (e) => {
        if (mine(e) && !at.has(e.id)) at.set(e.id, Date.now());
        return { emit: [] };
      });
      return at;
    };
    /** How long before its time a scheduled delivery may arrive: clock granularity and a broker on another clock. */
    const EARLY_MARGIN_MS = 100;
    const DELAY_MS = 1_500;

    it('does not deliver a scheduled event (deliverat) before its time, and delivers it after', async () => {
      const at = arrivals('c-alerts');
      const later = scheduled(1, DELAY_MS);
      const now = alert(2);
      await bus.publish([later, now]);
      await eventually(() => at.has(now.id), 'the unscheduled event');
      await sleep(Math.max(0, Date.parse(later.deliverat ?? '') - Date.now() - 4 * EARLY_MARGIN_MS));
      expect(at.has(later.id)).toBe(false);
      const arrived = await eventually(() => at.get(later.id), 'the scheduled event');
      expect(arrived).toBeGreaterThanOrEqual(Date.parse(later.deliverat ?? '') - EARLY_MARGIN_MS);
      await settle();
      expect([...at.keys()].sort()).toEqual([later.id, now.id].sort());
    });

    it('delivers at once an event whose deliverat has passed', async () => {
      const at = arrivals('c-alerts');
      const past = scheduled(1, -60_000);
      const published = Date.now();
      await bus.publish([past]);
      const arrived = await eventually(() => at.get(past.id), 'the event');
      // Far sooner than any schedule: at most the adapter's ordinary latency.
      expect(arrived - published).toBeLessThan(Math.min(waitMs, 5_000));
    });

    it('schedules the events a handler emits with deliverat (HandlerOutcome.emit), not before their time', async () => {
      const due = new Map<string, number>();
      consume('c-alerts', async (e) => {
        if (!mine(e)) return { emit: [] };
        const outcome = { ...sampleAlertEnriched(e as Received), deliverat: new Date(Date.now() + DELAY_MS).toISOString() };
        due.set(outcome.id, Date.parse(outcome.deliverat));
        return { emit: [outcome] };
      });
      const at = arrivals('c-enriched');
      await bus.publish([alert(1)]);
      const [[id, dueAt]] = await eventually(() => (due.size === 1 ? [...due] : undefined), 'the handled alert') as [[string, number]];
      await sleep(Math.max(0, dueAt - Date.now() - 4 * EARLY_MARGIN_MS));
      expect(at.has(id)).toBe(false);
      const arrived = await eventually(() => at.get(id), 'the scheduled outcome');
      expect(arrived).toBeGreaterThanOrEqual(dueAt - EARLY_MARGIN_MS);
    });

    it('keeps a scheduled event idempotent by id: re-published before and after its time, it is delivered once', async () => {
      const seen = collect('c-alerts');
      const later = scheduled(1, DELAY_MS);
      await bus.publish([later]);
      await bus.publish([later, { ...later }]);
      await eventually(() => seen.length >= 1, 'the scheduled event');
      await bus.publish([{ ...later }]);
      await settle();
      expect(seen.map((e) => e.id)).toEqual([later.id]);
    });

    it(`refuses at publish a deliverat more than ${MAX_DELIVERY_DELAY_MS / 86_400_000} days ahead with a non-retryable VALIDATION_FAILED, and stores nothing`, async () => {
      const seen = collect('c-alerts');
      const good = alert(1);
      const tooFar = scheduled(2, MAX_DELIVERY_DELAY_MS + 60_000);
      const rejection = await rejectionOf(bus.publish([good, tooFar]));
      expect(rejection).toMatchObject({ name: 'AppError', code: ErrorCode.VALIDATION_FAILED, retryable: false });
      expect((rejection as Error).message).toContain(tooFar.id);
      expect((rejection as Error).message).toContain('deliverat');
      await settle();
      expect(seen).toEqual([]);
      // Just inside the bound is accepted (and waits).
      await expect(bus.publish([scheduled(3, MAX_DELIVERY_DELAY_MS - 60_000)])).resolves.toBeUndefined();
    });

    it('dead-letters at once, with VALIDATION_FAILED, a delivery whose handler emits a deliverat beyond the bound', async () => {
      consume('c-alerts', async (e) => ({
        emit: mine(e) ? [{ ...sampleAlertEnriched(e as Received), deliverat: new Date(Date.now() + MAX_DELIVERY_DELAY_MS + 60_000).toISOString() }] : [],
      }));
      const enriched = collect('c-enriched');
      await bus.publish([alert(1)]);
      const [dead] = await eventually(async () => {
        const list = await myDeadLetters('c-alerts');
        return list.length === 1 ? list : undefined;
      }, 'the dead letter');
      expect(dead).toMatchObject({ reason: ErrorCode.VALIDATION_FAILED, deliveryCount: 1 });
      expect(dead?.description).toContain('deliverat');
      await settle();
      expect(enriched).toEqual([]);
    });

    it.skipIf(options.durable !== true)('keeps a scheduled event across a restart and delivers it after its time', async () => {
      const later = scheduled(1, DELAY_MS);
      await bus.publish([later]);
      await bus.close();
      if (fixture.reopen === undefined) throw new Error('a durable fixture must implement reopen()');
      bus = await fixture.reopen();
      const at = arrivals('c-alerts');
      const arrived = await eventually(() => at.get(later.id), 'the scheduled event after the restart');
      expect(arrived).toBeGreaterThanOrEqual(Date.parse(later.deliverat ?? '') - EARLY_MARGIN_MS);
      // The re-opened bus still knows the id: re-publishing it delivers nothing more.
      await bus.publish([{ ...later }]);
      await settle();
      expect([...at.keys()]).toEqual([later.id]);
    });

    it('probe resolves while the bus can serve and rejects once it is closed', async () => {
      await expect(bus.probe()).resolves.toBeUndefined();
      await bus.close();
      await expect(bus.probe()).rejects.toThrow(/closed/);
    });

    it('counts a scheduled delivery not yet due as scheduled, never as active (a timer is not a backlog)', async () => {
      await bus.publish([{ ...alert(1), deliverat: new Date(Date.now() + 10 * 60_000).toISOString() }]);
      const of = async () => (await bus.depth()).find((x) => x.subscription === 'c-alerts');
      if (isolated) {
        const depth = await of();
        expect(depth?.active).toBe(0);
        // Service Bus holds a scheduled message at the topic until due, where no subscription's count sees it.
        expect([0, 1]).toContain(depth?.scheduled);
      }
      await bus.publish([alert(2)]);
      await eventually(async () => ((await of())?.active ?? 0) >= 1 || undefined, 'the unscheduled message');
      if (isolated) expect((await of())?.active).toBe(1);
    });

    it('reports depth per subscription', async () => {
      await bus.publish([alert(1), alert(2)]);
      const depth = await eventually(async () => {
        const d = await bus.depth();
        return (d.find((x) => x.subscription === 'c-alerts')?.active ?? 0) >= 2 ? d : undefined;
      }, 'two active messages');
      const of = (s: string) => depth.find((d) => d.subscription === s);
      expect(depth.map((d) => d.subscription).sort()).toEqual(CONTRACT_SUBSCRIPTIONS.map((s) => s.name).sort());
      if (isolated) {
        expect(of('c-alerts')).toEqual({ subscription: 'c-alerts', active: 2, deadLettered: 0, scheduled: 0 });
        expect(of('c-audit')).toEqual({ subscription: 'c-audit', active: 2, deadLettered: 0, scheduled: 0 });
        expect(of('c-enriched')).toEqual({ subscription: 'c-enriched', active: 0, deadLettered: 0, scheduled: 0 });
      } else {
        expect(of('c-audit')?.active).toBeGreaterThanOrEqual(2);
      }
    });
  });
}
