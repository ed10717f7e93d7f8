import type { AttackRef } from '@soc/contracts';
import {
  columnKey,
  HEADER_COLUMNS,
  IDENTIFYING_COLUMNS,
  METADATA_COLUMNS,
  SYSLOG_HOST,
  TIME_GENERATED,
} from './dictionary.ts';
import { addField, addPairs, emptyEvent, parseAdditionalExtensions, type CefEvent } from './event.ts';

/**
 * Rows of the Log Analytics `CommonSecurityLog` table, as Sentinel data export (`{"records":[…]}`), the Log
 * Analytics API or a portal export (`TimeGenerated [UTC]` headers) give them, and the ASIM-style rows
 * (`EventVendor`, `SrcIpAddr` …) of Sentinel's sample exports. Columns are read into the CEF vocabulary; columns
 * CEF has no key for are kept aside for the id and IOC scanning.
 */

export interface RowError {
  path: string;
  message: string;
}

export type RowResult = { ok: true; event: CefEvent } | { ok: false; errors: RowError[] };

const HEADER_NAMES = new Set<string>(Object.values(HEADER_COLUMNS).flat());
const IDENTIFYING = new Set<string>(IDENTIFYING_COLUMNS.map((c) => c.toLowerCase()));
const ADDITIONAL_EXTENSIONS = 'AdditionalExtensions';
const TACTICS = 'MitreAttackTactics';
const TECHNIQUES = 'MitreAttackTechniques';

/** `TimeGenerated [UTC]` → `TimeGenerated` in zone `UTC`. */
function splitColumn(column: string): { name: string; zone?: string } {
  const m = /^(.*?)\s*\[([^\]]+)\]$/.exec(column);
  return m ? { name: m[1] as string, zone: (m[2] as string).trim() } : { name: column };
}

function isKnownColumn(name: string): boolean {
  return (
    HEADER_NAMES.has(name) ||
    columnKey(name) !== undefined ||
    [TIME_GENERATED, SYSLOG_HOST, ADDITIONAL_EXTENSIONS, TACTICS, TECHNIQUES].includes(name)
  );
}

/** A cell as text; `null` (and the string "null" that CSV exports write for it) is no value. */
function cell(value: unknown): string | undefined | { invalid: string } {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value.trim() === 'null' ? undefined : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return { invalid: Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : typeof value };
}

function attackRefs(tactics: string | undefined, techniques: string | undefined): AttackRef[] {
  const list = (v: string | undefined): string[] =>
    (v ?? '')
      .split(/[,;]/)
      .map((s) => s.trim())
      .filter((s) => s !== '');
  // Invalid technique ids (`T843`) are dropped by the common build step, not here: they are what the product said.
  return [...list(tactics).map((tactic) => ({ tactic })), ...list(techniques).map((techniqueId) => ({ techniqueId }))];
}

/** One CommonSecurityLog / ASIM-style row as a CEF event, or the reasons it is not one. */
export function parseRow(row: Record<string, unknown>): RowResult {
  const errors: RowError[] = [];
  const event = emptyEvent();
  const header = new Map<string, string>();
  let additional: string | undefined;
  let tactics: string | undefined;
  let techniques: string | undefined;
  let identified = false;

  for (const [column, raw] of Object.entries(row)) {
    const { name, zone } = splitColumn(column);
    if (IDENTIFYING.has(name.toLowerCase())) identified = true;
    const value = cell(raw);
    if (value === undefined || METADATA_COLUMNS.has(name)) continue;
    if (typeof value !== 'string') {
      if (isKnownColumn(name))
        errors.push({ path: column, message: `expected a string or a number, got ${value.invalid}` });
      continue;
    }
    if (HEADER_NAMES.has(name)) header.set(name, value);
    else if (name === TIME_GENERATED) event.transport = { ...event.transport, timestamp: value, zone };
    else if (name === SYSLOG_HOST) event.transport = { ...event.transport, host: value };
    else if (name === ADDITIONAL_EXTENSIONS) additional = value;
    else if (name === TACTICS) tactics = value;
    else if (name === TECHNIQUES) techniques = value;
    else {
      const key = columnKey(name);
      if (key === undefined) event.extra.set(column, value);
      else addField(event, key, value, zone);
    }
  }

  if (!identified) {
    errors.push({
      path: '(root)',
      message: `not a CEF row: expected CommonSecurityLog columns (DeviceVendor, DeviceProduct, DeviceEventClassID, Activity …) or ASIM-style columns (EventVendor, EventProduct …)`,
    });
  }
  if (errors.length > 0) return { ok: false, errors };

  const first = (columns: readonly string[]): string | undefined =>
    columns.map((c) => header.get(c)).find((v) => v !== undefined && v.trim() !== '');
  event.vendor = first(HEADER_COLUMNS.vendor);
  event.product = first(HEADER_COLUMNS.product);
  event.deviceVersion = first(HEADER_COLUMNS.deviceVersion);
  event.classId = first(HEADER_COLUMNS.classId);
  event.name = first(HEADER_COLUMNS.name);
  event.severity = first(HEADER_COLUMNS.severity);
  // Columns win over the same key in AdditionalExtensions: the agent moved only unmapped keys there.
  if (additional !== undefined) addPairs(event, parseAdditionalExtensions(additional));
  event.attack = attackRefs(tactics, techniques);
  return { ok: true, event };
}
