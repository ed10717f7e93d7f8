import type { AttackRef } from '@soc/contracts';
import { parseExtension, type CefPair } from './cef-line.ts';
import { shortKey } from './dictionary.ts';

/**
 * One CEF event, whichever way it arrived (a CEF line, a CommonSecurityLog row, an ASIM-style row), in the CEF
 * vocabulary: the header fields and the extension under its short keys. The draft mapping reads only this.
 */
export interface CefEvent {
  vendor?: string | undefined;
  product?: string | undefined;
  deviceVersion?: string | undefined;
  classId?: string | undefined;
  name?: string | undefined;
  severity?: string | undefined;
  /** Extension values by short key (`src`, `duser`, `cs1`, `cs1Label` …); the first non-empty value of a key wins. */
  fields: Map<string, string>;
  /** Row columns CEF has no key for (vendor columns, Log Analytics metadata), kept for the id and IOC scanning. */
  extra: Map<string, string>;
  /** Time zones of time fields that came from columns named `… [zone]`. */
  zones: Map<string, string>;
  /** What carried the event: the syslog header's (or Log Analytics') timestamp and the sending host. */
  transport: { timestamp?: string | undefined; zone?: string | undefined; host?: string | undefined };
  /** ATT&CK references the product names (ASIM `MitreAttackTactics`/`MitreAttackTechniques`). */
  attack: AttackRef[];
}

export function emptyEvent(): CefEvent {
  return { fields: new Map(), extra: new Map(), zones: new Map(), transport: {}, attack: [] };
}

/** Sets a field unless the value is blank or the key already has a value. */
export function addField(event: CefEvent, key: string, value: string, zone?: string): void {
  if (value.trim() === '' || event.fields.has(key)) return;
  event.fields.set(key, value);
  if (zone !== undefined) event.zones.set(key, zone);
}

export function addPairs(event: CefEvent, pairs: readonly CefPair[]): void {
  for (const { key, value } of pairs) addField(event, shortKey(key), value);
}

// `;` separates pairs only where a key follows (Sentinel's `AdditionalExtensions` values contain `;` too).
const SEMICOLON_PAIR = /(?:^|;)\s*([A-Za-z_][\w.-]*)=/g;

/**
 * The pairs of a CommonSecurityLog `AdditionalExtensions` value: the extension keys the table has no column for,
 * written `k=v;k=v` by the Log Analytics agent or kept as a CEF extension string. Text before the first key is
 * not a pair.
 */
export function parseAdditionalExtensions(value: string): CefPair[] {
  const starts = [...value.matchAll(SEMICOLON_PAIR)];
  const semicolonSeparated = starts.some((m) => m[0].startsWith(';'));
  if (!semicolonSeparated) return parseExtension(value);
  return starts.map((m, n) => {
    const valueStart = (m.index ?? 0) + m[0].length;
    const end = starts[n + 1]?.index ?? value.length;
    // A trailing `;` closes the last pair; it is not part of its value.
    return { key: m[1] as string, value: value.slice(valueStart, end).trim().replace(/;$/, '') };
  });
}

export interface CustomField {
  key: string;
  label: string;
  value: string;
}

/**
 * The custom fields a record names through label pairs (`cs1Label=Rule Name cs1=Allow_DNS`, `cn2Label`, `cfp1Label`,
 * `c6a3Label`, `flexString1Label`, `deviceCustomDate1Label` … and vendor extras such as `cs7Label`).
 */
export function customFields(event: CefEvent): CustomField[] {
  const out: CustomField[] = [];
  for (const [key, value] of event.fields) {
    if (key.endsWith('Label')) continue;
    const label = event.fields.get(`${key}Label`)?.trim();
    if (label !== undefined && label !== '') out.push({ key, label, value });
  }
  return out;
}
