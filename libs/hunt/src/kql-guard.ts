import type { KqlGuard, KqlVerdict } from '@soc/kql';

/** The KQL guard this library checks every query with: `createKqlGuard()` of `@soc/kql`. */
export type KqlGuardLike = KqlGuard;
/** The KQL guard's verdict: allow/deny, reasons with positions, tables read, the query as it will run, unknown columns. */
export type KqlVerdictLike = KqlVerdict;
