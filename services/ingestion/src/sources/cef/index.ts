import type { AlertDraft, FieldError, ParseContext, ParseResult, SourceParser } from '../types.ts';
import { NestingTooDeep, parseJsonBounded, record } from '../values.ts';
import { cefDraft } from './draft.ts';
import { parseLine } from './lines.ts';
import { parseRow } from './rows.ts';

/**
 * CEF (ArcSight Common Event Format) alerts, as
 *  - text: one CEF record per line (LF or CRLF, blank lines ignored), raw or in RFC 3164 / RFC 5424 syslog
 *    framing, as rsyslog `omhttp`, syslog-ng `http()` or a log forwarder POSTs them; the alert of line n (counted
 *    from 0, blank lines included) points at `/lines/n`;
 *  - JSON: Log Analytics `CommonSecurityLog` rows (one object, an array, or Sentinel data export's
 *    `{"records":[…]}`), ASIM-style rows, or an array of CEF line strings.
 * Every line or row becomes one alert draft; a body with any line or row that is not CEF is refused with the reason
 * for each.
 */

/** More reasons than this are summarised: a wrong body (a binary file, the wrong log) would list every line. */
const MAX_ERRORS = 100;

const SHAPES =
  'Send text/plain CEF lines ("CEF:0|Vendor|Product|Version|Class ID|Name|Severity|key=value …", optionally syslog-framed), ' +
  'or JSON: a CommonSecurityLog row object, an array of rows or of CEF line strings, or {"records":[…]}';

function capped(errors: FieldError[], what: string): FieldError[] {
  if (errors.length <= MAX_ERRORS) return errors;
  const rest = errors[MAX_ERRORS] as FieldError;
  return [
    ...errors.slice(0, MAX_ERRORS),
    { index: rest.index, path: rest.path, message: `…and ${errors.length - MAX_ERRORS} more ${what} refused` },
  ];
}

function parseText(body: string, ctx: ParseContext): ParseResult {
  const sniffed = body.trimStart();
  // Forwarders that cannot set a content type may still send JSON: read it as JSON when it is JSON.
  if (sniffed.startsWith('{') || sniffed.startsWith('[')) {
    try {
      return parseJson(parseJsonBounded(sniffed), ctx);
    } catch (error) {
      if (error instanceof NestingTooDeep) return { ok: false, errors: [{ index: 0, path: '(root)', message: `The body is JSON ${error.message}` }] };
      // Not JSON after all: read it as lines and say which ones are not CEF.
    }
  }
  const drafts: AlertDraft[] = [];
  const errors: FieldError[] = [];
  body.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    const parsed = parseLine(line);
    if (parsed.ok) drafts.push(cefDraft(parsed.event, `/lines/${index}`, ctx.receivedAt));
    else errors.push({ index, path: 'line', message: `Line ${index + 1} is ${parsed.message}` });
  });
  return errors.length > 0 ? { ok: false, errors: capped(errors, 'lines') } : { ok: true, drafts };
}

function parseItems(items: readonly unknown[], pointer: (i: number) => string, ctx: ParseContext): ParseResult {
  const drafts: AlertDraft[] = [];
  const errors: FieldError[] = [];
  items.forEach((item, index) => {
    if (typeof item === 'string') {
      const parsed = parseLine(item);
      if (parsed.ok) drafts.push(cefDraft(parsed.event, pointer(index), ctx.receivedAt));
      else errors.push({ index, path: 'line', message: `Item ${index} is ${parsed.message}` });
      return;
    }
    const row = record(item);
    if (row === undefined) {
      errors.push({
        index,
        path: '(root)',
        message: `expected a CommonSecurityLog row object or a CEF line string, got ${item === null ? 'null' : Array.isArray(item) ? 'an array' : typeof item}`,
      });
      return;
    }
    const parsed = parseRow(row);
    if (parsed.ok) drafts.push(cefDraft(parsed.event, pointer(index), ctx.receivedAt));
    else for (const e of parsed.errors) errors.push({ index, ...e });
  });
  return errors.length > 0 ? { ok: false, errors: capped(errors, 'errors') } : { ok: true, drafts };
}

function parseJson(body: unknown, ctx: ParseContext): ParseResult {
  if (typeof body === 'string') return parseText(body, ctx);
  if (Array.isArray(body)) return parseItems(body, (i) => `/${i}`, ctx);
  const object = record(body);
  if (object === undefined)
    return { ok: false, errors: [{ index: 0, path: '(root)', message: `Unreadable body. ${SHAPES}.` }] };
  if (Array.isArray(object.records)) return parseItems(object.records, (i) => `/records/${i}`, ctx);
  const single = parseItems([object], () => '', ctx);
  // An object that is no row at all is a wrong body, not a wrong row: name every shape accepted.
  if (!single.ok && single.errors.length === 1 && single.errors[0]?.path === '(root)') {
    return {
      ok: false,
      errors: [{ index: 0, path: '(root)', message: `Unreadable body: ${single.errors[0].message}. ${SHAPES}.` }],
    };
  }
  return single;
}

export const cefParser: SourceParser = {
  name: 'cef',
  mediaTypes: ['text/plain', 'application/json'],
  parse: (body, ctx) => parseJson(body, ctx),
};
