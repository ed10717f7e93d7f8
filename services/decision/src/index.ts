export { applyPolicy, fromCopilot, recommend, refusalOf } from './decide.ts';
export type { CheckInput, DecisionInput, Origin, Recommendation, Rejection } from './decide.ts';
export { decide, makeDecisionHandler } from './handler.ts';
export type { DecisionContext } from './handler.ts';
export { DEFAULT_POLICY_PATH, DecisionPolicy, atLeast, loadPolicy } from './policy.ts';
export { decisionService } from './service.ts';
export { DecisionConfig } from './config.ts';
