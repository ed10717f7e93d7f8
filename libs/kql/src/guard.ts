import { analyzeQuery, readsEveryTable } from './analyze.ts';
import { kustoLanguage, type LexicalToken } from './kusto.ts';
import { defaultKqlPolicy, type KqlPolicy } from './policy.ts';
import { appendRowCap } from './rewrite.ts';
import { loadKqlSchema } from './schema.ts';
import { KqlReasonCode, type KqlGuard, type KqlReason, type KqlVerdict } from './verdict.ts';

/**
 * A guard for one policy. Building it loads Kusto.Language and the schema-aware global state once per process
 * (about a second); each `check` then parses and binds one query against that state.
 */
export function createKqlGuard(policy: KqlPolicy = defaultKqlPolicy): KqlGuard {
  const schema = loadKqlSchema();
  const K = kustoLanguage();
  const parseOptions = schema.globals.ParseOptions;
  const allowList = policy.tables === '*' ? undefined : policy.tables === 'known' ? schema.names : new Set(policy.tables);

  const verdict = (query: string, reasons: KqlReason[], tables: string[], extra: Partial<KqlVerdict> = {}): KqlVerdict => ({
    verdict: reasons.length === 0 ? 'allow' : 'deny',
    reasons,
    tables,
    query,
    unknownColumns: [],
    maxLookback: policy.maxLookback,
    rowCap: policy.rowCap,
    ...extra,
  });

  function check(query: string): KqlVerdict {
    if (typeof query !== 'string' || query.trim() === '') {
      return verdict(String(query ?? ''), [{ code: KqlReasonCode.emptyQuery, message: 'The query is empty', start: 0, end: 0 }], []);
    }
    // Checked before parsing: parse time grows with length, and the limit is what keeps hostile input cheap.
    if (query.length > policy.maxQueryLength) {
      const message = `The query has ${query.length} characters; the policy allows ${policy.maxQueryLength}`;
      return verdict(query, [{ code: KqlReasonCode.queryTooLong, message, start: policy.maxQueryLength, end: query.length }], []);
    }
    // Parse time grows faster than linearly with bracket nesting (1,000 levels take seconds): the lexer's
    // token list is linear, so the depth is checked on it before the parser sees the text.
    // Counting bracket characters bounds the depth from above for free; only a query that could nest too
    // deep pays for lexing.
    const depth = countBrackets(query) > policy.maxNestingDepth ? bracketDepth(K.Parsing.TokenParser.ParseTokens(query, parseOptions)) : { max: 0, at: 0 };
    if (depth.max > policy.maxNestingDepth) {
      const message = `Brackets nest ${depth.max} deep; the policy allows ${policy.maxNestingDepth}`;
      return verdict(query, [{ code: KqlReasonCode.tooDeeplyNested, message, start: depth.at, end: depth.at + 1 }], []);
    }
    const parsed = K.KustoCode.Parse(query, schema.globals);
    // `union *` or `search "x"` would bind every column of 1,500 tables (over a second) only to be denied:
    // those rules need the tree, not the semantic model, so such a query skips binding.
    const code = readsEveryTable(parsed.Syntax) ? parsed : parsed.Analyze(schema.globals);
    const facts = analyzeQuery(code, query, policy, schema);
    const reasons = facts.reasons;
    for (const [table, at] of facts.tables) {
      if (allowList === undefined || allowList.has(table)) continue;
      // A name the guard knows but the list leaves out is a policy matter; one nobody knows may be a typo.
      const known = schema.names.has(table);
      reasons.push({
        code: known || policy.tables !== 'known' ? KqlReasonCode.tableNotAllowed : KqlReasonCode.unknownTable,
        message: known || policy.tables !== 'known' ? `${table} is not on the policy's table allow-list` : `${table} is not a known table`,
        ...at,
      });
    }
    reasons.sort((a, b) => a.start - b.start || a.code.localeCompare(b.code));
    const rewritten = reasons.length === 0 && facts.finalStatement !== undefined ? appendRowCap(query, facts.finalStatement, policy.rowCap) : query;
    return verdict(rewritten, reasons, [...facts.tables.keys()].sort(), { unknownColumns: facts.unknownColumns });
  }

  return {
    check(query) {
      try {
        return check(query);
      } catch (error) {
        // The parser is generated code: a crash on some input must still end in a denial, never an exception.
        const message = `The query could not be analysed (${error instanceof Error ? error.message.slice(0, 200) : 'unknown error'})`;
        return verdict(typeof query === 'string' ? query : '', [{ code: KqlReasonCode.internalError, message, start: 0, end: 0 }], []);
      }
    },
  };
}

/** The deepest nesting of ( [ { among lexical tokens (strings and comments are single tokens or trivia). */
function bracketDepth(tokens: readonly LexicalToken[]): { max: number; at: number } {
  let depth = 0;
  let max = 0;
  let at = 0;
  let offset = 0;
  for (const token of tokens) {
    const text = token.Text;
    if (text === '(' || text === '[' || text === '{') {
      depth++;
      if (depth > max) {
        max = depth;
        at = offset + (token.Trivia?.length ?? 0);
      }
    } else if (text === ')' || text === ']' || text === '}') depth = Math.max(0, depth - 1);
    offset += token.Length;
  }
  return { max, at };
}

function countBrackets(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 40 || c === 91 || c === 123) n++; // ( [ {
  }
  return n;
}
