export { createKqlGuard } from './guard.ts';
export { ALWAYS_DENIED_PLUGINS, CROSS_SCOPE_FUNCTIONS, DEFAULT_ALLOWED_PLUGINS, KqlPolicy, defaultKqlPolicy, durationMs, loadKqlPolicy } from './policy.ts';
export { appendRowCap } from './rewrite.ts';
export { KqlReasonCode } from './verdict.ts';
export type { KqlColumnWarning, KqlGuard, KqlReason, KqlVerdict } from './verdict.ts';
