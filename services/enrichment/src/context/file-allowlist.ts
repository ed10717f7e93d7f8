import { createHash } from 'node:crypto';
import { BlockList } from 'node:net';
import { basename } from 'node:path';
import { z } from 'zod';
import { type Alert, type Entity, EntityType } from '@soc/contracts';
import type { Clock } from '@soc/runtime';
import { canonicalIndicator } from '../threat-intel/index.ts';
import { accountKey, hostKey, ipKey, upnKey } from './keys.ts';
import type { Allowlist, AllowlistEntry, AllowlistMatch, ContextProvenance } from './ports.ts';
import { parseJson, readInventoryFiles, type RejectedRow } from './rows.ts';

/** One entry of an allowlist file. `value` or (for IPs) `cidr`; `reason` and `expiresAt` are required. */
export const AllowlistEntryInput = z
  .object({
    id: z.string().min(1).max(128).optional(),
    entityType: EntityType,
    value: z.string().min(1).max(2048).optional(),
    cidr: z.string().min(3).max(64).optional(),
    rule: z.string().min(1).max(1024).optional(),
    reason: z.string().min(3).max(1024),
    expiresAt: z.iso.datetime({ offset: true }),
    owner: z.string().min(1).max(256).optional(),
  })
  .strict()
  .refine((e) => (e.value === undefined) !== (e.cidr === undefined), { message: 'give either value or cidr' })
  .refine((e) => e.cidr === undefined || e.entityType === 'ip', { message: 'cidr is for entityType ip' });

/** The allowlist file: `{ "entries": [ … ] }` or a bare array. */
export const AllowlistFile = z.union([z.array(z.unknown()), z.object({ entries: z.array(z.unknown()) })]);

/** What loading one allowlist file gave; expired entries are kept out and listed. */
export interface AllowlistFileReport {
  file: string;
  entries: number;
  expired: { id: string; expiresAt: string }[];
  rejected: RejectedRow[];
}

/** The value an entry and an entity are compared by, canonical per type (case-insensitive where the type is). */
export function comparableValue(type: Entity['type'], raw: string): string | undefined {
  switch (type) {
    case 'host':
      return hostKey(raw)?.value;
    case 'ip':
      return ipKey(raw)?.value;
    case 'user':
      return upnKey(raw)?.value ?? accountKey(raw)?.value ?? raw.trim().toLowerCase();
    case 'domain':
    case 'hash':
      return canonicalIndicator({ type: type, value: raw })?.value;
    case 'url':
      return canonicalIndicator({ type: 'url', value: raw })?.value;
    case 'file':
    case 'process':
    case 'mailbox':
    case 'registry':
    case 'cloud-resource':
      return raw.trim().toLowerCase();
  }
}

/** Values an entity can be matched by: its value and, per type, its name, UPN, FQDN or host name. */
function entityValues(e: Entity): string[] {
  const raw: string[] = [e.value];
  if (e.type === 'host') raw.push(...[e.hostname, e.fqdn].filter((x): x is string => x !== undefined));
  if (e.type === 'user') raw.push(...[e.upn, e.name].filter((x): x is string => x !== undefined));
  if (e.type === 'process' || e.type === 'file') if (e.name !== undefined) raw.push(e.name);
  if (e.type === 'file') raw.push(...(e.hashes ?? []).map((h) => h.value.toLowerCase()));
  return [...new Set(raw.map((v) => comparableValue(e.type, v)).filter((v): v is string => v !== undefined))];
}

interface LoadedEntry {
  entry: AllowlistEntry;
  value: string | undefined;
  net: BlockList | undefined;
  provenance: ContextProvenance;
}

/**
 * Allowlists from JSON files: entries with an entity type and a value (or an IP CIDR), optionally only for one rule,
 * each with a reason, an expiry and an owner. Expired entries are ignored — at load (and reported) and at match time
 * (entries expire while the service runs). Matching is by exact canonical value or CIDR containment: linear in
 * entities × entries of that type, no patterns.
 */
export class FileAllowlist implements Allowlist {
  readonly name: string;
  readonly report: AllowlistFileReport[];
  /** Each file's name and the SHA-256 of its text, sorted by name: what the audit log records as the allowlists' version. */
  readonly fingerprint: readonly { file: string; sha256: string }[];
  readonly #byType = new Map<string, LoadedEntry[]>();
  readonly #clock: Clock;

  private constructor(entries: LoadedEntry[], report: AllowlistFileReport[], clock: Clock, name: string, fingerprint: readonly { file: string; sha256: string }[]) {
    this.name = name;
    this.report = report;
    this.fingerprint = fingerprint;
    this.#clock = clock;
    for (const e of entries) {
      const list = this.#byType.get(e.entry.entityType);
      if (list) list.push(e);
      else this.#byType.set(e.entry.entityType, [e]);
    }
  }

  static fromTexts(
    files: readonly { path: string; text: string }[],
    clock: Clock,
    name = 'allowlist-files',
  ): FileAllowlist {
    const now = clock.now();
    const loaded: LoadedEntry[] = [];
    const report: AllowlistFileReport[] = [];
    for (const { path, text } of files) {
      const file = basename(path);
      const parsed = AllowlistFile.safeParse(parseJson(text, file));
      if (!parsed.success) throw new Error(`${file}: expected { "entries": [ … ] } or an array`);
      const items = Array.isArray(parsed.data) ? parsed.data : parsed.data.entries;
      const r: AllowlistFileReport = { file, entries: 0, expired: [], rejected: [] };
      items.forEach((item, i) => {
        const ref = `${file}#${i}`;
        const e = AllowlistEntryInput.safeParse(item);
        if (!e.success) {
          r.rejected.push({
            ref,
            reason: e.error.issues
              .map((x) => `${x.path.join('.') || 'entry'}: ${x.message}`)
              .join('; ')
              .slice(0, 300),
          });
          return;
        }
        const entry: AllowlistEntry = { ...e.data, id: e.data.id ?? ref };
        if (Date.parse(entry.expiresAt) <= now.getTime()) {
          r.expired.push({ id: entry.id, expiresAt: entry.expiresAt });
          return;
        }
        let net: BlockList | undefined;
        if (entry.cidr !== undefined) {
          const [address = '', prefix = ''] = entry.cidr.split('/');
          const ip = ipKey(address);
          const bits = Number(prefix);
          const v6 = ip?.value.includes(':') ?? false;
          if (!ip || !/^\d{1,3}$/.test(prefix) || bits > (v6 ? 128 : 32)) {
            r.rejected.push({ ref, reason: `invalid cidr "${entry.cidr}"` });
            return;
          }
          net = new BlockList();
          net.addSubnet(ip.value, bits, v6 ? 'ipv6' : 'ipv4');
        }
        const value = entry.value === undefined ? undefined : comparableValue(entry.entityType, entry.value);
        if (entry.value !== undefined && value === undefined) {
          r.rejected.push({ ref, reason: `invalid ${entry.entityType} value` });
          return;
        }
        loaded.push({
          entry,
          value,
          net,
          provenance: { source: `allowlist:${file}`, fetchedAt: now.toISOString(), cacheHit: false, reference: ref },
        });
        r.entries++;
      });
      report.push(r);
    }
    const fingerprint = files
      .map(({ path, text }) => ({ file: basename(path), sha256: createHash('sha256').update(text).digest('hex') }))
      .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.sha256 < b.sha256 ? -1 : 1));
    return new FileAllowlist(loaded, report, clock, name, fingerprint);
  }

  static async load(paths: readonly string[], clock: Clock): Promise<FileAllowlist> {
    return FileAllowlist.fromTexts(await readInventoryFiles(paths), clock);
  }

  match(entities: readonly Entity[], alert: Alert): Promise<AllowlistMatch[]> {
    const now = this.#clock.now().getTime();
    const rules = new Set(
      [alert.rule?.id, alert.rule?.name, alert.title]
        .filter((r): r is string => r !== undefined)
        .map((r) => r.trim().toLowerCase()),
    );
    const out: AllowlistMatch[] = [];
    for (const entity of entities) {
      const candidates = this.#byType.get(entity.type);
      if (!candidates) continue;
      const values = entityValues(entity);
      for (const c of candidates) {
        if (Date.parse(c.entry.expiresAt) <= now) continue;
        if (c.entry.rule !== undefined && !rules.has(c.entry.rule.trim().toLowerCase())) continue;
        const hit = c.net
          ? values.some((v) => c.net?.check(v, v.includes(':') ? 'ipv6' : 'ipv4'))
          : c.value !== undefined && values.includes(c.value);
        if (hit) out.push({ entityId: entity.id, entry: c.entry, provenance: c.provenance });
      }
    }
    return Promise.resolve(out);
  }
}
