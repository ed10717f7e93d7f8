import { ALWAYS_DENIED_PLUGINS, CROSS_SCOPE_FUNCTIONS, durationMs, type KqlPolicy } from './policy.ts';
import { items, kindOf, type KustoCode, type KustoElement, type KustoGlobalState, type KustoNode, type KustoToken } from './kusto.ts';
import type { KqlSchema } from './schema.ts';
import { KqlReasonCode, type KqlColumnWarning, type KqlReason } from './verdict.ts';

/** What the syntax tree and semantic model say about one query. */
export interface QueryFacts {
  reasons: KqlReason[];
  tables: Map<string, { start: number; end: number }>;
  unknownColumns: KqlColumnWarning[];
  /** The last query statement: the row cap goes after it. */
  finalStatement: KustoNode | undefined;
}

/** How deep user-defined function calls are expanded (each call site expands its function body). */
const MAX_EXPANSION_DEPTH = 8;
const TICKS_PER_MS = 10_000;
const alwaysDenied = new Set(ALWAYS_DENIED_PLUGINS);
const crossScope = new Set(CROSS_SCOPE_FUNCTIONS);
/** Built-in functions with a rule of their own; every other built-in call needs no look. */
const SPECIAL_CALLS = new Set([...CROSS_SCOPE_FUNCTIONS, 'external_table', 'table', 'ago']);

interface Context {
  readonly text: string;
  readonly policy: KqlPolicy;
  readonly schema: KqlSchema;
  readonly globals: KustoGlobalState;
  readonly allowedPlugins: ReadonlySet<string>;
  readonly facts: QueryFacts;
  joins: number;
  /** `let w = workspace("x")`: names that stand for another scope, so `w.T` reads table T there. */
  readonly scopeNames: Set<string>;
}

/** Reads every rule's facts from an analysed query; adds nothing for what the policy allows. */
export function analyzeQuery(code: KustoCode, text: string, policy: KqlPolicy, schema: KqlSchema): QueryFacts {
  const facts: QueryFacts = { reasons: [], tables: new Map(), unknownColumns: [], finalStatement: undefined };
  const ctx: Context = { text, policy, schema, globals: schema.globals, allowedPlugins: new Set(policy.allowedPlugins), facts, joins: 0, scopeNames: new Set() };
  const deny = (code: KqlReasonCode, message: string, at: { start: number; end: number }): void => {
    facts.reasons.push({ code, message, ...at });
  };

  if (code.Kind !== 'Query') {
    deny(KqlReasonCode.controlCommand, `${code.Kind === 'Command' ? 'Control commands' : `${code.Kind} blocks`} are not allowed: only read-only queries run`, whole(text));
    return facts;
  }
  checkStatements(code.Syntax, ctx, deny);
  checkSyntax(code, ctx, deny);
  walk(code.Syntax, ctx, deny);
  readSemanticDiagnostics(code, ctx, deny);
  if (ctx.joins > policy.maxJoinLegs) {
    deny(KqlReasonCode.tooManyJoins, `The query has ${ctx.joins} join/lookup operators; the policy allows ${policy.maxJoinLegs}`, whole(text));
  }
  return facts;
}

/** True if the tree has `union *`-style wildcards or a `search`/`find` without `in (tables)`. */
export function readsEveryTable(root: KustoNode): boolean {
  const stack: KustoNode[] = [root];
  let visited = 0;
  while (stack.length > 0 && visited++ < 1_000_000) {
    const node = stack.pop()!;
    const kind = kindOf(node);
    if ((kind === 'SearchOperator' || kind === 'FindOperator') && !node.InClause) return true;
    if (kind === 'WildcardedName' && isTableWildcard(node)) return true;
    for (let i = node.ChildCount - 1; i >= 0; i--) {
      const child = node.GetChild(i);
      if (child !== null && !child.IsToken) stack.push(child as KustoNode);
    }
  }
  return false;
}

type Deny = (code: KqlReasonCode, message: string, at: { start: number; end: number }) => void;

const whole = (text: string) => ({ start: 0, end: text.length });
const span = (node: KustoElement) => ({ start: node.TextStart, end: node.TextStart + node.Width });

function checkStatements(block: KustoNode, ctx: Context, deny: Deny): void {
  for (const directive of items(block.Directives)) deny(KqlReasonCode.statementNotAllowed, 'Client directives are not allowed', span(directive));
  let queries = 0;
  for (const { Element: statement } of items(block.Statements)) {
    const kind = kindOf(statement);
    switch (kind) {
      case 'LetStatement':
      case 'QueryParametersStatement':
        break;
      case 'ExpressionStatement':
        queries++;
        if (queries > 1) {
          deny(KqlReasonCode.multipleStatements, 'Only one query statement is allowed; a second one could hide behind the first', span(statement));
        }
        ctx.facts.finalStatement = statement;
        break;
      case 'SetOptionStatement':
        deny(KqlReasonCode.setStatement, 'set statements are not allowed: they change request limits and options', span(statement));
        break;
      default:
        deny(KqlReasonCode.statementNotAllowed, `${kind.replace(/Statement$/, '')} statements are not allowed`, span(statement));
    }
  }
  if (queries === 0 && ctx.facts.reasons.length === 0) {
    deny(KqlReasonCode.noQueryStatement, 'The text has no query statement (only let or declare statements)', whole(ctx.text));
  }
}

function checkSyntax(code: KustoCode, ctx: Context, deny: Deny): void {
  const diagnostics = items(code.GetSyntaxDiagnostics()).filter((d) => d.Severity === 'Error');
  for (const d of diagnostics.slice(0, 20)) {
    const start = d.HasLocation ? d.Start : 0;
    deny(KqlReasonCode.syntaxError, `${d.Code}: ${d.Message}`, { start, end: Math.max(start, start + d.Length) });
  }
  const command = diagnostics.length > 0 ? commandStart(code.Syntax) : null;
  if (command !== null) {
    deny(KqlReasonCode.controlCommand, 'A control command follows the query: control commands are not allowed', { start: command.TextStart, end: ctx.text.length });
  }
}

/**
 * `T | take 1; .drop table X` or a `.delete …` line after a query does not parse; name it for what it is. A
 * command starts with a `.` token at the start of a line or after `;`, followed by a word token.
 */
function commandStart(root: KustoNode): KustoToken | null {
  let previous: KustoToken | null = null;
  for (let token = root.GetFirstToken(), n = 0; token !== null && n < 100_000; previous = token, token = token.GetNextToken(), n++) {
    if (token.Text !== '.') continue;
    const atStatementStart = previous === null || previous.Text === ';' || token.Trivia.includes('\n');
    const next = token.GetNextToken();
    if (atStatementStart && next !== null && next.Trivia === '' && /^[A-Za-z]/.test(next.Text)) return token;
  }
  return null;
}

interface Frame {
  readonly node: KustoNode;
  /** Inside a `let f = (…) { … }` body: `table(param)` is resolved at each call site's expansion instead. */
  readonly inDeclaration: boolean;
  readonly depth: number;
  /** Expanded bodies have positions in their own text: reasons found there point at the call site. */
  readonly site: { start: number; end: number } | undefined;
}

/** Depth-first over the tree with an explicit stack, so deeply nested input cannot overflow the JS stack. */
function walk(root: KustoNode, ctx: Context, deny: Deny): void {
  const stack: Frame[] = [{ node: root, inDeclaration: false, depth: 0, site: undefined }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const { node } = frame;
    // Positions are computed on demand: TextStart walks to the node's first token, too slow for every node.
    const at = (): { start: number; end: number } => frame.site ?? span(node);
    const kind = kindOf(node);
    let inDeclaration = frame.inDeclaration;
    switch (kind) {
      case 'FunctionDeclaration':
        inDeclaration = true;
        break;
      case 'ExternalDataExpression':
        deny(KqlReasonCode.externalData, 'externaldata reads data from outside the workspace (a URL): not allowed', at());
        break;
      case 'EvaluateOperator':
        checkPlugin(node, ctx, deny, at());
        break;
      case 'JoinOperator':
      case 'LookupOperator':
        ctx.joins++;
        break;
      case 'UnionOperator':
        checkUnion(node, ctx, deny, at());
        break;
      case 'SearchOperator':
        if (!node.InClause) deny(KqlReasonCode.searchAllTables, 'search without "in (tables)" reads every table: name the tables', at());
        break;
      case 'FindOperator':
        if (!node.InClause) deny(KqlReasonCode.findAllTables, 'find without "in (tables)" reads every table: name the tables', at());
        break;
      case 'WildcardedName':
        if (isTableWildcard(node)) deny(KqlReasonCode.wildcardTable, `The table wildcard ${node.toString().trim()} reads tables the query does not name`, at());
        break;
      case 'NameReference':
        recordTableReference(node, ctx, at);
        break;
      case 'LetStatement':
        if (isScope(node.Expression, ctx)) ctx.scopeNames.add(nameOf(node.Name));
        break;
      case 'PathExpression':
        checkCrossScopePath(node, ctx, deny, at);
        break;
      case 'FunctionCallExpression': {
        const expansion = checkFunctionCall(node, ctx, deny, at, frame.inDeclaration);
        if (expansion && frame.depth < MAX_EXPANSION_DEPTH) {
          stack.push({ node: expansion, inDeclaration: false, depth: frame.depth + 1, site: at() });
        }
        break;
      }
      default:
        break;
    }
    for (let i = node.ChildCount - 1; i >= 0; i--) {
      const child = node.GetChild(i);
      if (child !== null && !child.IsToken) stack.push({ node: child as KustoNode, inDeclaration, depth: frame.depth, site: frame.site });
    }
  }
}

function checkPlugin(node: KustoNode, ctx: Context, deny: Deny, at: { start: number; end: number }): void {
  const name = node.FunctionCall?.Name?.SimpleName ?? '';
  if (alwaysDenied.has(name)) {
    deny(KqlReasonCode.pluginDenied, `evaluate ${name} reaches outside the workspace or runs code: never allowed`, at);
  } else if (!ctx.allowedPlugins.has(name)) {
    deny(KqlReasonCode.pluginNotAllowed, `evaluate ${name || '(unnamed plugin)'} is not on the policy's plugin allow-list`, at);
  }
}

function checkUnion(node: KustoNode, ctx: Context, deny: Deny, at: { start: number; end: number }): void {
  // `T | union A, B` has the piped input as one more leg.
  const piped = node.Parent !== null && kindOf(node.Parent) === 'PipeExpression' ? 1 : 0;
  const legs = items(node.Expressions).length + piped;
  if (legs > ctx.policy.maxUnionLegs) {
    deny(KqlReasonCode.tooManyUnionLegs, `The union has ${legs} legs; the policy allows ${ctx.policy.maxUnionLegs}`, at);
  }
}

/** `union *`, `union Security*`, `find in (Sec*)`: wildcards name tables nobody reviewed. Column wildcards are fine. */
function isTableWildcard(node: KustoNode): boolean {
  for (let parent = node.Parent, hops = 0; parent !== null && hops < 5; parent = parent.Parent, hops++) {
    const kind = kindOf(parent);
    if (kind === 'UnionOperator' || kind === 'FindInClause') return true;
    if (kind.endsWith('Operator') || kind.endsWith('Statement')) return false;
  }
  return false;
}

function recordTableReference(node: KustoNode, ctx: Context, at: () => { start: number; end: number }): void {
  const symbol = node.ReferencedSymbol;
  if (symbol === null || kindOf(symbol) !== 'TableSymbol' || !ctx.globals.IsDatabaseTable(symbol)) return;
  // A wildcard reference binds to one of its matches; the wildcard rule already denies it.
  if (node.ChildCount > 0 && node.GetChild(0) !== null && kindOf(node.GetChild(0)!) === 'WildcardedName') return;
  if (!ctx.facts.tables.has(symbol.Name)) addTable(ctx, symbol.Name, at());
}

/** `workspace("x")`, `cluster("c").database("d")`, `(app("a"))` or a let name bound to one: another scope. */
function isScope(node: KustoNode | null | undefined, ctx: Context): boolean {
  if (node === null || node === undefined) return false;
  switch (kindOf(node)) {
    case 'FunctionCallExpression':
      return crossScope.has(nameOf(node.Name));
    case 'PathExpression':
      return isScope(node.Selector, ctx);
    case 'ParenthesizedExpression':
      return isScope(node.Expression, ctx);
    case 'NameReference':
      return ctx.scopeNames.has(nameOf(node));
    default:
      return false;
  }
}

function nameOf(node: KustoNode | null | undefined): string {
  return node?.SimpleName ?? node?.Name?.SimpleName ?? '';
}

/**
 * `workspace("x").SecurityEvent`: the binder knows nothing of other scopes, so it neither resolves nor reports the
 * table. When the policy allows the scope, the table (or function) read there must still pass the allow-list.
 */
function checkCrossScopePath(node: KustoNode, ctx: Context, deny: Deny, at: () => { start: number; end: number }): void {
  if (!isScope(node.Expression, ctx)) return;
  const selector = node.Selector ?? null;
  const kind = selector === null ? '' : kindOf(selector);
  if (kind === 'FunctionCallExpression' && crossScope.has(nameOf(selector?.Name))) return; // cluster("c").database("d"): still the scope
  const name = kind === 'NameReference' ? nameOf(selector) : kind === 'FunctionCallExpression' ? nameOf(selector?.Name) : '';
  if (name === '') {
    deny(KqlReasonCode.dynamicTable, 'A cross-scope reference must name its table so the guard can check it', at());
    return;
  }
  addTable(ctx, name, at());
}

function addTable(ctx: Context, name: string, at: { start: number; end: number }): void {
  if (!ctx.facts.tables.has(name)) ctx.facts.tables.set(name, at);
}

/** Returns the body to expand for user-defined and workspace functions. */
function checkFunctionCall(
  node: KustoNode,
  ctx: Context,
  deny: Deny,
  where: () => { start: number; end: number },
  inDeclaration: boolean,
): KustoNode | undefined {
  const name = node.Name?.SimpleName ?? '';
  if (!SPECIAL_CALLS.has(name) && ctx.globals.IsBuiltInFunction(node.ReferencedSymbol)) return undefined; // strlen(), bin() …
  const at = where();
  const expansion = node.GetExpansion?.() ?? null;
  if (expansion !== null) {
    // A workspace function reads data the guard cannot see into: it counts as a table for the allow-list.
    if (ctx.globals.IsDatabaseFunction(node.ReferencedSymbol)) addTable(ctx, name, at);
    return expansion;
  }
  // Only built-ins get here: a let-defined `workspace(...)` has an expansion and is the user's own function.
  if (crossScope.has(name) && !ctx.policy.allowedCrossScope.includes(name)) {
    deny(KqlReasonCode.crossScope, `${name}() reads outside this workspace: not allowed by the policy`, at);
  } else if (name === 'external_table') {
    deny(KqlReasonCode.externalTable, 'external_table reads external storage: not allowed', at);
  } else if (name === 'table' && !inDeclaration) {
    const result = node.ResultType;
    const constantName = items(node.ArgumentList?.Expressions)[0]?.Element.ConstantValue;
    if (result !== null && kindOf(result) === 'TableSymbol' && result.Name !== '' && ctx.globals.IsDatabaseTable(result)) {
      addTable(ctx, result.Name, at);
    } else if (typeof constantName === 'string' && constantName !== '') {
      if (ctx.policy.tables === '*') addTable(ctx, constantName, at);
      else deny(KqlReasonCode.unknownTable, `${constantName} is not a known table or workspace function`, at);
    } else {
      deny(KqlReasonCode.dynamicTable, 'table() needs a constant table name the guard can check', at);
    }
  } else if (name === 'ago') {
    checkLookback(node, ctx, deny, at);
  }
  return undefined;
}

/** `ago(90d)` (or `ago(lookback)` with `let lookback = 90d`) under a 30-day policy: the executor would cut it. */
function checkLookback(node: KustoNode, ctx: Context, deny: Deny, at: { start: number; end: number }): void {
  const argument = items(node.ArgumentList?.Expressions)[0]?.Element;
  if (argument === undefined) return;
  const value = argument.ConstantValue ?? argument.ReferencedSymbol?.ConstantValue;
  const ticks = (value as { ticks?: { toNumber?: () => number } } | null | undefined)?.ticks;
  if (typeof ticks?.toNumber !== 'function') return;
  const ms = ticks.toNumber() / TICKS_PER_MS;
  const max = durationMs(ctx.policy.maxLookback) ?? Infinity;
  if (ms > max) {
    deny(KqlReasonCode.lookbackExceedsPolicy, `ago(${argument.toString().trim()}) reaches back ${formatDays(ms)}; the policy allows ${ctx.policy.maxLookback}`, at);
  }
}

const formatDays = (ms: number): string => (ms >= 86_400_000 ? `${+(ms / 86_400_000).toFixed(2)} days` : `${+(ms / 3_600_000).toFixed(2)} hours`);

/** Unknown tables (KS204/KS211) and unknown columns (KS142) come from the binder's diagnostics. */
function readSemanticDiagnostics(code: KustoCode, ctx: Context, deny: Deny): void {
  for (const d of items(code.GetDiagnostics())) {
    if (!d.HasLocation || d.Severity !== 'Error') continue;
    const name = ctx.text.slice(d.Start, d.Start + d.Length);
    const at = { start: d.Start, end: d.Start + d.Length };
    if (d.Code === 'KS204' || (d.Code === 'KS211' && !crossScope.has(name))) {
      if (ctx.policy.tables === '*') addTable(ctx, name, at);
      else deny(KqlReasonCode.unknownTable, `${name} is not a known table or workspace function`, at);
    } else if (d.Code === 'KS142') {
      const table = sourceTableBefore(d.Start, ctx);
      if (table !== undefined) ctx.facts.unknownColumns.push({ table, column: name, ...at });
    }
  }
}

/** The nearest table with a published schema whose first reference comes before a position. */
function sourceTableBefore(position: number, ctx: Context): string | undefined {
  let best: string | undefined;
  let bestStart = -1;
  // The nearest table reference before the position within the same statement: cheap and right for the
  // usual `Table | where … | project …` shape; a miss only drops a warning.
  for (const [name, at] of ctx.facts.tables) {
    if (at.start <= position && at.start > bestStart && ctx.schema.tablesWithColumns.has(name)) {
      best = name;
      bestStart = at.start;
    }
  }
  return best;
}
