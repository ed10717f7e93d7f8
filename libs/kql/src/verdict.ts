/** Why the guard denied a query; each code has one meaning (see the package README). */
export const KqlReasonCode = {
  emptyQuery: 'empty-query',
  queryTooLong: 'query-too-long',
  tooDeeplyNested: 'too-deeply-nested',
  syntaxError: 'syntax-error',
  controlCommand: 'control-command',
  multipleStatements: 'multiple-statements',
  noQueryStatement: 'no-query-statement',
  setStatement: 'set-statement',
  statementNotAllowed: 'statement-not-allowed',
  externalData: 'externaldata',
  externalTable: 'external-table',
  pluginDenied: 'plugin-denied',
  pluginNotAllowed: 'plugin-not-allowed',
  crossScope: 'cross-scope',
  wildcardTable: 'wildcard-table',
  searchAllTables: 'search-all-tables',
  findAllTables: 'find-all-tables',
  dynamicTable: 'dynamic-table',
  unknownTable: 'unknown-table',
  tableNotAllowed: 'table-not-allowed',
  tooManyJoins: 'too-many-joins',
  tooManyUnionLegs: 'too-many-union-legs',
  lookbackExceedsPolicy: 'lookback-exceeds-policy',
  internalError: 'internal-error',
} as const;
export type KqlReasonCode = (typeof KqlReasonCode)[keyof typeof KqlReasonCode];

/** One reason for a denial, with its place in the query as offsets into the input text. */
export interface KqlReason {
  code: string;
  message: string;
  start: number;
  end: number;
}

/** A column the query names that the table's published schema lacks: a warning, never a denial. */
export interface KqlColumnWarning {
  table: string;
  column: string;
  start: number;
  end: number;
}

/** The guard's answer for one query. */
export interface KqlVerdict {
  verdict: 'allow' | 'deny';
  /** Empty when allowed. */
  reasons: KqlReason[];
  /** Every table (and workspace function) the query reads, resolved through let, functions, joins and unions. */
  tables: string[];
  /** The query as it will run: the row cap appended as a final `| take N`. */
  query: string;
  unknownColumns: KqlColumnWarning[];
  /** The policy's lookback, ISO 8601: the executor passes it as the query timespan. */
  maxLookback: string;
  rowCap: number;
}

/** Checks KQL queries against one policy. */
export interface KqlGuard {
  /** Synchronous; never throws, whatever the input string. */
  check(query: string): KqlVerdict;
}
