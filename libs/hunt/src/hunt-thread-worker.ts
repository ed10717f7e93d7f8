import { parentPort, workerData } from 'node:worker_threads';
import { KqlPolicy, createKqlGuard } from '@soc/kql';
import { isAppError } from '@soc/runtime';
import { huntQueriesFor } from './hunt-queries.ts';
import type { HuntThreadReply, HuntThreadRequest } from './hunt-thread-protocol.ts';

// The worker side of HuntThread: builds and warms the guard once (Kusto.Language, about a second), says it is ready, then
// answers requests one at a time in arrival order. The policy was validated by the caller and is parsed again here,
// since a structured clone is plain data.
const port = parentPort;
if (port === null) throw new Error('hunt-thread-worker.ts runs only as a worker thread (see HuntThread)');
const guard = createKqlGuard(KqlPolicy.parse((workerData as { policy: unknown }).policy));
// The first check builds Kusto.Language's lazy lookup tables (a second or more): done here, it counts against the
// start-up time, not against the first request's timeout.
guard.check('SecurityEvent | where EventID == 4625 | summarize count() by Account | take 1');
port.postMessage({ kind: 'ready' } satisfies HuntThreadReply);

port.on('message', (request: HuntThreadRequest) => {
  try {
    const result = request.kind === 'check' ? guard.check(request.query) : huntQueriesFor(request.alert, guard, request.options);
    port.postMessage({ kind: 'result', id: request.id, result } satisfies HuntThreadReply);
  } catch (error) {
    const failure = isAppError(error)
      ? { code: error.code, message: error.message, retryable: error.retryable }
      : { code: 'INTERNAL' as const, message: error instanceof Error ? error.message : String(error), retryable: false };
    port.postMessage({ kind: 'failure', id: request.id, error: failure } satisfies HuntThreadReply);
  }
});
