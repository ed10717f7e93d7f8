import { parseCommandArgs } from '../args.ts';
import { CliFailure, UsageError, linesOf, type CliIo, type Command } from '../cli-io.ts';

/** `soc kql check`: runs the KQL guard on queries from stdin (JSON lines) or on one `--text` query. */
export const kqlCheck: Command = {
  path: ['kql', 'check'],
  summary: 'Check KQL queries against the guard policy (JSON lines on stdin, or --text)',
  help: `Usage: soc kql check [--policy <file>] [--text "<query>"]

Check KQL queries with the parser-based guard, locally (nothing runs). Without
--text, reads JSON lines {"id": …, "query": "…"} on stdin and writes one line
{"id", "verdict", "reasons", "tables", "query"} per input line; a line that is
not JSON or has no string "query" gets a "deny" line saying so. With --text,
prints a readable verdict: each reason with line:column and the spot marked.
Exits 0 whatever the verdicts.

Options:
  --policy <file>  policy JSON (tables, allowedPlugins, allowedCrossScope,
                   maxLookback, rowCap, maxQueryLength, maxNestingDepth,
                   maxJoinLegs, maxUnionLegs); default: known tables, P30D,
                   10000 rows
  --text <query>   check one query and print the verdict for people
  -h, --help       show this help`,
  async run(args, io) {
    const { values } = parseCommandArgs(args, { policy: { type: 'string' }, text: { type: 'string' } }, 0);
    // Loaded on use: Kusto.Language is 16 MB of JavaScript and only this command needs it.
    const kql = await import('@soc/kql');
    let policy = kql.defaultKqlPolicy;
    if (values.policy !== undefined) {
      try {
        policy = kql.loadKqlPolicy(values.policy);
      } catch (error) {
        throw new CliFailure(error instanceof Error ? error.message : String(error), { cause: error });
      }
    }
    const guard = kql.createKqlGuard(policy);
    if (values.text !== undefined) {
      if (values.text.trim() === '') throw new UsageError('--text needs a query');
      io.out(formatVerdict(values.text, guard.check(values.text)));
      return;
    }
    for await (const line of readLines(io)) {
      if (line.trim() === '') continue;
      io.out(JSON.stringify(checkLine(line, guard)));
    }
  },
};

interface Verdict {
  verdict: 'allow' | 'deny';
  reasons: { code: string; message: string; start: number; end: number }[];
  tables: string[];
  query: string;
}

/** One output line for one input line; a malformed line is a denial, never a crash. */
function checkLine(line: string, guard: { check(query: string): Verdict }): Record<string, unknown> {
  let input: unknown;
  try {
    input = JSON.parse(line);
  } catch {
    return malformed(null, 'The line is not valid JSON: send {"id": …, "query": "…"} per line');
  }
  const record = typeof input === 'object' && input !== null && !Array.isArray(input) ? (input as Record<string, unknown>) : {};
  const id = record.id ?? null;
  if (typeof record.query !== 'string') return malformed(id, 'The line has no string "query" field');
  const { verdict, reasons, tables, query } = guard.check(record.query);
  return { id, verdict, reasons, tables, query };
}

const malformed = (id: unknown, message: string) => ({ id, verdict: 'deny', reasons: [{ code: 'invalid-input', message, start: 0, end: 0 }], tables: [], query: '' });

const readLines = (io: CliIo): AsyncGenerator<string> => linesOf(io.stdin ?? process.stdin);

/** The verdict for people: each reason with line:column and a caret under the spot. */
export function formatVerdict(text: string, verdict: Verdict): string {
  const out = [verdict.verdict === 'allow' ? 'ALLOW' : 'DENY', `tables: ${verdict.tables.join(', ') || '(none)'}`];
  const lines = text.split('\n');
  for (const reason of verdict.reasons) {
    const { line, column } = lineAndColumn(text, reason.start);
    out.push('', `${line}:${column} ${reason.code}: ${reason.message}`);
    const source = lines[line - 1] ?? '';
    const width = Math.max(1, Math.min(reason.end - reason.start, source.length - column + 1));
    out.push(`  ${source}`, `  ${' '.repeat(column - 1)}${'^'.repeat(width)}`);
  }
  if (verdict.verdict === 'allow') out.push('', 'runs as:', verdict.query);
  return out.join('\n');
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lastNewline = before.lastIndexOf('\n');
  return { line: before.split('\n').length, column: before.length - lastNewline };
}
