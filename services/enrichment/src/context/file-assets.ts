import { basename } from 'node:path';
import type { Clock } from '@soc/runtime';
import { hostKey, ipKey } from './keys.ts';
import {
  CRITICALITIES,
  type AssetDirectory,
  type AssetKey,
  type AssetMatch,
  type AssetRecord,
  type Criticality,
} from './ports.ts';
import { listOf, readInventoryFiles, rowsOf, textOf, type RejectedRow, type Row } from './rows.ts';

/** What loading one inventory file gave. */
export interface InventoryFileReport {
  file: string;
  records: number;
  rejected: RejectedRow[];
}

/** A criticality word (`Critical`, `high` …) or a ServiceNow-style leading digit (`1 - most critical`). */
export function criticalityOf(value: unknown): Criticality | undefined {
  if (typeof value !== 'string') return undefined;
  const v = value.trim().toLowerCase();
  const word = CRITICALITIES.find((c) => c === v);
  if (word) return word;
  // ServiceNow's business criticality choices: 1 - most critical, 2 - somewhat critical, 3 - less critical, 4 - not critical.
  const digit = /^([1-4])(?:\s|-|$)/.exec(v)?.[1];
  return digit === undefined ? undefined : (['critical', 'high', 'medium', 'low'] as const)[Number(digit) - 1];
}

/** One inventory row as an asset record, or the reason it was refused. Pure. */
export function assetFromRow(row: Row, source: string, fetchedAt: string): AssetRecord | RejectedRow {
  const f = row.fields;
  const hostname = textOf(f['hostname'] ?? f['name'], 253);
  const fqdn = textOf(f['fqdn'], 253);
  const ipValues = [...listOf(f['ip']), ...listOf(f['ips']), ...listOf(f['ip_address'])];
  const host = hostname === undefined ? undefined : hostKey(hostname);
  const full = fqdn === undefined ? undefined : hostKey(fqdn);
  if (hostname !== undefined && !host) return { ref: row.ref, reason: `invalid hostname "${hostname.slice(0, 64)}"` };
  if (fqdn !== undefined && !full) return { ref: row.ref, reason: `invalid fqdn "${fqdn.slice(0, 64)}"` };
  const ips: string[] = [];
  for (const raw of ipValues) {
    const k = ipKey(raw);
    if (!k) return { ref: row.ref, reason: `invalid ip "${raw.slice(0, 64)}"` };
    ips.push(k.value);
  }
  if (!host && !full && ips.length === 0) return { ref: row.ref, reason: 'no hostname, fqdn or ip' };
  const rawCriticality = textOf(f['criticality']);
  const criticality = criticalityOf(rawCriticality);
  if (rawCriticality !== undefined && criticality === undefined)
    return {
      ref: row.ref,
      reason: `criticality must be low, medium, high or critical, not "${rawCriticality.slice(0, 32)}"`,
    };
  const owner = textOf(f['owner']);
  const location = textOf(f['location']);
  return {
    ...(host ? { hostname: host.value } : {}),
    ...(full ? { fqdn: full.value } : {}),
    ips,
    ...(criticality ? { criticality } : {}),
    ...(owner ? { owner } : {}),
    ...(location ? { location } : {}),
    tags: [...new Set(listOf(f['tags']).map((t) => t.toLowerCase().slice(0, 64)))],
    provenance: { source, fetchedAt, cacheHit: false, reference: row.ref },
  };
}

const isRejected = (r: AssetRecord | RejectedRow): r is RejectedRow => 'reason' in r;

/** The keys an asset record is found by: its host name, FQDN and addresses. */
export function keysOfAsset(a: AssetRecord): string[] {
  return [
    ...(a.hostname ? [`host:${a.hostname}`] : []),
    ...(a.fqdn ? [`host:${a.fqdn}`] : []),
    ...a.ips.map((ip) => `ip:${ip}`),
  ];
}

/**
 * Asset inventory files (CSV with a header line, or JSON): `hostname`, `fqdn`, `ip` (`;`-separated or an array),
 * `criticality` (low | medium | high | critical), `owner`, `location`, `tags` (`;`-separated or an array). Loaded
 * once; looked up in memory. A row that fails validation is reported, never half-loaded.
 */
export class FileAssetDirectory implements AssetDirectory {
  readonly name: string;
  readonly report: InventoryFileReport[];
  readonly #index = new Map<string, AssetRecord[]>();

  constructor(records: readonly AssetRecord[], report: InventoryFileReport[] = [], name = 'asset-files') {
    this.name = name;
    this.report = report;
    for (const r of records) {
      for (const k of new Set(keysOfAsset(r))) {
        const list = this.#index.get(k);
        if (list) list.push(r);
        else this.#index.set(k, [r]);
      }
    }
  }

  /** Parses inventory texts (the file name decides CSV or JSON). Pure apart from the clock. */
  static fromTexts(files: readonly { path: string; text: string }[], clock: Clock): FileAssetDirectory {
    const fetchedAt = clock.now().toISOString();
    const records: AssetRecord[] = [];
    const report: InventoryFileReport[] = [];
    for (const { path, text } of files) {
      const file = basename(path);
      const rejected: RejectedRow[] = [];
      let count = 0;
      for (const row of rowsOf(text, path, 'assets')) {
        const r = assetFromRow(row, `assets:${file}`, fetchedAt);
        if (isRejected(r)) rejected.push(r);
        else {
          records.push(r);
          count++;
        }
      }
      report.push({ file, records: count, rejected });
    }
    return new FileAssetDirectory(records, report);
  }

  /** Loads files or directories of `.csv`/`.json` inventories. */
  static async load(paths: readonly string[], clock: Clock): Promise<FileAssetDirectory> {
    return FileAssetDirectory.fromTexts(await readInventoryFiles(paths), clock);
  }

  lookup(keys: readonly AssetKey[]): Promise<AssetMatch[]> {
    return Promise.resolve(keys.flatMap((k) => (this.#index.get(k.key) ?? []).map((asset) => ({ key: k.key, asset }))));
  }
}
