import { parseCefLine } from './cef-line.ts';
import { addPairs, emptyEvent, type CefEvent } from './event.ts';
import { locateCef } from './syslog.ts';

export type LineResult = { ok: true; event: CefEvent } | { ok: false; message: string };

const EXPECTED =
  'expected "CEF:Version|Device Vendor|Device Product|Device Version|Device Event Class ID|Name|Severity|Extension", ' +
  'raw or after an RFC 3164 or RFC 5424 syslog header';

/** Shows where a refused line starts, so the sender can find it in their batch. */
function excerpt(line: string): string {
  return JSON.stringify(line.length > 80 ? `${line.slice(0, 80)}…` : line);
}

/** One text line (a syslog message or a bare record) as a CEF event. */
export function parseLine(line: string): LineResult {
  const text = line.replace(/^\uFEFF/, '');
  const located = locateCef(text);
  if (located === undefined) return { ok: false, message: `not a CEF record: ${EXPECTED}; got ${excerpt(text)}` };
  const parsed = parseCefLine(located.cef);
  if (!parsed.ok)
    return { ok: false, message: `not a valid CEF record: ${parsed.message}; got ${excerpt(located.cef)}` };
  const { header } = parsed;
  const event = emptyEvent();
  event.vendor = header.vendor;
  event.product = header.product;
  event.deviceVersion = header.deviceVersion;
  event.classId = header.classId;
  event.name = header.name;
  event.severity = header.severity;
  addPairs(event, parsed.extension);
  event.transport = { timestamp: located.header.timestamp, host: located.header.host };
  return { ok: true, event };
}
