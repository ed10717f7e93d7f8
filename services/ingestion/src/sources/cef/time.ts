import { toIso } from '../values.ts';

/**
 * Timestamps as CEF producers and Log Analytics exports write them. The ArcSight spec allows epoch milliseconds
 * and `MMM dd [yyyy] HH:mm:ss[.SSS] [zzz]`; syslog headers, Log Analytics and vendors add ISO 8601, the portal
 * export `11/27/2020, 10:09:35.587 PM` and C `asctime`. A time without a zone is read in the zone the record
 * names (`dtz`, a `[time zone]` column suffix), else as UTC. A zone this module cannot place exactly (ambiguous
 * abbreviations such as `IST`) makes the value unusable rather than guessed. All functions are total.
 */

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** Zone names of the Log Analytics portal's export headers (`TimeGenerated [Eastern Time (US and Canada)]`). */
const PORTAL_ZONES: Readonly<Record<string, string>> = {
  utc: 'UTC',
  'eastern time (us and canada)': 'America/New_York',
  'central time (us and canada)': 'America/Chicago',
  'mountain time (us and canada)': 'America/Denver',
  'pacific time (us and canada)': 'America/Los_Angeles',
  'pacific time (us and canada) tijuana': 'America/Tijuana',
};

/** Before 1971 is the epoch-zero placeholder (`1/1/1970, 12:00:00.000 AM`) exports put in empty time columns. */
const EARLIEST_MS = Date.UTC(1971, 0, 1);

/** A fixed offset in minutes, or an IANA zone; undefined for names that cannot be placed exactly. */
type Zone = { offsetMinutes: number } | { iana: string };

const formatters = new Map<string, Intl.DateTimeFormat | undefined>();

function ianaFormatter(name: string): Intl.DateTimeFormat | undefined {
  if (!formatters.has(name)) {
    let formatter: Intl.DateTimeFormat | undefined;
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone: name,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      formatter = undefined;
    }
    formatters.set(name, formatter);
  }
  return formatters.get(name);
}

/** Parses a zone token: `Z`, `UTC`, `GMT`, `+0100`, `-05:00`, `GMT+00:00`, `UTC-7`, or an IANA name. */
export function parseZone(token: string | undefined): Zone | undefined {
  const t = token?.trim();
  if (t === undefined || t === '') return undefined;
  if (Object.hasOwn(PORTAL_ZONES, t.toLowerCase())) return { iana: PORTAL_ZONES[t.toLowerCase()] as string };
  if (/^(z|utc|gmt|ut)$/i.test(t)) return { offsetMinutes: 0 };
  const offset = /^(?:utc|gmt)?([+-])(\d{1,2})(?::?(\d{2}))?$/i.exec(t);
  if (offset) {
    const [, sign, hh, mm] = offset;
    const minutes = Number(hh) * 60 + Number(mm ?? 0);
    return minutes > 14 * 60 ? undefined : { offsetMinutes: sign === '-' ? -minutes : minutes };
  }
  // Only IANA names (`Europe/Berlin`), never abbreviations: `IST` or `CST` name several zones.
  if (/^[A-Za-z_]+\/[A-Za-z0-9_+\-/]+$/.test(t) && ianaFormatter(t) !== undefined) return { iana: t };
  return undefined;
}

function ianaOffsetMinutes(name: string, utcMs: number): number {
  const formatter = ianaFormatter(name);
  if (formatter === undefined) return 0;
  const parts = Object.fromEntries(formatter.formatToParts(new Date(utcMs)).map((p) => [p.type, p.value]));
  const asUtc = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return Math.round((asUtc - Math.floor(utcMs / 1000) * 1000) / 60_000);
}

/** The UTC instant of a wall-clock time (given as if it were UTC) in a zone. */
function wallToUtc(wallMs: number, zone: Zone): number {
  if ('offsetMinutes' in zone) return wallMs - zone.offsetMinutes * 60_000;
  const first = wallMs - ianaOffsetMinutes(zone.iana, wallMs) * 60_000;
  // Second pass: the offset at the instant itself differs from the guess's around DST changes.
  return wallMs - ianaOffsetMinutes(zone.iana, first) * 60_000;
}

function finish(ms: number): string | undefined {
  if (!Number.isFinite(ms) || ms < EARLIEST_MS) return undefined;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) || d.getUTCFullYear() > 9999 ? undefined : d.toISOString();
}

function monthIndex(name: string): number {
  return MONTHS.indexOf(name.slice(0, 3).toLowerCase());
}

/** A year-less syslog/CEF date lies in the year that puts it at most a day after the reference time. */
function inferYear(month: number, day: number, reference: Date): number {
  const year = reference.getUTCFullYear();
  return Date.UTC(year, month, day) > reference.getTime() + 86_400_000 ? year - 1 : year;
}

function wallMs(
  year: number,
  month: number,
  day: number,
  hh: string,
  mi: string,
  ss: string,
  frac: string | undefined,
): number | undefined {
  if (month < 0 || day < 1 || day > 31 || Number(hh) > 23 || Number(mi) > 59 || Number(ss) > 60) return undefined;
  const ms = frac === undefined ? 0 : Math.round(Number(`0.${frac}`) * 1000);
  const wall = Date.UTC(year, month, day, Number(hh), Number(mi), Number(ss), ms);
  // `Feb 31` is no date (Date.UTC would roll it over into March).
  return new Date(wall).getUTCDate() === day || Number(ss) === 60 ? wall : undefined;
}

// `MMM dd yyyy HH:mm:ss[.SSS] [zzz]` and `MMM dd, yyyy …` (Aruba), optionally led by a weekday.
const MONTH_FIRST =
  /^(?:[A-Za-z]{3},? )?([A-Za-z]{3})\s+(\d{1,2}),?\s+(?:(\d{4})\s+)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:\s+(\S+))?$/;
// C asctime: `Wed Jun 2 09:04:46 2021` [zzz].
const ASCTIME = /^[A-Za-z]{3}\s+([A-Za-z]{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})\s+(\d{4})(?:\s+(\S+))?$/;
const LA_EXPORT = /^\d{1,2}\/\d{1,2}\/\d{4},? \d{1,2}:\d{2}:\d{2}/;
const ISO_NO_ZONE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

export interface TimeOptions {
  /** Zone for values that carry none (`dtz`, a column's `[zone]` suffix); UTC when absent. */
  zone?: string | undefined;
  /** Reference for year-less dates (the time of receipt). */
  reference: Date;
}

/** An ISO 8601 instant from a CEF/syslog/Log Analytics time value, or undefined when it cannot be placed exactly. */
export function parseCefTime(value: string | undefined, options: TimeOptions): string | undefined {
  const s = value?.trim();
  if (s === undefined || s === '') return undefined;
  // An unplaceable default zone makes zone-less values unusable; values that carry their own zone still parse.
  const defaultZone: Zone | undefined =
    options.zone === undefined || options.zone.trim() === '' ? { offsetMinutes: 0 } : parseZone(options.zone);

  if (/^\d{9,13}(\.\d+)?$/.test(s)) {
    const iso = toIso(s);
    return iso === undefined ? undefined : finish(Date.parse(iso));
  }

  const asctime = ASCTIME.exec(s);
  if (asctime) {
    const [, mon, dd, hh, mi, ss, yyyy, zoneToken] = asctime as unknown as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string | undefined,
    ];
    const zone = zoneToken === undefined ? defaultZone : parseZone(zoneToken);
    const wall = wallMs(Number(yyyy), monthIndex(mon), Number(dd), hh, mi, ss, undefined);
    return zone === undefined || wall === undefined ? undefined : finish(wallToUtc(wall, zone));
  }

  const monthFirst = MONTH_FIRST.exec(s);
  if (monthFirst) {
    const [, mon, dd, yyyy, hh, mi, ss, frac, zoneToken] = monthFirst as unknown as [
      string,
      string,
      string,
      string | undefined,
      string,
      string,
      string,
      string | undefined,
      string | undefined,
    ];
    const month = monthIndex(mon);
    const day = Number(dd);
    const zone = zoneToken === undefined ? defaultZone : parseZone(zoneToken);
    if (zone === undefined || month < 0) return undefined;
    const year = yyyy === undefined ? inferYear(month, day, options.reference) : Number(yyyy);
    const wall = wallMs(year, month, day, hh, mi, ss, frac);
    return wall === undefined ? undefined : finish(wallToUtc(wall, zone));
  }

  if (LA_EXPORT.test(s) || ISO_NO_ZONE.test(s)) {
    // toIso reads both as UTC wall time; shift it into the stated zone.
    const iso = toIso(s);
    if (iso === undefined || defaultZone === undefined) return undefined;
    return finish(wallToUtc(Date.parse(iso), defaultZone));
  }

  // ISO 8601 with its own offset (RFC 5424 / RFC 3339 timestamps, `2022-07-25T04:56:13-05:00`).
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(s)) {
    const iso = toIso(s);
    return iso === undefined ? undefined : finish(Date.parse(iso));
  }
  return undefined;
}
