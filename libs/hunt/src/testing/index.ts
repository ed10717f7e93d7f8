export { analyzeAgainst, parseShape } from './kusto.ts';
export type { ParsedShape } from './kusto.ts';
