import { readFileSync } from 'node:fs';
import { AppError, ErrorCode, manualClock } from '@soc/runtime';
import { describe, expect, it } from 'vitest';
import {
  EventHubsIngestError,
  eventHubsHandlers,
  type EventHubsLogger,
  type HubEvent,
} from '../src/adapters/event-hubs/index.ts';
import { FakeIngestor, FakePartition, hubEvent } from '../src/adapters/event-hubs/testing.ts';

const exportBatch = JSON.parse(
  readFileSync(
    new URL('../../../test/fixtures/alerts/eventhubs/sentinel-data-export-batch.json', import.meta.url),
    'utf8',
  ),
) as {
  records: Record<string, unknown>[];
};
const [alertA, crowdStrikeA, claroty, alertB, crowdStrikeB] = exportBatch.records;

const silent: EventHubsLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

function setup(options: { defaultSource?: 'cef'; intervalMs?: number; maxEvents?: number } = {}) {
  const ingestor = new FakeIngestor();
  const clock = manualClock();
  const warnings: string[] = [];
  const handlers = eventHubsHandlers<HubEvent>({
    ingestor,
    clock,
    defaultSource: options.defaultSource,
    checkpoint: { intervalMs: options.intervalMs ?? 10_000, maxEvents: options.maxEvents ?? 1_000 },
    logger: { ...silent, warn: (_obj, msg) => warnings.push(msg) },
  });
  const partition = new FakePartition('3', 'siem-stream');
  return { ingestor, clock, handlers, partition, warnings };
}

describe('Event Hubs event processing', () => {
  it('ingests a Sentinel data export batch grouped by source and quarantines the record no source reads', async () => {
    const { ingestor, handlers, partition } = setup();
    await handlers.processInitialize(partition);
    await handlers.processEvents([hubEvent(7, exportBatch)], partition);

    expect(ingestor.ingested).toEqual([
      {
        source: 'sentinel',
        body: { records: [alertA, alertB] },
        sender: 'eventhubs:siem-stream/3',
        senderName: 'eventhubs:siem-stream',
        receivedVia: 'eventhubs',
      },
      {
        source: 'cef',
        body: { records: [crowdStrikeA, crowdStrikeB] },
        sender: 'eventhubs:siem-stream/3',
        senderName: 'eventhubs:siem-stream',
        receivedVia: 'eventhubs',
      },
    ]);
    expect(ingestor.quarantined).toHaveLength(1);
    expect(ingestor.quarantined[0]).toMatchObject({
      source: 'eventhubs',
      body: { records: [claroty] },
      sender: 'eventhubs:siem-stream/3',
      receivedVia: 'eventhubs',
    });
    expect(ingestor.quarantined[0]?.reason).toContain('neither Type nor category');
    expect(ingestor.quarantined[0]?.reason).toContain('event 7 of siem-stream/3');
  });

  it('names the stream, not the partition, as the sender behind alert ids: an alert keeps its id on any partition', async () => {
    const { ingestor, handlers } = setup();
    await handlers.processEvents([hubEvent(1, alertA)], new FakePartition('0', 'siem-stream'));
    await handlers.processEvents([hubEvent(1, alertA)], new FakePartition('5', 'siem-stream'));
    expect(ingestor.ingested.map((r) => [r.sender, r.senderName])).toEqual([
      ['eventhubs:siem-stream/0', 'eventhubs:siem-stream'],
      ['eventhubs:siem-stream/5', 'eventhubs:siem-stream'],
    ]);
  });

  it('reads an array of records and a single record as well as {"records":[…]}', async () => {
    const { ingestor, handlers, partition } = setup();
    await handlers.processEvents([hubEvent(1, [alertA, crowdStrikeA]), hubEvent(2, alertB)], partition);
    expect(ingestor.ingested.map((r) => [r.source, r.body])).toEqual([
      ['sentinel', { records: [alertA] }],
      ['cef', { records: [crowdStrikeA] }],
      ['sentinel', { records: [alertB] }],
    ]);
  });

  it('routes records of unknown kind to the default source of a one-product hub', async () => {
    const { ingestor, handlers, partition } = setup({ defaultSource: 'cef' });
    await handlers.processEvents([hubEvent(1, { records: [claroty, crowdStrikeA] })], partition);
    expect(ingestor.ingested).toEqual([
      {
        source: 'cef',
        body: { records: [claroty, crowdStrikeA] },
        sender: 'eventhubs:siem-stream/3',
        senderName: 'eventhubs:siem-stream',
        receivedVia: 'eventhubs',
      },
    ]);
    expect(ingestor.quarantined).toEqual([]);
  });

  it('quarantines a body that is not JSON, with the reason and the text as received, and moves on', async () => {
    const { ingestor, handlers, partition } = setup();
    const cefLine = 'CEF:0|Claroty|CTD|2.7.0|Baseline|None|Unapproved|cat=Create';
    await handlers.processEvents([hubEvent(1, cefLine), hubEvent(2, { records: [alertA] })], partition);
    expect(ingestor.quarantined).toHaveLength(1);
    expect(ingestor.quarantined[0]).toMatchObject({
      source: 'eventhubs',
      body: cefLine,
      sender: 'eventhubs:siem-stream/3',
    });
    expect(ingestor.quarantined[0]?.reason).toMatch(/^Event body is not JSON \(.+\): expected JSON/);
    expect(ingestor.ingested.map((r) => r.body)).toEqual([{ records: [alertA] }]);
  });

  it('quarantines bytes that are not UTF-8 base64-encoded, and JSON that is not records as it is', async () => {
    const { ingestor, handlers, partition } = setup({ defaultSource: 'cef' });
    const bytes = Uint8Array.from([0xff, 0xfe, 0x00, 0x41]);
    await handlers.processEvents([hubEvent(1, bytes), hubEvent(2, 42)], partition);
    expect(ingestor.quarantined.map((q) => [q.source, q.body])).toEqual([
      ['cef', Buffer.from(bytes).toString('base64')],
      ['cef', 42],
    ]);
    expect(ingestor.quarantined[0]?.reason).toContain('not UTF-8');
    expect(ingestor.quarantined[1]?.reason).toContain('JSON number, not records');
    expect(ingestor.ingested).toEqual([]);
  });

  it('treats a body its parser quarantined as handled: it is kept, and the checkpoint moves past it', async () => {
    const { ingestor, handlers, partition, warnings } = setup();
    ingestor.quarantineWhen = () => true;
    await handlers.processEvents([hubEvent(1, { records: [alertA] })], partition);
    await handlers.processClose('Shutdown', partition);
    expect(warnings).toEqual(['Event Hubs records quarantined by their parser']);
    expect(partition.checkpoints.map((e) => e.sequenceNumber)).toEqual([1]);
  });

  it('stops at an ingest that rejects, and never checkpoints past it', async () => {
    const { ingestor, handlers, partition } = setup({ maxEvents: 1 });
    await handlers.processInitialize(partition);
    const alertBId = String(alertB?.['SystemAlertId']);
    ingestor.failWhen = (request) => JSON.stringify(request.body).includes(alertBId);
    const events = [
      hubEvent(10, { records: [alertA] }),
      hubEvent(11, { records: [crowdStrikeA, alertB] }),
      hubEvent(12, { records: [crowdStrikeB] }),
    ];

    const failure = await handlers.processEvents(events, partition).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(EventHubsIngestError);
    // Not retryable: the SDK then closes the partition and re-reads it from the checkpoint instead of skipping ahead.
    expect((failure as EventHubsIngestError).retryable).toBe(false);
    expect((failure as Error).message).toContain('event 11 of siem-stream/3');
    // Event 12 was never ingested; event 11's first group (cef) was, and will be again on redelivery (idempotent).
    expect(ingestor.records()).toEqual([alertA, crowdStrikeA]);
    expect(partition.checkpoints).toEqual([]);

    // Until the partition restarts from its checkpoint, later deliveries are refused rather than ingested.
    ingestor.failWhen = () => false;
    await expect(handlers.processEvents([events[2] as HubEvent], partition)).rejects.toThrow(/waiting for event 11/);
    expect(ingestor.records()).toEqual([alertA, crowdStrikeA]);

    // The SDK closes the partition: the flush checkpoints event 10, the last one fully ingested, and no further.
    await handlers.processClose('Shutdown', partition);
    expect(partition.checkpoints.map((e) => e.sequenceNumber)).toEqual([10]);

    // Claimed again, it is read from event 11 on.
    await handlers.processInitialize(partition);
    await handlers.processEvents(events.slice(1), partition);
    expect(partition.checkpoints.map((e) => e.sequenceNumber)).toEqual([10, 12]);
  });

  it('quarantines records whose event can never be published (non-retryable) with the reason, and goes on', async () => {
    const { ingestor, handlers, partition, warnings } = setup({ maxEvents: 1 });
    await handlers.processInitialize(partition);
    const alertBId = String(alertB?.['SystemAlertId']);
    ingestor.failWhen = (request) => JSON.stringify(request.body).includes(alertBId);
    ingestor.failure = () => new AppError(ErrorCode.PAYLOAD_TOO_LARGE, 'Service Bus could not publish: MessageSizeExceeded: the message is larger than 256 KB', { retryable: false });
    const events = [hubEvent(10, { records: [alertA] }), hubEvent(11, { records: [crowdStrikeA, alertB] }), hubEvent(12, { records: [crowdStrikeB] })];

    await handlers.processEvents(events, partition);
    // Not retried forever: the records are kept with the reason, the partition moves on and checkpoints past them.
    expect(ingestor.quarantined).toEqual([
      expect.objectContaining({ source: 'sentinel', body: { records: [alertB] }, receivedVia: 'eventhubs', reason: expect.stringMatching(/never will be.*MessageSizeExceeded.*event 11 of siem-stream\/3/) }),
    ]);
    expect(ingestor.records()).toEqual([alertA, crowdStrikeA, crowdStrikeB]);
    expect(partition.checkpoints.map((e) => e.sequenceNumber)).toEqual([12]);
    expect(warnings).toEqual(['Event Hubs records quarantined: their event cannot be published']);
  });

  it('holds the partition, and quarantines nothing, on a non-retryable error that is not the records\' (a revoked role, a closed bus)', async () => {
    const { ingestor, handlers, partition } = setup({ maxEvents: 1 });
    await handlers.processInitialize(partition);
    for (const failure of [
      new AppError(ErrorCode.UNAUTHORIZED, 'Service Bus could not send: UnauthorizedAccess: the role was revoked', { retryable: false }),
      new AppError(ErrorCode.PRECONDITION_FAILED, 'The bus is closed', { retryable: false }),
    ]) {
      ingestor.failWhen = () => true;
      ingestor.failure = () => failure;
      await expect(handlers.processEvents([hubEvent(20, { records: [alertA] })], partition)).rejects.toThrow(EventHubsIngestError);
      expect(ingestor.quarantined).toEqual([]);
      expect(partition.checkpoints).toEqual([]);
      await handlers.processClose('Shutdown', partition);
      await handlers.processInitialize(partition);
    }
  });

  it('checkpoints on the interval, on idle batches, and on close', async () => {
    const { clock, handlers, partition } = setup({ intervalMs: 10_000 });
    await handlers.processInitialize(partition);
    for (let seq = 1; seq <= 12; seq++) {
      clock.advance(1_000);
      await handlers.processEvents([hubEvent(seq, { records: [alertA] })], partition);
    }
    expect(partition.checkpoints.map((e) => e.sequenceNumber)).toEqual([10]);
    await handlers.processEvents([], partition);
    expect(partition.checkpoints).toHaveLength(1);
    clock.advance(10_000);
    await handlers.processEvents([], partition);
    expect(partition.checkpoints.map((e) => e.sequenceNumber)).toEqual([10, 12]);
    await handlers.processEvents([hubEvent(13, { records: [alertA] })], partition);
    await handlers.processClose('OwnershipLost', partition);
    expect(partition.checkpoints.map((e) => e.sequenceNumber)).toEqual([10, 12, 13]);
  });

  it('goes on ingesting when a checkpoint cannot be written, and warns', async () => {
    const { ingestor, clock, handlers, partition, warnings } = setup({ intervalMs: 1_000 });
    await handlers.processInitialize(partition);
    partition.failCheckpoints = true;
    clock.advance(1_000);
    await handlers.processEvents([hubEvent(1, { records: [alertA] }), hubEvent(2, { records: [alertB] })], partition);
    expect(ingestor.records()).toEqual([alertA, alertB]);
    expect(warnings).toContain('Event Hubs checkpoint write failed; retrying at the next interval');
    partition.failCheckpoints = false;
    await handlers.processClose('Shutdown', partition);
    expect(partition.checkpoints.map((e) => e.sequenceNumber)).toEqual([2]);
  });

  it('keeps partitions apart', async () => {
    const { ingestor, handlers } = setup({ maxEvents: 1 });
    const p0 = new FakePartition('0');
    const p1 = new FakePartition('1');
    ingestor.failWhen = (request) => request.sender.endsWith('/1');
    await handlers.processEvents([hubEvent(5, { records: [alertA] })], p0);
    await expect(handlers.processEvents([hubEvent(5, { records: [alertA] })], p1)).rejects.toBeInstanceOf(
      EventHubsIngestError,
    );
    await handlers.processEvents([hubEvent(6, { records: [alertB] })], p0);
    expect(p0.checkpoints.map((e) => e.sequenceNumber)).toEqual([5, 6]);
    expect(p1.checkpoints).toEqual([]);
  });
});
