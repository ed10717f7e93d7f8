import { DEFAULT_MAX_LITERAL_LENGTH, rejectionFor, type LiteralResult } from '../kql-literal.ts';

/** How an SPL literal matches: the exact value, or the value anywhere (`*value*`) / at the end (`*value`). */
export type SplMatch = 'exact' | 'contains' | 'suffix';

/**
 * Turns a value into a double-quoted SPL string for a search term (`field="…"`), or refuses it.
 *
 * Inside double quotes SPL honours `\"` and `\\`; everything else is literal. What a quoted search term cannot
 * carry safely is refused: `*` (a wildcard that cannot be escaped in search terms: `"*"` would match everything),
 * backticks (Splunk expands macros before it parses quotes), `$` (token substitution in saved searches and
 * dashboards), line breaks, tabs and the other characters the KQL literal refuses. The wildcards `contains` and
 * `suffix` add are the template's, never the value's.
 */
export function splStringLiteral(value: string, match: SplMatch = 'exact', maxLength = DEFAULT_MAX_LITERAL_LENGTH): LiteralResult {
  const shared = rejectionFor(value, maxLength);
  if (shared !== undefined) return { ok: false, rejection: shared };
  const bad = /[*`$\t\n\r]/.exec(value);
  if (bad !== null) {
    const what = bad[0] === '*' ? 'a wildcard (*)' : bad[0] === '`' ? 'a backtick (macro)' : bad[0] === '$' ? 'a $ (token substitution)' : 'a tab or line break';
    return { ok: false, rejection: { code: 'control-character', message: `The value holds ${what} at ${bad.index}, which an SPL search term cannot carry literally` } };
  }
  const escaped = value.replace(/[\\"]/g, (c) => `\\${c}`);
  const text = match === 'contains' ? `*${escaped}*` : match === 'suffix' ? `*${escaped}` : escaped;
  return { ok: true, literal: `"${text}"` };
}
