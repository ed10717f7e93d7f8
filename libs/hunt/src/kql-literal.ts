/**
 * The one way an entity value enters a KQL query: as a double-quoted KQL string literal.
 *
 * Why this form: a regular `"…"` literal lets us escape every character that could end or bend it
 * (`\` → `\\`, `"` → `\"`, line feed → `\n`, carriage return → `\r`, tab → `\t`), so the emitted literal holds
 * no raw quote, backslash or line break and the query text stays on one line per literal. Verbatim `@"…"`
 * literals need only quote doubling but cannot carry a line break at all, and multi-line ``` literals cannot
 * carry three backticks; neither is safer. Every other control character (NUL, C0, DEL, C1, U+0085), the
 * Unicode line and paragraph separators, bidirectional controls (they make a query read differently than it
 * parses) and lone surrogates (they do not survive UTF-8) are refused rather than smuggled: an entity value
 * that holds one is not a value a hunt should search for verbatim.
 */

/** Why a value cannot become a hunt literal. */
export type LiteralRejectionCode = 'empty' | 'too-long' | 'control-character' | 'bidi-control' | 'lone-surrogate';

/** A value refused as a literal, with a reason an analyst can act on. */
export interface LiteralRejection {
  code: LiteralRejectionCode;
  message: string;
}

/** Either the literal's text or the reason there is none. */
export type LiteralResult = { ok: true; literal: string } | { ok: false; rejection: LiteralRejection };

/** Options for {@link kqlStringLiteral}. */
export interface KqlStringLiteralOptions {
  /** Longest value accepted, in UTF-16 code units (default 1024): longer ones are refused, not truncated, because a truncated value matches other things. */
  maxLength?: number;
}

/** Default cap on a literal's value: longer than any hostname, UPN, hash or reasonable URL. */
export const DEFAULT_MAX_LITERAL_LENGTH = 1024;

const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
// C0 controls other than tab/LF/CR, DEL, C1 (includes U+0085 NEXT LINE), and the Unicode line/paragraph separators.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u2028\u2029]/u;
// Bidirectional formatting characters (Trojan Source): U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069.
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

/**
 * Turns any string into a KQL string literal that parses as exactly one string token whose value is the input,
 * or refuses it with a reason. Linear in the input; never throws.
 */
export function kqlStringLiteral(value: string, options: KqlStringLiteralOptions = {}): LiteralResult {
  const rejection = rejectionFor(value, options.maxLength ?? DEFAULT_MAX_LITERAL_LENGTH);
  if (rejection !== undefined) return { ok: false, rejection };
  return { ok: true, literal: `"${value.replace(/[\\"\n\r\t]/g, (c) => ESCAPES[c] ?? c)}"` };
}

/** The checks shared by the KQL and SPL literal writers: what no hunt literal may carry. */
export function rejectionFor(value: string, maxLength: number): LiteralRejection | undefined {
  if (value.trim() === '') return { code: 'empty', message: 'The value is empty or blank; a hunt for it would match everything' };
  if (value.length > maxLength) {
    return { code: 'too-long', message: `The value is ${value.length} characters, over the ${maxLength}-character literal cap; hunt on a shorter attribute (a hash, a host)` };
  }
  if (!value.isWellFormed()) return { code: 'lone-surrogate', message: 'The value holds an unpaired UTF-16 surrogate, which does not survive UTF-8' };
  const control = CONTROL.exec(value);
  if (control !== null) {
    return { code: 'control-character', message: `The value holds control character U+${codePoint(control[0])} at ${control.index}; a literal must not carry it` };
  }
  const bidi = BIDI.exec(value);
  if (bidi !== null) {
    return { code: 'bidi-control', message: `The value holds bidirectional control U+${codePoint(bidi[0])} at ${bidi.index}, which makes a query read differently than it runs` };
  }
  return undefined;
}

function codePoint(c: string): string {
  return (c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
}
