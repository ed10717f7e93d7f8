import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LaneScheduler, type LaneAction } from '../src/adapters/lane-scheduler.ts';

const LANES = 4;
const [CRITICAL, HIGH, NORMAL, LOW] = [0, 1, 2, 3] as const;

/**
 * A broker with one FIFO per lane that answers receives right after the loop turn that issued them (fills with
 * what is there, watches as soon as a message arrives), driving a scheduler the way the receive loop does.
 * Handlers finish only when told to.
 */
class Simulation {
  readonly scheduler: LaneScheduler;
  readonly queues: string[][] = Array.from({ length: LANES }, () => []);
  readonly buffers: string[][] = Array.from({ length: LANES }, () => []);
  readonly running: string[] = [];
  readonly started: string[] = [];
  readonly actions: LaneAction[] = [];
  readonly #watching = new Set<number>();
  readonly #answers: { lane: number; max: number }[] = [];
  #maxHeld = 0;
  readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.scheduler = new LaneScheduler(capacity, LANES);
  }

  get maxHeld(): number {
    return this.#maxHeld;
  }

  /** Messages on the broker, per lane, in publish order. */
  publish(lane: number, ...ids: string[]): void {
    this.queues[lane]?.push(...ids);
    if (this.#watching.delete(lane)) {
      this.#answers.push({ lane, max: 1 });
      this.step();
    }
  }

  /** Finishes the oldest running handler (or the one named). */
  finish(id = this.running[0]): void {
    const at = this.running.indexOf(id ?? '');
    if (at < 0) throw new Error(`${id} is not running`);
    this.running.splice(at, 1);
    this.scheduler.finished();
    this.step();
  }

  /** Finishes handlers until nothing runs or is left anywhere. */
  drain(): void {
    this.step();
    while (this.running.length > 0) this.finish();
  }

  /** One loop turn (plan, act), then the broker's answers, each followed by its own turn. */
  step(): void {
    this.#turn();
    for (let answer = this.#answers.shift(); answer !== undefined; answer = this.#answers.shift()) {
      const taken = (this.queues[answer.lane] as string[]).splice(0, answer.max);
      this.buffers[answer.lane]?.push(...taken);
      this.scheduler.received(answer.lane, taken.length);
      this.#turn();
    }
  }

  #turn(): void {
    for (const action of this.scheduler.plan()) {
      this.actions.push(action);
      switch (action.kind) {
        case 'start': {
          const id = this.buffers[action.lane]?.shift();
          if (id === undefined) throw new Error(`start on lane ${action.lane} with nothing buffered`);
          this.running.push(id);
          this.started.push(id);
          break;
        }
        case 'fill':
          this.#answers.push({ lane: action.lane, max: action.max });
          break;
        case 'watch':
          if ((this.queues[action.lane]?.length ?? 0) > 0) this.#answers.push({ lane: action.lane, max: 1 });
          else this.#watching.add(action.lane);
          break;
      }
    }
    const held = this.running.length + this.buffers.reduce((n, b) => n + b.length, 0);
    this.#maxHeld = Math.max(this.#maxHeld, held);
    expect(this.running.length).toBeLessThanOrEqual(this.capacity);
  }
}

const ids = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('LaneScheduler', () => {
  it('takes a backlog lane by lane, each in order, whatever the capacity', () => {
    for (const capacity of [1, 3, 16]) {
      const sim = new Simulation(capacity);
      sim.publish(LOW, ...ids('l', 5));
      sim.publish(NORMAL, ...ids('n', 4));
      sim.publish(HIGH, ...ids('h', 3));
      sim.publish(CRITICAL, ...ids('c', 2));
      sim.drain();
      expect(sim.started).toEqual([...ids('c', 2), ...ids('h', 3), ...ids('n', 4), ...ids('l', 5)]);
    }
  });

  it('gives a critical message the next free slot while every slot is busy with a low flood', () => {
    const sim = new Simulation(4);
    sim.publish(LOW, ...ids('l', 100));
    sim.step();
    expect(sim.running).toEqual(ids('l', 4));
    sim.publish(CRITICAL, 'c0');
    // Received by the critical lane's watch even though no slot was free, and first in line.
    expect(sim.buffers[CRITICAL]).toEqual(['c0']);
    sim.finish();
    expect(sim.running).toContain('c0');
    expect(sim.started.slice(0, 5)).toEqual([...ids('l', 4), 'c0']);
  });

  it('does not read a lower lane while a higher one still has messages', () => {
    const sim = new Simulation(2);
    sim.publish(LOW, ...ids('l', 50));
    sim.publish(CRITICAL, ...ids('c', 50));
    sim.drain();
    expect(sim.started).toEqual([...ids('c', 50), ...ids('l', 50)]);
    // Fills went to the critical lane until it came up short.
    const firstLowFill = sim.actions.findIndex((a) => a.kind === 'fill' && a.lane === LOW);
    const lastCriticalFill = sim.actions.findLastIndex((a) => a.kind === 'fill' && a.lane === CRITICAL);
    expect(firstLowFill).toBeGreaterThan(lastCriticalFill);
  });

  it('keeps a watch on every idle lane and starts an arrival at once when a slot is free', () => {
    const sim = new Simulation(8);
    sim.step();
    expect(sim.actions.filter((a) => a.kind === 'fill').map((a) => a.lane)).toEqual([CRITICAL, HIGH, NORMAL, LOW]);
    const watches = sim.actions.filter((a) => a.kind === 'watch').map((a) => a.lane);
    expect(watches.sort()).toEqual([CRITICAL, HIGH, NORMAL, LOW]);
    sim.publish(NORMAL, 'n0');
    expect(sim.running).toEqual(['n0']);
  });

  it('does not receive (and lock) lower-lane messages that would only wait behind a busy higher lane', () => {
    const sim = new Simulation(2);
    sim.publish(NORMAL, ...ids('n', 10));
    sim.step();
    expect(sim.running).toEqual(['n0', 'n1']);
    sim.publish(LOW, ...ids('l', 10));
    expect(sim.buffers[LOW]).toEqual([]);
    expect(sim.queues[LOW]).toHaveLength(10);
  });

  it('marks a lane cold after a short fill, so the next fill goes down a lane without an empty round trip', () => {
    const sim = new Simulation(4);
    sim.publish(CRITICAL, 'c0');
    sim.publish(NORMAL, ...ids('n', 2));
    sim.step();
    const fills = sim.actions.filter((a) => a.kind === 'fill').map((a) => [a.lane, a.max]);
    expect(fills.slice(0, 3)).toEqual([
      [CRITICAL, 4],
      [HIGH, 3],
      [NORMAL, 3],
    ]);
    expect(sim.started).toEqual(['c0', 'n0', 'n1']);
  });

  it('counts fills in progress against the free slots when a higher lane wakes up', () => {
    const scheduler = new LaneScheduler(4, LANES);
    expect(scheduler.plan()).toEqual([{ kind: 'fill', lane: CRITICAL, max: 4 }]);
    scheduler.received(CRITICAL, 0);
    expect(scheduler.plan()).toEqual([
      { kind: 'watch', lane: CRITICAL },
      { kind: 'fill', lane: HIGH, max: 4 },
    ]);
    scheduler.received(HIGH, 0);
    expect(scheduler.plan()).toEqual([
      { kind: 'watch', lane: HIGH },
      { kind: 'fill', lane: NORMAL, max: 4 },
    ]);
    // The critical watch delivers while the normal fill (4 slots' worth) is still out: start it, ask for no more.
    scheduler.received(CRITICAL, 1);
    expect(scheduler.plan()).toEqual([{ kind: 'start', lane: CRITICAL }]);
    scheduler.received(NORMAL, 2);
    expect(scheduler.plan()).toEqual([
      { kind: 'start', lane: NORMAL },
      { kind: 'start', lane: NORMAL },
      { kind: 'fill', lane: CRITICAL, max: 1 },
    ]);
  });

  it('refuses a report that does not match what it planned', () => {
    const scheduler = new LaneScheduler(1, LANES);
    expect(() => scheduler.received(LOW, 1)).toThrow(/No receive is in progress on lane 3/);
    expect(() => scheduler.finished()).toThrow(/without a started handler/);
    expect(() => new LaneScheduler(0, LANES)).toThrow(RangeError);
  });

  it('never runs more than its capacity, holds at most one extra message per lane, and starts every message', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('publish' as const), lane: fc.integer({ min: 0, max: LANES - 1 }), n: fc.nat(6) }),
      fc.record({ kind: fc.constant('finish' as const), index: fc.nat(20) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(op, { maxLength: 60 }), (capacity, ops) => {
        const sim = new Simulation(capacity);
        let published = 0;
        sim.step();
        for (const o of ops) {
          if (o.kind === 'publish') {
            sim.publish(o.lane, ...ids(`p${published}-`, o.n));
            published += o.n;
          } else if (sim.running.length > 0) {
            sim.finish(sim.running[o.index % sim.running.length]);
          }
        }
        sim.drain();
        expect(sim.maxHeld).toBeLessThanOrEqual(capacity + LANES);
        expect(sim.started).toHaveLength(published);
        expect(new Set(sim.started).size).toBe(published);
        expect(sim.queues.flat()).toEqual([]);
      }),
    );
  });
});
