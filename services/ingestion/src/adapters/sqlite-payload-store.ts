import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { PayloadStore, StoredPayload } from '../ports.ts';

interface PendingPut {
  key: string;
  payload: StoredPayload;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * {@link PayloadStore} in its own SQLite file (the embedded default). Bodies are plain rows with no JSON indexes,
 * and every put of one event-loop turn shares one transaction (group commit), so storing a request's body costs
 * one row insert, not a commit. WAL with `synchronous=NORMAL`, like the SQLite bus: survives a process crash.
 * {@link SqlitePayloadStore.purgeOlderThan} enforces retention; the service runs it hourly.
 */
export class SqlitePayloadStore implements PayloadStore {
  private readonly db: DatabaseSync;
  private readonly upsert: StatementSync;
  private readonly select: StatementSync;
  private queue: PendingPut[] = [];
  private flushScheduled = false;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new DatabaseSync(path, { timeout: 5000 });
    this.db.exec('PRAGMA journal_mode = WAL');
    this.db.exec('PRAGMA synchronous = NORMAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS payloads (
      key TEXT PRIMARY KEY,
      source TEXT NOT NULL,
      media_type TEXT NOT NULL,
      received_at TEXT NOT NULL,
      stored_at INTEGER NOT NULL,
      body TEXT NOT NULL
    ) STRICT`);
    this.db.exec('CREATE INDEX IF NOT EXISTS payloads_by_age ON payloads (stored_at)');
    this.upsert = this.db.prepare(
      `INSERT INTO payloads (key, source, media_type, received_at, stored_at, body) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET stored_at = excluded.stored_at`,
    );
    this.select = this.db.prepare('SELECT source, media_type, received_at, body FROM payloads WHERE key = ?');
  }

  put(key: string, payload: StoredPayload): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ key, payload, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  async probe(): Promise<void> {
    this.select.get('');
  }

  get(key: string): Promise<StoredPayload | undefined> {
    const row = this.select.get(key) as { source: string; media_type: string; received_at: string; body: string } | undefined;
    return Promise.resolve(row && { source: row.source, mediaType: row.media_type, receivedAt: row.received_at, body: row.body });
  }

  /** Deletes payloads stored (or last re-sent) before `cutoff`; returns how many. */
  purgeOlderThan(cutoff: Date): number {
    return Number(this.db.prepare('DELETE FROM payloads WHERE stored_at < ?').run(cutoff.getTime()).changes);
  }

  close(): void {
    this.flush();
    this.db.close();
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const now = Date.now();
    try {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        for (const { key, payload } of batch) this.upsert.run(key, payload.source, payload.mediaType, payload.receivedAt, now, payload.body);
        this.db.exec('COMMIT');
      } catch (error) {
        if (this.db.isTransaction) this.db.exec('ROLLBACK');
        throw error;
      }
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    for (const p of batch) p.resolve();
  }
}
