import { randomUUID } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import { ServiceBusClient } from '@azure/service-bus';
import { INJECT_RAW, type MemoryBus } from '../adapters/memory-bus.ts';
import { TARGET_SUBSCRIPTION_PROPERTY } from '../adapters/service-bus-mapping.ts';
import { DeliveryState } from '../adapters/sqlite-schema.ts';

/**
 * Ways to put a raw, possibly invalid body on one subscription, as a foreign or buggy producer could: publish()
 * refuses invalid events, so the dead-letter path for bad input is reached only like this.
 */

/** MemoryBus: through its test seam. */
export function injectRawMemory(
  bus: MemoryBus,
  subscription: string,
  body: unknown,
  messageId = `raw-${randomUUID()}`,
): Promise<void> {
  bus[INJECT_RAW](subscription, body, messageId);
  return Promise.resolve();
}

/** SqliteBus: writes the rows directly into the file, as another process with a bug would. A string body is stored as is (it need not be JSON). */
export function injectRawSqlite(
  path: string,
  subscription: string,
  body: unknown,
  messageId = `raw-${randomUUID()}`,
): Promise<void> {
  const db = new DatabaseSync(path, { timeout: 5_000 });
  try {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const type =
      typeof (body as { type?: unknown } | null)?.type === 'string' ? (body as { type: string }).type : 'unknown';
    const now = Date.now();
    db.exec('BEGIN IMMEDIATE');
    db.prepare('INSERT INTO bus_messages (id, type, correlation_id, body, published_at) VALUES (?, ?, NULL, ?, ?)').run(
      messageId,
      type,
      text,
      now,
    );
    db.prepare(
      'INSERT INTO bus_deliveries (subscription, message_id, state, visible_at, delivery_count) VALUES (?, ?, ?, ?, 0)',
    ).run(subscription, messageId, DeliveryState.active, now);
    db.exec('COMMIT');
  } finally {
    db.close();
  }
  return Promise.resolve();
}

/** ServiceBusBus: sends the body aimed at one subscription (the rule's target clause), bytes if it is a string. */
export async function injectRawServiceBus(
  connectionString: string,
  topic: string,
  subscription: string,
  body: unknown,
  messageId = `raw-${randomUUID()}`,
): Promise<void> {
  const client = new ServiceBusClient(connectionString);
  try {
    const sender = client.createSender(topic);
    await sender.sendMessages({
      messageId,
      body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
      applicationProperties: { [TARGET_SUBSCRIPTION_PROPERTY]: subscription },
    });
    await sender.close();
  } finally {
    await client.close();
  }
}
