import { lexSpl, macroTable, type SplMacro, type SplToken } from './lexer.ts';

/**
 * SPL commands that write, delete, send data out, run code or run searches the guard cannot see. Splunk's own
 * "risky commands" list (SPL safeguards: collect, delete, dump, map, mcollect, meventcollect, outputcsv,
 * outputlookup, run, runshellscript, script, sendalert, sendemail, tscollect; AI Toolkit: fit, deletemodel, ai,
 * aiagent) plus the commands that do the same without being on it. The reasoning per command is in the README.
 */
export const DENIED_SPL_COMMANDS: Readonly<Record<string, string>> = {
  delete: 'makes events unsearchable (deletes data)',
  collect: 'writes results into a (summary) index',
  mcollect: 'writes results into a metrics index',
  meventcollect: 'writes events into a metrics index',
  tscollect: 'writes tsidx files',
  outputlookup: 'writes or overwrites a lookup table or KV store collection',
  outputcsv: 'writes a CSV file on the search head',
  outputtext: 'writes result text to a file',
  dump: 'exports search results to files on the server',
  sendemail: 'emails results out of Splunk',
  sendalert: 'triggers an alert action (webhooks, scripts, tickets)',
  sendresults: 'emails results out of Splunk',
  script: 'runs an external script on the search head',
  run: 'runs an external script on the search head (alias of script)',
  runshellscript: 'runs a scripted alert',
  map: 'runs a search per result; the searches it runs are built at run time and cannot be checked',
  savedsearch: 'runs a stored search whose text the guard cannot see',
  rest: 'calls REST endpoints of the Splunk deployment (configuration, credentials, other servers)',
  dbxquery: 'runs SQL against a DB Connect database',
  dbxoutput: 'writes into a DB Connect database',
  dbxlookup: 'queries a DB Connect database',
  crawl: 'adds file system inputs (deprecated)',
  input: 'adds or disables inputs (deprecated)',
  fit: 'trains and saves a model (AI Toolkit risky command)',
  deletemodel: 'deletes a saved model (AI Toolkit risky command)',
  ai: 'sends data to an LLM service (AI Toolkit risky command)',
  aiagent: 'invokes an AI agent (AI Toolkit risky command)',
  curl: 'makes HTTP requests from the search head (Webtools add-on)',
  ldapsearch: 'queries Active Directory over LDAP (SA-ldapsearch)',
  ldapfetch: 'queries Active Directory over LDAP (SA-ldapsearch)',
  ldapgroup: 'queries Active Directory over LDAP (SA-ldapsearch)',
  ldapfilter: 'queries Active Directory over LDAP (SA-ldapsearch)',
  snowincident: 'creates ServiceNow incidents',
  snowincidentstream: 'creates ServiceNow incidents',
  snowevent: 'creates ServiceNow events',
  snoweventstream: 'creates ServiceNow events',
};

/**
 * The commands an SPL query may use by default: Splunk's search commands that only read events, lookups,
 * metadata or models and compute on results (Search Reference, 9.x). A command on neither list — from an app the
 * guard has never heard of — is denied: an app command can do anything, and the denied list can only name the
 * writers we know. `loadjob` is allowed: it reads the stored results of a search that already ran (Splunk's
 * permissions apply), unlike `savedsearch`, which runs a text the guard cannot see. Left off on purpose although
 * they only read: `history` (other searches' texts) and `audit` (the audit index). A policy adds its own
 * (`allowedCommands`).
 */
export const ALLOWED_SPL_COMMANDS: ReadonlySet<string> = new Set([
  // generating and reading
  'search', 'tstats', 'mstats', 'mcatalog', 'mpreview', 'msearch', 'inputlookup', 'inputcsv', 'from', 'datamodel', 'pivot',
  'metadata', 'metasearch', 'makeresults', 'gentimes', 'eventcount', 'dbinspect', 'typeahead', 'walklex', 'multisearch',
  'searchtxn', 'loadjob',
  // filtering, shaping and enriching results
  'where', 'regex', 'head', 'tail', 'reverse', 'sort', 'dedup', 'uniq', 'fields', 'table', 'rename', 'eval', 'rex', 'erex',
  'replace', 'convert', 'fillnull', 'filldown', 'makemv', 'mvexpand', 'mvcombine', 'nomv', 'spath', 'xmlkv', 'xmlunescape',
  'xpath', 'kvform', 'extract', 'kv', 'multikv', 'fromjson', 'tojson', 'lookup', 'iplocation', 'geom', 'geomfilter',
  'tags', 'typer', 'strcat', 'fieldformat', 'rangemap', 'reltime', 'localize', 'bin', 'bucket', 'bucketdir', 'addinfo',
  'setfields', 'format', 'return', 'require', 'highlight', 'iconify', 'abstract', 'untable', 'xyseries', 'transpose',
  'makecontinuous', 'makejson', 'foreach', 'localop', 'redistribute', 'noop',
  // combining
  'append', 'appendcols', 'appendpipe', 'join', 'selfjoin', 'union', 'set',
  // statistics, reporting and analytics
  'stats', 'eventstats', 'streamstats', 'chart', 'timechart', 'timewrap', 'top', 'rare', 'addtotals', 'addcoltotals',
  'accum', 'delta', 'autoregress', 'trendline', 'predict', 'x11', 'concurrency', 'contingency', 'correlate',
  'associate', 'arules', 'cofilter', 'cluster', 'kmeans', 'anomalies', 'anomalousvalue', 'anomalydetection', 'outlier',
  'analyzefields', 'fieldsummary', 'findtypes', 'typelearner', 'transaction', 'geostats', 'gauge', 'overlap', 'diff',
  'sichart', 'sirare', 'sistats', 'sitimechart', 'sitop',
  // Machine Learning Toolkit commands that apply or describe a model (fit, deletemodel are denied)
  'apply', 'summary', 'score',
]);

/** Commands whose `[ … ]` argument is a sub-pipeline: its first word is a command, not a search term. */
const SUBPIPELINE_COMMANDS = new Set(['appendpipe', 'foreach']);
/** Commands that take time modifiers (`earliest=`) as search terms. */
const TIME_SCOPED_COMMANDS = new Set(['search', 'tstats', 'mstats', 'mpreview', 'msearch', 'metadata', 'from', 'datamodel', 'pivot', 'multisearch']);
/** Old time modifiers with no bound the guard can check; `earliest=` says the same thing checkably. */
const DEPRECATED_TIME_MODIFIERS = new Set([
  'starttime', 'starttimeu', 'daysago', 'hoursago', 'minutesago', 'monthsago', 'startdaysago', 'starthoursago',
  'startminutesago', 'startmonthsago', 'searchtimespandays', 'searchtimespanhours', 'searchtimespanminutes', 'searchtimespanmonths',
]);

/** What an SPL query may do. */
export interface SplPolicy {
  deniedCommands: Readonly<Record<string, string>>;
  /** Commands the query may use; `'*'` allows every command not denied (the denied list alone). */
  allowedCommands: ReadonlySet<string> | '*';
  /** Appended as a final `| head N`. */
  rowCap: number;
  /** Longest lookback an `earliest=` in the query may ask for, and the `earliest_time` the executor passes. */
  maxLookbackSeconds: number;
  maxQueryLength: number;
  maxSubsearchDepth: number;
  /** Macro definitions by `name` / `name(N)`; a macro's expansion is checked like the query itself. */
  macros: ReadonlyMap<string, SplMacro>;
  /** `false` (default): a macro the table does not define is denied, since its expansion could be anything. */
  allowUnknownMacros: boolean;
}

/** The default policy: the allowed and denied lists, 10,000 rows, 30 days, 20,000 characters, no macros known. */
export function defaultSplPolicy(overrides: Partial<Omit<SplPolicy, 'macros'>> & { macros?: Iterable<SplMacro> } = {}): SplPolicy {
  const { macros, ...rest } = overrides;
  return {
    deniedCommands: DENIED_SPL_COMMANDS,
    allowedCommands: ALLOWED_SPL_COMMANDS,
    rowCap: 10_000,
    maxLookbackSeconds: 30 * 86_400,
    maxQueryLength: 20_000,
    maxSubsearchDepth: 8,
    allowUnknownMacros: false,
    ...rest,
    macros: macroTable(macros ?? []),
  };
}

export type SplReasonCode =
  | 'denied-command'
  | 'command-not-allowed'
  | 'syntax'
  | 'unknown-macro'
  | 'macro-expansion-limit'
  | 'backtick-in-string'
  | 'lookback-exceeds-cap'
  | 'unbounded-time'
  | 'deprecated-time-modifier'
  | 'too-long'
  | 'subsearch-too-deep';

export interface SplReason {
  code: SplReasonCode;
  message: string;
  /** Offsets into the input query (a macro's reference when the problem is inside its expansion). */
  start: number;
  end: number;
}

/** A command found in the query, in order, at its subsearch depth. */
export interface SplCommand {
  name: string;
  start: number;
  end: number;
  depth: number;
  /** The search was implied (no leading `|` or `search`). */
  implicit: boolean;
  macro?: string;
}

export interface SplVerdict {
  verdict: 'allow' | 'deny';
  reasons: SplReason[];
  commands: SplCommand[];
  /** The query as it will run: a final `| head N` appended. */
  query: string;
  rowCap: number;
  /** What the executor passes as `earliest_time`, e.g. `-30d`. */
  earliestTime: string;
}

const UNIT_SECONDS: readonly [RegExp, number][] = [
  [/^(s|sec|secs|second|seconds)$/, 1],
  [/^(m|min|mins|minute|minutes)$/, 60],
  [/^(h|hr|hrs|hour|hours)$/, 3600],
  [/^(d|day|days)$/, 86_400],
  [/^(w|week|weeks)$/, 7 * 86_400],
  [/^(mon|month|months)$/, 31 * 86_400],
  [/^(q|qtr|qtrs|quarter|quarters)$/, 92 * 86_400],
  [/^(y|yr|yrs|year|years)$/, 366 * 86_400],
];

/**
 * Seconds back a relative time modifier reaches, or undefined when it is not a relative time (absolute dates,
 * epoch numbers, `0`, real-time, unresolved `$tokens$`). A snap after an offset (`-30d@d`) adds less than one unit
 * and is not counted; a bare snap (`@w0`, `@mon`) reaches back at most one of its unit.
 */
export function relativeLookbackSeconds(value: string): number | undefined {
  const v = value.trim().toLowerCase();
  if (v === 'now') return 0;
  const snap = /^@([a-z]+)\d*$/.exec(v);
  if (snap !== null) return unitSeconds(snap[1] as string);
  const m = /^-(\d*)([a-z]+)(@[a-z]+\d*)?$/.exec(v);
  if (m === null) return undefined;
  const unit = unitSeconds(m[2] as string);
  return unit === undefined ? undefined : (m[1] === '' ? 1 : Number(m[1])) * unit;
}

function unitSeconds(unit: string): number | undefined {
  return UNIT_SECONDS.find(([re]) => re.test(unit))?.[1];
}

function formatLookback(seconds: number): string {
  return seconds % 86_400 === 0 ? `-${seconds / 86_400}d` : seconds % 3600 === 0 ? `-${seconds / 3600}h` : `-${Math.ceil(seconds / 60)}m`;
}

/**
 * Checks an SPL query: every command of every pipeline and subsearch (macros expanded) against the denied list,
 * time modifiers against the lookback cap; appends the row cap. Synchronous, linear, never throws.
 */
export function checkSpl(query: string, policy: SplPolicy = defaultSplPolicy()): SplVerdict {
  const reasons: SplReason[] = [];
  const commands: SplCommand[] = [];
  const earliestTime = formatLookback(policy.maxLookbackSeconds);
  const done = (): SplVerdict => ({
    verdict: reasons.length === 0 ? 'allow' : 'deny',
    reasons,
    commands,
    query: `${query.trimEnd()}\n| head ${policy.rowCap}`,
    rowCap: policy.rowCap,
    earliestTime,
  });
  if (query.length > policy.maxQueryLength) {
    reasons.push({ code: 'too-long', message: `The query is ${query.length} characters, over the ${policy.maxQueryLength} cap`, start: 0, end: query.length });
    return done();
  }
  const { tokens, issues } = lexSpl(query, { macros: policy.macros, allowUnknownMacros: policy.allowUnknownMacros, maxExpansion: 200_000, maxMacroDepth: 10 });
  for (const issue of issues) {
    const code: SplReasonCode = issue.code === 'unknown-macro' || issue.code === 'macro-expansion-limit' || issue.code === 'backtick-in-string' ? issue.code : 'syntax';
    reasons.push({ code, message: issue.message, start: issue.start, end: issue.end });
  }

  // Walk the tokens with a stack of subsearch frames; the first word after `|` (or opening a sub-pipeline) is a command.
  interface Frame {
    expectCommand: boolean;
    /** First segment of a subsearch: implicit search unless it names `search` or starts with `|`. */
    atSubsearchStart: boolean;
    current: string;
    open?: SplToken;
  }
  const stack: Frame[] = [{ expectCommand: false, atSubsearchStart: true, current: 'search' }];
  const top = (): Frame => stack[stack.length - 1] as Frame;
  const record = (token: SplToken, implicit: boolean): void => {
    const name = token.text.toLowerCase();
    commands.push({ name, start: token.start, end: token.end, depth: stack.length - 1, implicit, ...(token.macro ? { macro: token.macro } : {}) });
    top().current = name;
    const why = Object.hasOwn(policy.deniedCommands, name) ? policy.deniedCommands[name] : undefined;
    const via = token.macro ? ` (from macro \`${token.macro}\`)` : '';
    if (why !== undefined) {
      reasons.push({ code: 'denied-command', message: `Command '${name}'${via} is not allowed: it ${why}`, start: token.start, end: token.end });
    } else if (policy.allowedCommands !== '*' && !policy.allowedCommands.has(name)) {
      const message = `Command '${name}'${via} is not on the SPL allow-list; if it only reads, add it to the policy's allowedCommands`;
      reasons.push({ code: 'command-not-allowed', message, start: token.start, end: token.end });
    }
  };
  for (let k = 0; k < tokens.length; k++) {
    const token = tokens[k] as SplToken;
    const frame = top();
    if (token.kind === 'pipe') {
      frame.expectCommand = true;
      frame.atSubsearchStart = false;
      continue;
    }
    if (token.kind === 'open') {
      if (stack.length > policy.maxSubsearchDepth) {
        reasons.push({ code: 'subsearch-too-deep', message: `Subsearches nest deeper than ${policy.maxSubsearchDepth}`, start: token.start, end: token.end });
        return done();
      }
      const subpipeline = SUBPIPELINE_COMMANDS.has(frame.current);
      frame.expectCommand = false;
      stack.push({ expectCommand: subpipeline, atSubsearchStart: !subpipeline, current: 'search', open: token });
      continue;
    }
    if (token.kind === 'close') {
      if (stack.length === 1) {
        reasons.push({ code: 'syntax', message: "A ']' closes no subsearch", start: token.start, end: token.end });
        continue;
      }
      stack.pop();
      top().expectCommand = false;
      continue;
    }
    if (frame.expectCommand) {
      frame.expectCommand = false;
      if (token.kind !== 'word') {
        reasons.push({ code: 'syntax', message: 'A pipe must be followed by a command name', start: token.start, end: token.end });
        continue;
      }
      record(token, false);
      continue;
    }
    if (frame.atSubsearchStart) {
      frame.atSubsearchStart = false;
      if (token.kind === 'word' && token.text.toLowerCase() === 'search') {
        record(token, false);
        continue;
      }
      commands.push({ name: 'search', start: token.start, end: token.start, depth: stack.length - 1, implicit: true });
      frame.current = 'search';
      // A denied command's name opening a subsearch: Splunk would read a search term, but a guard should not guess.
      if (stack.length > 1 && token.kind === 'word' && Object.hasOwn(policy.deniedCommands, token.text.toLowerCase())) record(token, false);
    }
    if (TIME_SCOPED_COMMANDS.has(frame.current)) checkTimeModifier(tokens, k, policy, reasons);
  }
  for (const frame of stack.slice(1)) {
    const open = frame.open as SplToken;
    reasons.push({ code: 'syntax', message: "A '[' subsearch is not closed", start: open.start, end: open.end });
  }
  if (top().expectCommand && stack.length === 1 && tokens.length > 0) {
    const last = tokens[tokens.length - 1] as SplToken;
    reasons.push({ code: 'syntax', message: 'The query ends with a pipe and no command', start: last.start, end: last.end });
  }
  return done();
}

/** `earliest=<v>` / `_index_earliest=<v>` (value in the word or the adjacent string) within the lookback cap. */
function checkTimeModifier(tokens: readonly SplToken[], k: number, policy: SplPolicy, reasons: SplReason[]): void {
  const token = tokens[k] as SplToken;
  if (token.kind !== 'word') return;
  const m = /^([a-z_]+)\s*=(.*)$/i.exec(token.text);
  if (m === null) return;
  const key = (m[1] as string).toLowerCase();
  if (DEPRECATED_TIME_MODIFIERS.has(key)) {
    reasons.push({ code: 'deprecated-time-modifier', message: `Time modifier '${key}' is not allowed; use earliest=-<n><unit>`, start: token.start, end: token.end });
    return;
  }
  if (key !== 'earliest' && key !== '_index_earliest') return;
  let value = m[2] as string;
  const next = tokens[k + 1];
  if (value === '' && next !== undefined && next.kind === 'string' && !next.spaced) value = next.text.slice(1, -1);
  const seconds = relativeLookbackSeconds(value);
  if (seconds === undefined) {
    reasons.push({ code: 'unbounded-time', message: `${key}=${value || '(empty)'} is not a relative time the guard can bound; use earliest=-<n><unit>`, start: token.start, end: token.end });
  } else if (seconds > policy.maxLookbackSeconds) {
    reasons.push({ code: 'lookback-exceeds-cap', message: `${key}=${value} reaches back further than the ${formatLookback(policy.maxLookbackSeconds)} cap`, start: token.start, end: token.end });
  }
}
