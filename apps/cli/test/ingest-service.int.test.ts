import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestionService } from '@soc/ingestion';
import { runServices, type RunningSystem } from '@soc/platform';
import { GENERIC_ALERTS, lines, runSoc } from './support.ts';

/**
 * The CLI against the real ingestion service (hosted as `npm start` hosts it, on a SQLite bus): the response
 * shapes and the token file the CLI relies on are the service's own, not a fake's.
 */
describe('soc ingest and soc dlq against a running ingestion service', () => {
  let dataDir: string;
  let system: RunningSystem;
  let env: Record<string, string>;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'soc-cli-system-'));
    system = await runServices([ingestionService], {
      env: { SOC_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' },
      handleSignals: false,
    });
    // No SOC_SENDER_TOKEN: the service generated $SOC_DATA_DIR/sender-token, which the CLI must find.
    env = { SOC_DATA_DIR: dataDir };
  });
  afterAll(async () => {
    await system.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('ingests the 95 real alerts with the generated token; they are on the bus', async () => {
    const run = await runSoc(['ingest', GENERIC_ALERTS, '--url', system.url, '--batch', '30'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const receipts = lines(run.stdout).map((l) => l.split(' '));
    expect(receipts).toHaveLength(95);
    for (const [alertId, correlationId, ...rest] of receipts) {
      expect(alertId).toMatch(/^alt-/);
      expect(correlationId).toMatch(/\S/);
      expect(rest).toEqual([]);
    }
    const token = (await readFile(join(dataDir, 'sender-token'), 'utf8')).trim();
    expect(run.stdout).not.toContain(token);

    // Only ingestion runs, so every alert waits on the enrichment subscription.
    const depth = await system.platform.bus.depth();
    expect(depth.find((d) => d.subscription === 'enrichment')?.active).toBe(95);

    // Re-sending is harmless: same ids, same receipts, nothing new on the bus.
    const again = await runSoc(['ingest', GENERIC_ALERTS, '--url', system.url], env);
    expect(again.stdout).toBe(run.stdout);
    expect((await system.platform.bus.depth()).find((d) => d.subscription === 'enrichment')?.active).toBe(95);
  });

  it("prints the service's refusal with the offending file position", async () => {
    const [first, second] = lines(await readFile(GENERIC_ALERTS, 'utf8')).map(
      (l) => JSON.parse(l) as Record<string, unknown>,
    );
    const file = join(dataDir, 'bad.json');
    await writeFile(file, JSON.stringify([first, { ...second, severity: 'urgent' }]));
    const run = await runSoc(['ingest', file, '--url', system.url], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    const [reason, ...fields] = lines(run.stderr);
    expect(reason).toMatch(
      /^soc ingest: Batch 1 of 1 \(\[0\] to \[1\]\) refused: HTTP 400 The payload does not parse as generic alerts: Nothing was accepted\. The body is kept in quarantine as (q-[0-9a-f]{24}): fix the listed fields and resend, or replay it after a parser fix \(soc quarantine replay \1\)\./,
    );
    expect(fields).toHaveLength(1);
    expect(fields[0]).toMatch(/^ {2}\[1\]: severity: /);
  });

  it('reads the dead letters of the bus file the instance is using', async () => {
    const run = await runSoc(['dlq', 'list'], env);
    expect(run).toMatchObject({ code: 0, stdout: 'No dead letters.\n', stderr: '' });
  });
});
