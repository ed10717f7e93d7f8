export { responseChecker, templateMatcher } from './openapi-check.ts';
export type { CheckResult, CheckableDocument, ObservedResponse } from './openapi-check.ts';
