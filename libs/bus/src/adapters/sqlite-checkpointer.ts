import { Worker } from 'node:worker_threads';

/**
 * The checkpointer's code. A string, not a module file, so it runs the same under plain Node, vitest and any
 * bundler: it needs nothing but `node:sqlite`.
 */
const CHECKPOINTER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const db = new DatabaseSync(workerData.path, { timeout: workerData.busyTimeoutMs });
db.exec('PRAGMA wal_autocheckpoint = 0');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
setInterval(() => {
  try {
    checkpoint.get();
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
}, workerData.intervalMs);
`;

/** Options of {@link startCheckpointer}. */
export interface CheckpointerOptions {
  readonly path: string;
  readonly intervalMs: number;
  readonly busyTimeoutMs: number;
  readonly onError: (message: string) => void;
}

/**
 * Runs WAL checkpoints on a worker thread. A checkpoint copies the WAL back into the database and, with
 * `synchronous=NORMAL`, fsyncs: done on the event loop it stalls every handler for that long, so the bus's
 * own connection only checkpoints as a safety net when this thread falls far behind. PASSIVE checkpoints never
 * block writers, and several processes may each run one on a shared file.
 */
export function startCheckpointer(options: CheckpointerOptions): { stop(): Promise<void> } {
  const worker = new Worker(CHECKPOINTER_SOURCE, {
    eval: true,
    workerData: { path: options.path, intervalMs: options.intervalMs, busyTimeoutMs: options.busyTimeoutMs },
  });
  worker.unref();
  worker.on('message', (m: { error?: string }) => {
    if (m.error !== undefined) options.onError(m.error);
  });
  worker.on('error', (error) => options.onError(error.message));
  return {
    stop: async () => {
      await worker.terminate();
    },
  };
}
