/**
 * Syslog framing around a CEF record. Forwarders send CEF raw or inside a syslog header:
 *   RFC 3164  `<134>Mar 20 10:12:18 fw01 CEF:0|…` (PRI optional, as files and Sentinel samples show it; the tag may
 *             be `CEF:` itself, giving `CEF: 0|…`);
 *   RFC 5424  `<134>1 2024-06-20T11:22:33.123Z fw01 app procid msgid [sd] CEF:0|…` (also nested inside a 3164
 *             header, as relays re-wrap it);
 *   RFC 3339  `2024-06-20T11:22:33+02:00 fw01 tag: CEF:0|…` (rsyslog's file format).
 * Only the timestamp and the sending host are kept; everything else of the header is transport.
 */

export interface SyslogHeader {
  format: 'rfc3164' | 'rfc5424' | 'rfc3339' | 'none';
  /** The header's timestamp as written (RFC 3164's has neither year nor zone). */
  timestamp?: string | undefined;
  /** The HOSTNAME field: the device or relay that sent the line. */
  host?: string | undefined;
}

/** Where a CEF record starts in a line, after optional syslog framing. */
export interface LocatedCef {
  header: SyslogHeader;
  /** The text from `CEF:` on. */
  cef: string;
}

// `CEF:` then an optional space (Sentinel's `CEF: 0|`), the version and the first separator.
const CEF_START = /CEF:\s?\d+\|/;
const RFC5424 = /<\d{1,3}>\d{1,2} (\S+) (\S+) \S+ \S+ \S+(?: |$)/;
const RFC3164 = /^(?:<\d{1,3}>)?([A-Z][a-z]{2}\s+\d{1,2}(?:\s+\d{4})?\s+\d{2}:\d{2}:\d{2}) (\S+)/;
const RFC3339 = /^(?:<\d{1,3}>)?(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})) (\S+)/;

const nil = (v: string | undefined): string | undefined => (v === undefined || v === '-' ? undefined : v);

function readHeader(prefix: string): SyslogHeader {
  const p = prefix.trim();
  if (p === '') return { format: 'none' };
  // A nested RFC 5424 header is the inner (original) one: prefer it over an outer relay's 3164 header.
  const r5424 = RFC5424.exec(p);
  if (r5424) return { format: 'rfc5424', timestamp: nil(r5424[1]), host: nil(r5424[2]) };
  const r3339 = RFC3339.exec(p);
  if (r3339) return { format: 'rfc3339', timestamp: r3339[1], host: r3339[2] };
  const r3164 = RFC3164.exec(p);
  if (r3164) return { format: 'rfc3164', timestamp: r3164[1], host: r3164[2] };
  return { format: 'none' };
}

/** The CEF record of a line and the syslog header before it, or undefined when the line holds no `CEF:` record. */
export function locateCef(line: string): LocatedCef | undefined {
  const match = CEF_START.exec(line);
  if (match === null) return undefined;
  return { header: readHeader(line.slice(0, match.index)), cef: line.slice(match.index) };
}
