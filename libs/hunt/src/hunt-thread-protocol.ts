import type { Alert } from '@soc/contracts';
import type { KqlVerdict } from '@soc/kql';
import type { ErrorCode } from '@soc/runtime';
import type { HuntQueries, HuntQueriesOptions } from './hunt-queries.ts';

/** The bounds of a case's hunt list that cross the thread boundary (templates and SPL policy stay the defaults). */
export type HuntThreadOptions = Pick<HuntQueriesOptions, 'lookbackDays' | 'maxQueries' | 'maxPerEntity'>;

/** A message to the hunt worker. */
export type HuntThreadRequest =
  | { kind: 'check'; id: number; query: string }
  | { kind: 'hunts'; id: number; alert: Alert; options: HuntThreadOptions };

/** A message from the hunt worker. */
export type HuntThreadReply =
  | { kind: 'ready' }
  | { kind: 'result'; id: number; result: KqlVerdict | HuntQueries }
  | { kind: 'failure'; id: number; error: { code: ErrorCode; message: string; retryable: boolean } };
