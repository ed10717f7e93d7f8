import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openBus, type Bus, type BusLogger } from '@soc/bus';
import { ALL_SUBSCRIPTIONS, type SocEvent } from '@soc/contracts';
import { AppError, ErrorCode } from '@soc/runtime';
import { REPO_ROOT, eventually, lines, runSoc } from './support.ts';

const quiet: BusLogger = { warn: () => undefined, error: () => undefined };
const REFUSAL = 'threat-intel lookup refused the alert';

/** The contract fixture of soc.alert.received.v1 (a real Sentinel alert), with its id replaced when given. */
async function receivedEvent(id?: string): Promise<SocEvent> {
  const text = await readFile(join(REPO_ROOT, 'contracts/fixtures/soc.alert.received.v1.json'), 'utf8');
  const event = JSON.parse(text) as SocEvent;
  return id === undefined ? event : { ...event, id };
}

function openTestBus(path: string): Bus {
  return openBus({ kind: 'sqlite', path, pollIntervalMs: 10 }, { logger: quiet });
}

/**
 * Writes a bus file the way a running instance would leave it: the whole topology declared, the events
 * published, and an enrichment handler that refuses each with a non-retryable error, so each is dead-lettered.
 */
async function prepareDeadLetters(path: string, events: readonly SocEvent[]): Promise<void> {
  const bus = openTestBus(path);
  try {
    await bus.ensureTopology(ALL_SUBSCRIPTIONS);
    await bus.publish(events);
    const consumer = bus.subscribe({ subscription: 'enrichment' }, () =>
      Promise.reject(new AppError(ErrorCode.VALIDATION_FAILED, REFUSAL, { retryable: false })),
    );
    await eventually(
      async () => ((await bus.deadLetters.list()).length === events.length ? true : undefined),
      'the dead letters',
    );
    await consumer.close();
  } finally {
    await bus.close();
  }
}

function topologyVersion(path: string): string | undefined {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const row = db.prepare("SELECT value FROM bus_meta WHERE key = 'topology_version'").get() as
      { value: string } | undefined;
    return row?.value;
  } finally {
    db.close();
  }
}

async function caseViewDepth(path: string): Promise<number | undefined> {
  const bus = openTestBus(path);
  try {
    return (await bus.depth()).find((d) => d.subscription === 'case-view')?.active;
  } finally {
    await bus.close();
  }
}

describe('soc dlq (SQLite bus)', () => {
  let dataDir: string;
  let busFile: string;
  let env: Record<string, string>;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'soc-cli-dlq-'));
    busFile = join(dataDir, 'bus.sqlite');
    env = { SOC_DATA_DIR: dataDir };
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('lists, shows and replays a dead letter, which the consumer then receives again', async () => {
    const event = await receivedEvent();
    await prepareDeadLetters(busFile, [event]);
    const topologyBefore = topologyVersion(busFile);
    const caseViewBefore = await caseViewDepth(busFile);

    const list = await runSoc(['dlq', 'list', '--json'], env);
    expect(list.stderr).toBe('');
    expect(list.code).toBe(0);
    const rows = lines(list.stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toEqual([
      {
        id: `enrichment/${event.id}`,
        subscription: 'enrichment',
        messageId: event.id,
        type: 'soc.alert.received.v1',
        reason: 'VALIDATION_FAILED',
        description: expect.stringContaining(REFUSAL) as unknown,
        deliveryCount: 1,
        deadLetteredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
        correlationId: event.correlationid,
      },
    ]);
    const id = `enrichment/${event.id}`;

    const table = await runSoc(['dlq', 'list'], env);
    expect(table.code).toBe(0);
    const [header, row, ...rest] = lines(table.stdout);
    expect(header).toMatch(/^ID\s+SUBSCRIPTION\s+TYPE\s+REASON\s+DELIVERIES\s+DEAD-LETTERED AT\s+CORRELATION ID$/);
    expect(row?.split(/\s{2,}/)).toEqual([
      id,
      'enrichment',
      'soc.alert.received.v1',
      'VALIDATION_FAILED',
      '1',
      rows[0]?.deadLetteredAt,
      event.correlationid,
    ]);
    expect(rest).toEqual([]);

    const other = await runSoc(['dlq', 'list', '--subscription', 'triage', '--json'], env);
    expect(other).toMatchObject({ code: 0, stdout: '' });

    const show = await runSoc(['dlq', 'show', id], env);
    expect(show.code).toBe(0);
    const shown = JSON.parse(show.stdout) as Record<string, unknown>;
    expect(shown).toMatchObject({
      id,
      reason: 'VALIDATION_FAILED',
      deliveryCount: 1,
      correlationId: event.correlationid,
    });
    expect(shown.description).toContain(REFUSAL);
    expect(shown.body).toEqual(event);

    // Looking does not touch: no topology declared, nothing consumed from any subscription.
    expect(topologyVersion(busFile)).toBe(topologyBefore);
    expect(await caseViewDepth(busFile)).toBe(caseViewBefore);

    const replay = await runSoc(['dlq', 'replay', id], env);
    expect(replay).toMatchObject({ code: 0, stderr: '' });
    expect(replay.stdout).toBe(`Replayed 1 dead letter (${id}).\n`);
    expect(topologyVersion(busFile)).toBe(topologyBefore);

    const after = await runSoc(['dlq', 'list', '--json'], env);
    expect(after).toMatchObject({ code: 0, stdout: '' });

    // Back on its subscription with a fresh delivery count: a consumer gets it as a first delivery.
    const bus = openTestBus(busFile);
    try {
      const received: { id: string; deliveryCount: number }[] = [];
      const consumer = bus.subscribe({ subscription: 'enrichment' }, (e, delivery) => {
        received.push({ id: e.id, deliveryCount: delivery.deliveryCount });
        return Promise.resolve({ emit: [] });
      });
      await eventually(async () => (received.length > 0 ? true : undefined), 'the replayed message');
      await consumer.close();
      expect(received).toEqual([{ id: event.id, deliveryCount: 1 }]);
      expect(await bus.deadLetters.list()).toEqual([]);
    } finally {
      await bus.close();
    }
  });

  it('replays every dead letter of a subscription with --all', async () => {
    const events = [await receivedEvent('alert-received-cli-1'), await receivedEvent('alert-received-cli-2')];
    await prepareDeadLetters(busFile, events);

    const none = await runSoc(['dlq', 'replay', '--all', '--subscription', 'triage'], env);
    expect(none).toMatchObject({ code: 0, stdout: 'Replayed 0 dead letters of triage.\n' });

    const all = await runSoc(['dlq', 'replay', '--all', '--subscription', 'enrichment'], env);
    expect(all).toMatchObject({ code: 0, stdout: 'Replayed 2 dead letters of enrichment.\n', stderr: '' });
    expect((await runSoc(['dlq', 'list', '--json'], env)).stdout).toBe('');
  });

  it('honours --limit and finds the bus through SOC_BUS_FILE', async () => {
    const events = [await receivedEvent('alert-received-cli-1'), await receivedEvent('alert-received-cli-2')];
    await prepareDeadLetters(busFile, events);

    const limited = await runSoc(['dlq', 'list', '--limit', '1'], {
      SOC_BUS_FILE: busFile,
      SOC_DATA_DIR: join(dataDir, 'elsewhere'),
    });
    expect(limited.code).toBe(0);
    expect(lines(limited.stdout)).toHaveLength(2);
    expect(limited.stderr).toBe('soc: showing the first 1; use --limit to see more\n');
  });

  it('fails with one line for an unknown id, and leaves the bus as it was', async () => {
    await prepareDeadLetters(busFile, [await receivedEvent()]);
    for (const command of ['show', 'replay']) {
      const run = await runSoc(['dlq', command, 'enrichment/no-such-message'], env);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(lines(run.stderr)).toEqual([
        `soc dlq ${command}: No dead letter with id 'enrichment/no-such-message' (soc dlq list shows the ids)`,
      ]);
    }
    expect(lines((await runSoc(['dlq', 'list', '--json'], env)).stdout)).toHaveLength(1);
  });

  it('refuses a missing bus file instead of creating an empty one', async () => {
    const run = await runSoc(['dlq', 'list'], env);
    expect(run.code).toBe(1);
    expect(lines(run.stderr)).toEqual([
      `soc dlq list: No bus file at ${busFile}: run soc where the services run, or set SOC_DATA_DIR or SOC_BUS_FILE to theirs`,
    ]);
    expect(existsSync(busFile)).toBe(false);
  });

  it('explains that a memory bus cannot be reached, and reports bad configuration on one line', async () => {
    const memory = await runSoc(['dlq', 'list'], { SOC_BUS: 'memory' });
    expect(memory.code).toBe(1);
    expect(memory.stderr).toMatch(/^soc dlq list: SOC_BUS=memory keeps dead letters inside the process .*\n$/);

    const bad = await runSoc(['dlq', 'list'], { ...env, SOC_BUS: 'kafka', BUS_MAX_DELIVERY_COUNT: 'many' });
    expect(bad.code).toBe(1);
    expect(lines(bad.stderr)).toHaveLength(1);
    expect(bad.stderr).toMatch(
      /^soc dlq list: Invalid configuration: SOC_BUS: .*; BUS_MAX_DELIVERY_COUNT: .*\[CONFIGURATION_INVALID\]\n$/,
    );
  });

  it('rejects bad usage with exit code 2', async () => {
    await prepareDeadLetters(busFile, [await receivedEvent()]);
    const cases: [string[], RegExp][] = [
      [['dlq', 'list', '--subscription', 'nope'], /Unknown subscription 'nope' \(known: enrichment, triage, /],
      [['dlq', 'list', '--limit', '0'], /--limit must be a whole number of at least 1/],
      [['dlq', 'list', '--bogus'], /Unknown option '--bogus'/],
      [['dlq', 'show'], /Missing <id>/],
      [['dlq', 'replay'], /Missing <id> or --all/],
      [['dlq', 'replay', 'enrichment/x', '--all'], /either <id> or --all/],
      [['dlq', 'replay', 'enrichment/x', '--subscription', 'enrichment'], /--subscription applies to --all only/],
    ];
    for (const [args, message] of cases) {
      const run = await runSoc(args, env);
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
      expect(run.stderr).toMatch(message);
      expect(lines(run.stderr)).toHaveLength(1);
    }
    // Nothing was replayed by a refused command line.
    expect(lines((await runSoc(['dlq', 'list', '--json'], env)).stdout)).toHaveLength(1);
  });
});
