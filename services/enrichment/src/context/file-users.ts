import { basename } from 'node:path';
import type { Clock } from '@soc/runtime';
import type { InventoryFileReport } from './file-assets.ts';
import { accountKey, objectIdKey, upnKey } from './keys.ts';
import {
  USER_RISK_LEVELS,
  type UserDirectory,
  type UserKey,
  type UserMatch,
  type UserRecord,
  type UserRiskLevel,
} from './ports.ts';
import { listOf, readInventoryFiles, rowsOf, textOf, type RejectedRow, type Row } from './rows.ts';

function booleanOf(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return undefined;
  const v = value.trim().toLowerCase();
  if (['true', 'yes', '1'].includes(v)) return true;
  if (['false', 'no', '0'].includes(v)) return false;
  return undefined;
}

/**
 * One directory row as a user record, or the reason it was refused. Columns: `upn`, `objectId`, `account`
 * (`DOMAIN\name` or `name`), `displayName`, `department`, `jobTitle`, `manager`, `privilegedGroups` (`;`-separated
 * or an array), `privileged` (defaults to "has a privileged group"), `riskLevel` (none | low | medium | high), `accountEnabled`. Pure.
 */
export function userFromRow(row: Row, source: string, fetchedAt: string): UserRecord | RejectedRow {
  const f = row.fields;
  const get = (name: string): unknown => f[name] ?? f[name.toLowerCase()];
  const upnText = textOf(get('upn') ?? get('userPrincipalName'), 320);
  const oidText = textOf(get('objectId') ?? get('id'), 64);
  const accountText = textOf(get('account') ?? get('samAccountName'), 256);
  const upn = upnText === undefined ? undefined : upnKey(upnText);
  const oid = oidText === undefined ? undefined : objectIdKey(oidText);
  const account = accountText === undefined ? undefined : accountKey(accountText);
  if (upnText !== undefined && !upn) return { ref: row.ref, reason: `invalid upn "${upnText.slice(0, 64)}"` };
  if (oidText !== undefined && !oid) return { ref: row.ref, reason: 'objectId is not a GUID' };
  if (accountText !== undefined && !account)
    return { ref: row.ref, reason: `invalid account "${accountText.slice(0, 64)}"` };
  if (!upn && !oid && !account) return { ref: row.ref, reason: 'no upn, objectId or account' };
  const rawRisk = textOf(get('riskLevel'))?.toLowerCase();
  const riskLevel = USER_RISK_LEVELS.find((r) => r === rawRisk);
  if (rawRisk !== undefined && riskLevel === undefined)
    return { ref: row.ref, reason: `riskLevel must be none, low, medium or high, not "${rawRisk.slice(0, 32)}"` };
  const privilegedGroups = listOf(get('privilegedGroups')).map((g) => g.slice(0, 256));
  const privileged = booleanOf(get('privileged')) ?? privilegedGroups.length > 0;
  const accountEnabled = booleanOf(get('accountEnabled'));
  const optional = (key: keyof UserRecord, value: string | undefined): Partial<UserRecord> =>
    value === undefined ? {} : { [key]: value };
  return {
    ...(upn ? { upn: upn.value } : {}),
    ...(oid ? { objectId: oid.value } : {}),
    ...(account ? { account: account.value } : {}),
    ...optional('displayName', textOf(get('displayName'))),
    ...optional('department', textOf(get('department'))),
    ...optional('jobTitle', textOf(get('jobTitle') ?? get('role'))),
    ...optional('manager', textOf(get('manager'))),
    ...(accountEnabled === undefined ? {} : { accountEnabled }),
    privileged,
    privilegedGroups,
    ...(riskLevel ? { riskLevel: riskLevel satisfies UserRiskLevel } : {}),
    provenance: { source, fetchedAt, cacheHit: false, reference: row.ref },
  };
}

/** The keys a user record is found by. */
export function keysOfUser(u: UserRecord): string[] {
  return [
    ...(u.upn ? [`upn:${u.upn}`] : []),
    ...(u.objectId ? [`objectId:${u.objectId}`] : []),
    ...(u.account ? [`account:${u.account}`] : []),
  ];
}

/** A user directory exported to files (CSV with a header line, or JSON `[…]` / `{ "users": […] }`), looked up in memory. */
export class FileUserDirectory implements UserDirectory {
  readonly name: string;
  readonly report: InventoryFileReport[];
  readonly #index = new Map<string, UserRecord[]>();

  constructor(records: readonly UserRecord[], report: InventoryFileReport[] = [], name = 'user-files') {
    this.name = name;
    this.report = report;
    for (const r of records) {
      for (const k of keysOfUser(r)) {
        const list = this.#index.get(k);
        if (list) list.push(r);
        else this.#index.set(k, [r]);
      }
    }
  }

  static fromTexts(files: readonly { path: string; text: string }[], clock: Clock): FileUserDirectory {
    const fetchedAt = clock.now().toISOString();
    const records: UserRecord[] = [];
    const report: InventoryFileReport[] = [];
    for (const { path, text } of files) {
      const file = basename(path);
      const rejected: RejectedRow[] = [];
      let count = 0;
      for (const row of rowsOf(text, path, 'users')) {
        const r = userFromRow(row, `users:${file}`, fetchedAt);
        if ('reason' in r) rejected.push(r);
        else {
          records.push(r);
          count++;
        }
      }
      report.push({ file, records: count, rejected });
    }
    return new FileUserDirectory(records, report);
  }

  static async load(paths: readonly string[], clock: Clock): Promise<FileUserDirectory> {
    return FileUserDirectory.fromTexts(await readInventoryFiles(paths), clock);
  }

  lookup(keys: readonly UserKey[]): Promise<UserMatch[]> {
    return Promise.resolve(keys.flatMap((k) => (this.#index.get(k.key) ?? []).map((user) => ({ key: k.key, user }))));
  }
}
