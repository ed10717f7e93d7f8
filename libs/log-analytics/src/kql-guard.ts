// The guard every run passes: `@soc/kql`'s, re-exported so callers of this package need no second import.
export type { KqlColumnWarning, KqlGuard, KqlReason, KqlVerdict } from '@soc/kql';
