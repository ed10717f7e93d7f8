import { createHash } from 'node:crypto';
import { z } from 'zod';
import { CaseStatus } from '@soc/contracts';
import type { CaseGroup } from './case-group.ts';

const SEVERITIES = ['critical', 'high', 'medium', 'low', 'informational'] as const;

/** How many case groups the queue reads per request (the state store's largest page), newest activity first. */
export const QUEUE_SCAN_LIMIT = 1000;

/** The query of `GET /api/v1/cases`: filters, sort and paging. An unknown parameter is a 400. */
export const QueueQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(50),
    severity: z.enum(SEVERITIES).optional(),
    verdict: z.enum(['true-positive', 'benign-positive', 'false-positive', 'needs-more-information', 'none']).optional().meta({ description: 'The group\'s worst verdict; `none`: not triaged yet.' }),
    status: z.enum([...CaseStatus.options, 'open']).optional().meta({ description: 'The lead alert\'s status; `open`: any but resolved.' }),
    assignee: z.string().min(1).max(256).optional().meta({ description: 'A principal, `me` (the caller) or `unassigned`.' }),
    sort: z.enum(['priority', 'newest', 'oldest']).default('priority').meta({ description: '`priority`: most severe, then SLA due soonest, then highest risk score; `newest`: latest activity first; `oldest`: first seen first.' }),
    cursor: z.string().min(1).max(512).optional().meta({ description: 'The `next` of the previous page (same filters and sort).' }),
  })
  .strict();
export type QueueQuery = z.infer<typeof QueueQuery>;

/** A case group as the queue lists it: the group with its lead alert's casework, its SLA due time and age. */
export interface QueueRow extends CaseGroup {
  assignee: string | null;
  status: CaseStatus;
  /** firstSeen + the SLA minutes of its severity (SOC_SLA_MINUTES); null when that severity has no SLA. */
  slaDueAt: string | null;
  ageSeconds: number;
}

/** What the queue needs besides the groups and the query. */
export interface QueueContext {
  now: Date;
  /** SLA minutes per severity (SOC_SLA_MINUTES). */
  slaMinutes: Readonly<Partial<Record<string, number>>>;
  /** The caller: what `assignee=me` means. */
  principal: string;
}

/** A page of the queue, or why the cursor is refused. */
export type QueuePage = { ok: true; items: QueueRow[]; next: string | null } | { ok: false; detail: string };

/** The row of a group (pure). */
export function queueRow(group: CaseGroup, ctx: QueueContext): QueueRow {
  const minutes = ctx.slaMinutes[group.severity];
  const first = Date.parse(group.firstSeen);
  return {
    ...group,
    assignee: group.assignee ?? null,
    status: group.status ?? 'new',
    slaDueAt: minutes === undefined ? null : new Date(first + minutes * 60_000).toISOString(),
    ageSeconds: Math.max(0, Math.floor((ctx.now.getTime() - first) / 1000)),
  };
}

type SortKey = (string | number)[];

/** The row's position in the sort: compared element by element, the group id last (a total order, so a cursor is exact). */
function sortKey(row: QueueRow, sort: QueueQuery['sort']): SortKey {
  if (sort === 'newest') return [-Date.parse(row.lastSeen), row.groupId];
  if (sort === 'oldest') return [Date.parse(row.firstSeen), row.groupId];
  const rank = (SEVERITIES as readonly string[]).indexOf(row.severity);
  return [rank === -1 ? SEVERITIES.length : rank, row.slaDueAt === null ? Number.MAX_SAFE_INTEGER : Date.parse(row.slaDueAt), -(row.riskScore ?? -1), row.groupId];
}

function compareKeys(a: SortKey, b: SortKey): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/** The filters a cursor belongs to: a cursor of another query is refused rather than paging the wrong list. */
function filterPrint(query: QueueQuery, ctx: QueueContext): string {
  const assignee = query.assignee === 'me' ? ctx.principal : query.assignee;
  return createHash('sha256').update(JSON.stringify([query.sort, query.severity ?? null, query.verdict ?? null, query.status ?? null, assignee ?? null])).digest('base64url').slice(0, 16);
}

function matches(row: QueueRow, query: QueueQuery, ctx: QueueContext): boolean {
  if (query.severity !== undefined && row.severity !== query.severity) return false;
  if (query.verdict !== undefined && (row.verdict ?? 'none') !== query.verdict) return false;
  if (query.status === 'open' ? row.status === 'resolved' : query.status !== undefined && row.status !== query.status) return false;
  if (query.assignee === 'unassigned') return row.assignee === null;
  if (query.assignee !== undefined) return row.assignee === (query.assignee === 'me' ? ctx.principal : query.assignee);
  return true;
}

/** The opaque cursor after a row: its sort key and the query's filter print, base64url JSON. */
function cursorAfter(row: QueueRow, query: QueueQuery, ctx: QueueContext): string {
  return Buffer.from(JSON.stringify({ f: filterPrint(query, ctx), k: sortKey(row, query.sort) })).toString('base64url');
}

function readCursor(cursor: string, query: QueueQuery, ctx: QueueContext): SortKey | undefined {
  try {
    const parsed = z
      .object({ f: z.string(), k: z.array(z.union([z.string().max(256), z.number()])).max(8) })
      .safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return parsed.success && parsed.data.f === filterPrint(query, ctx) ? parsed.data.k : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One page of the analyst's queue from the groups read (pure): filters, sort, then the rows after the cursor. The
 * cursor holds only the last row's sort key (no tenant, no filter values): each page reads the caller's own tenants
 * again, so a cursor never widens what a caller sees, and rows that arrive between pages take their place in order.
 */
export function queuePage(groups: readonly CaseGroup[], query: QueueQuery, ctx: QueueContext): QueuePage {
  const after = query.cursor === undefined ? undefined : readCursor(query.cursor, query, ctx);
  if (query.cursor !== undefined && after === undefined) return { ok: false, detail: 'The cursor is not one this query gave (it belongs to other filters or a different sort, or is malformed): start from the first page.' };
  const rows = groups
    .map((g) => queueRow(g, ctx))
    .filter((r) => matches(r, query, ctx))
    .map((r) => ({ r, k: sortKey(r, query.sort) }))
    .filter(({ k }) => after === undefined || compareKeys(k, after) > 0)
    .sort((a, b) => compareKeys(a.k, b.k));
  const page = rows.slice(0, query.limit).map(({ r }) => r);
  const last = page.at(-1);
  return { ok: true, items: page, next: rows.length > query.limit && last ? cursorAfter(last, query, ctx) : null };
}
