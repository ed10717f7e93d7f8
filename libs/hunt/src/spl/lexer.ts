/**
 * A linear tokenizer for Splunk SPL that knows exactly the constructs that decide where commands are: double-quoted
 * strings with backslash escapes, ``` comments ```, `macros` (expanded in place from a macro table), `|` and
 * subsearch brackets. Everything else is a word. It never throws: problems (unterminated strings, unknown macros,
 * runaway expansion) come back as issues with their position.
 *
 * Deliberately conservative where SPL is ambiguous: single quotes and backslashes outside double quotes are
 * ordinary characters, so a pipe after them is still a pipe (a false command, never a hidden one).
 */

/** One SPL macro definition as `macros.conf` / security_content `macros/*.yml` give it. */
export interface SplMacro {
  name: string;
  definition: string;
  /** Argument names, substituted as `$name$` in the definition; the macro is looked up by name and arity. */
  arguments?: readonly string[] | null;
}

export type SplTokenKind = 'word' | 'string' | 'pipe' | 'open' | 'close';

/** A token with its span in the *original* query; tokens from a macro expansion carry the macro reference's span. */
export interface SplToken {
  kind: SplTokenKind;
  text: string;
  start: number;
  end: number;
  /** The outermost macro this token came from, when it came from one. */
  macro?: string;
  /** Whitespace or a comment separates this token from the one before it. */
  spaced: boolean;
}

export interface SplLexIssue {
  code: 'unterminated-string' | 'unterminated-comment' | 'unterminated-macro' | 'unknown-macro' | 'macro-expansion-limit' | 'backtick-in-string';
  message: string;
  start: number;
  end: number;
}

export interface SplLexOptions {
  macros: ReadonlyMap<string, SplMacro>;
  /** Unknown macros are issues unless this is true (then they are dropped, as if empty). */
  allowUnknownMacros: boolean;
  /** Cap on characters produced by macro expansion in total (macro bombs). */
  maxExpansion: number;
  maxMacroDepth: number;
}

export interface SplLexResult {
  tokens: SplToken[];
  issues: SplLexIssue[];
}

const WORD_END = /[\s|[\]"`]/;

/** The key a macro is found by: `name` for no arguments, `name(N)` for N, as Splunk's macros.conf stanzas. */
export function macroKey(name: string, arity: number): string {
  return arity === 0 ? name.toLowerCase() : `${name.toLowerCase()}(${arity})`;
}

/** Builds the lookup table for {@link lexSpl} from macro definitions. */
export function macroTable(macros: Iterable<SplMacro>): Map<string, SplMacro> {
  const table = new Map<string, SplMacro>();
  for (const m of macros) table.set(macroKey(m.name, m.arguments?.length ?? 0), m);
  return table;
}

/** Splits `name(a, "b,c")` into its name and arguments (commas inside double quotes do not split). */
function parseMacroCall(text: string): { name: string; args: string[] } | undefined {
  const open = text.indexOf('(');
  if (open < 0) return /^[\w.:-]+$/.test(text.trim()) ? { name: text.trim(), args: [] } : undefined;
  if (!text.trimEnd().endsWith(')')) return undefined;
  const name = text.slice(0, open).trim();
  const inner = text.slice(open + 1, text.trimEnd().length - 1);
  const args: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i] as string;
    if (quoted && c === '\\' && i + 1 < inner.length) {
      current += c + (inner[i + 1] as string);
      i++;
    } else if (c === '"') {
      quoted = !quoted;
      current += c;
    } else if (c === ',' && !quoted) {
      args.push(current.trim());
      current = '';
    } else current += c;
  }
  if (inner.trim() !== '' || args.length > 0) args.push(current.trim());
  return /^[\w.:-]+$/.test(name) ? { name, args } : undefined;
}

function expandMacro(macro: SplMacro, args: readonly string[]): string {
  let text = macro.definition;
  (macro.arguments ?? []).forEach((arg, i) => {
    text = text.split(`$${arg}$`).join(args[i] ?? '');
  });
  return text;
}

interface Origin {
  start: number;
  end: number;
  macro: string;
}

/** Tokenizes an SPL query, expanding macros in place. Linear in the query plus the expansion (which is capped). */
export function lexSpl(query: string, options: SplLexOptions): SplLexResult {
  const tokens: SplToken[] = [];
  const issues: SplLexIssue[] = [];
  let expanded = 0;

  const lex = (text: string, origin: Origin | undefined, depth: number): void => {
    // Positions: in the original query, or the span of the macro reference the text came from.
    const at = (s: number, e: number): { start: number; end: number } => (origin ? { start: origin.start, end: origin.end } : { start: s, end: e });
    let spaced = true;
    let i = 0;
    while (i < text.length) {
      const c = text[i] as string;
      if (/\s/.test(c)) {
        spaced = true;
        i++;
        continue;
      }
      if (text.startsWith('```', i)) {
        const close = text.indexOf('```', i + 3);
        if (close < 0) {
          issues.push({ code: 'unterminated-comment', message: 'A ``` comment is not closed', ...at(i, text.length) });
          return;
        }
        i = close + 3;
        spaced = true;
        continue;
      }
      if (c === '`') {
        const close = text.indexOf('`', i + 1);
        if (close < 0) {
          issues.push({ code: 'unterminated-macro', message: 'A `macro` reference is not closed', ...at(i, text.length) });
          return;
        }
        const span = at(i, close + 1);
        const call = parseMacroCall(text.slice(i + 1, close));
        const macro = call ? options.macros.get(macroKey(call.name, call.args.length)) : undefined;
        if (call === undefined || macro === undefined) {
          if (!options.allowUnknownMacros) {
            const name = call ? macroKey(call.name, call.args.length) : text.slice(i + 1, close);
            issues.push({ code: 'unknown-macro', message: `Unknown macro \`${name}\`: its expansion cannot be checked`, ...span });
          }
        } else {
          const body = expandMacro(macro, call?.args ?? []);
          expanded += body.length;
          if (depth >= options.maxMacroDepth || expanded > options.maxExpansion) {
            issues.push({ code: 'macro-expansion-limit', message: `Macro \`${call?.name}\` expands too deep or too large to check`, ...span });
            return;
          }
          const before = tokens.length;
          lex(body, origin ?? { ...span, macro: call?.name ?? '' }, depth + 1);
          const first = tokens[before];
          if (first !== undefined) first.spaced = spaced || first.spaced;
        }
        i = close + 1;
        spaced = false;
        continue;
      }
      if (c === '"') {
        let j = i + 1;
        while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
        if (j >= text.length) {
          issues.push({ code: 'unterminated-string', message: 'A double-quoted string is not closed', ...at(i, text.length) });
          return;
        }
        const raw = text.slice(i, j + 1);
        if (origin === undefined && raw.includes('`')) {
          // Splunk may expand macros before it parses quotes: a backtick in a string may be a hidden macro. Macro
          // definitions come from the policy's (trusted) table and are exempt.
          issues.push({ code: 'backtick-in-string', message: 'A backtick inside a quoted string may be expanded as a macro; remove it', ...at(i, j + 1) });
        }
        tokens.push({ kind: 'string', text: raw, ...at(i, j + 1), spaced, ...(origin ? { macro: origin.macro } : {}) });
        i = j + 1;
        spaced = false;
        continue;
      }
      if (c === '|' || c === '[' || c === ']') {
        const kind: SplTokenKind = c === '|' ? 'pipe' : c === '[' ? 'open' : 'close';
        tokens.push({ kind, text: c, ...at(i, i + 1), spaced, ...(origin ? { macro: origin.macro } : {}) });
        i++;
        spaced = false;
        continue;
      }
      // Outside strings Splunk reads \" and \\ as escapes too (`field=*\"key\":true*`); a word keeps them.
      let j = i;
      while (j < text.length) {
        const d = text[j] as string;
        if (d === '\\' && (text[j + 1] === '"' || text[j + 1] === '\\')) j += 2;
        else if (WORD_END.test(d)) break;
        else j++;
      }
      tokens.push({ kind: 'word', text: text.slice(i, j), ...at(i, j), spaced, ...(origin ? { macro: origin.macro } : {}) });
      i = j;
      spaced = false;
    }
  };

  lex(query, undefined, 0);
  return { tokens, issues };
}
