import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { parse } from 'csv-parse/sync';

/**
 * `test/fixtures/alerts/manifest.json`: every alert fixture, the parser it goes to, how it is posted and how many
 * alerts it must yield (format: test/fixtures/alerts/README.md). Read by the replay system test and checked
 * against the folders by the manifest unit test.
 */
export const REPO_ROOT = new URL('../../../', import.meta.url);
export const ALERTS_DIR = 'test/fixtures/alerts/';
export const SHARED_ALERTS_DIR = '../shared/fixtures/alerts/';
export const MANIFEST_PATH = `${ALERTS_DIR}manifest.json`;

export const HTTP_SOURCES = ['generic', 'sentinel', 'defender', 'splunk', 'wazuh', 'cef'] as const;
export type HttpSource = (typeof HTTP_SOURCES)[number];
export const POST_MODES = ['json', 'json-lines', 'csv-rows', 'text', 'sentinel-entities', 'eventhubs'] as const;
export type PostMode = (typeof POST_MODES)[number];

/** A fixture file of alerts. */
export interface AlertFileEntry {
  path: string;
  source: HttpSource | 'eventhubs';
  post: PostMode;
  alerts: number;
  /** `sentinel-entities`: the SystemAlertId of the row of `sentinel/rows.jsonl` that carries the graph. */
  row?: string;
  /** `eventhubs`: records quarantined on purpose. */
  unrouted?: { records: number; reason: string };
  origin?: string;
}

/** A file that is not posted, and why. */
export interface RefusedFileEntry {
  path: string;
  refused: string;
}

export type FileEntry = AlertFileEntry | RefusedFileEntry;

/** A file of the shared data set: its copy here, or why it has none. */
export type SharedEntry = { path: string; copy: string } | { path: string; reason: string };

export interface FixtureManifest {
  files: FileEntry[];
  shared: SharedEntry[];
}

export const isAlertFile = (e: FileEntry): e is AlertFileEntry => !('refused' in e);

/** Files under a directory (relative to the repository root), recursively, as repository-relative paths. */
export function filesUnder(dir: string): string[] {
  const walk = (d: string): string[] =>
    readdirSync(new URL(d, REPO_ROOT), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(`${d}${e.name}/`) : [`${d}${e.name}`],
    );
  return walk(dir).sort();
}

export const repoFile = (path: string): URL => new URL(path.split('/').map(encodeURIComponent).join('/'), REPO_ROOT);
export const readRepoFile = (path: string): string => readFileSync(repoFile(path), 'utf8');
export const repoFileExists = (path: string): boolean => existsSync(repoFile(path));

/** Reads the manifest and checks the shape of every entry; throws listing every malformed one. */
export function loadManifest(): FixtureManifest {
  const raw = JSON.parse(readRepoFile(MANIFEST_PATH)) as { files?: unknown; shared?: unknown };
  if (!Array.isArray(raw.files) || !Array.isArray(raw.shared)) throw new Error(`${MANIFEST_PATH}: needs "files" and "shared" arrays`);
  const problems: string[] = [];
  for (const e of raw.files as Record<string, unknown>[]) {
    const where = `files entry ${JSON.stringify(e.path)}`;
    if (typeof e.path !== 'string') problems.push(`${where}: no path`);
    if ('refused' in e) {
      if (typeof e.refused !== 'string' || e.refused.length < 10) problems.push(`${where}: "refused" must give the reason`);
      continue;
    }
    if (e.source !== 'eventhubs' && !HTTP_SOURCES.includes(e.source as HttpSource)) problems.push(`${where}: unknown source ${String(e.source)}`);
    if (!POST_MODES.includes(e.post as PostMode)) problems.push(`${where}: unknown post mode ${String(e.post)}`);
    if ((e.source === 'eventhubs') !== (e.post === 'eventhubs')) problems.push(`${where}: source and post must both be eventhubs, or neither`);
    if (!Number.isInteger(e.alerts) || (e.alerts as number) < 1) problems.push(`${where}: "alerts" must be a positive integer`);
    if (e.post === 'sentinel-entities' && typeof e.row !== 'string') problems.push(`${where}: sentinel-entities needs the "row" that carries the graph`);
    if (e.unrouted !== undefined && e.post !== 'eventhubs') problems.push(`${where}: "unrouted" is for eventhubs entries`);
  }
  for (const e of raw.shared as Record<string, unknown>[]) {
    if (typeof e.path !== 'string' || (typeof e.copy !== 'string') === (typeof e.reason !== 'string')) {
      problems.push(`shared entry ${JSON.stringify(e.path)}: needs a path and either "copy" or "reason"`);
    }
  }
  if (problems.length > 0) throw new Error(`${MANIFEST_PATH}:\n${problems.join('\n')}`);
  return raw as unknown as FixtureManifest;
}

/** One request of a replay: a body for the entry's route, and a label per record it carries, for failure messages. */
export interface Post {
  body: unknown;
  contentType: 'application/json' | 'text/plain';
  /** `line 12`, `row 7`, `record 3` …, in the order the parser yields alerts (first index 1). */
  labels: string[];
}

/** Records per request: under the ingestion's default batch limit (1,000), as a forwarder batches. */
export const BATCH = 500;

/** RFC 4180 CSV (quoted fields, doubled quotes, CRLF, a leading BOM) → one object per row, keyed by the header. */
export function readCsvRows(text: string): Record<string, string>[] {
  const [header = [], ...body] = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true, relax_quotes: true }) as string[][];
  return body.map((r) => Object.fromEntries(header.map((h, k) => [h, r[k] ?? ''])));
}

const chunks = <T>(items: readonly T[], size = BATCH): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

const jsonBatches = (records: readonly unknown[], label: string): Post[] =>
  chunks(records.map((r, i) => [r, `${label} ${i + 1}`] as const)).map((c) => ({
    body: c.map(([r]) => r),
    contentType: 'application/json',
    labels: c.map(([, l]) => l),
  }));

/** The requests that carry an entry's alerts, as its `post` mode says (format: test/fixtures/alerts/README.md). */
export function postsOf(entry: AlertFileEntry): Post[] {
  const text = readRepoFile(entry.path);
  switch (entry.post) {
    case 'json': {
      const body = JSON.parse(text) as unknown;
      return Array.isArray(body) ? jsonBatches(body, 'record') : [{ body, contentType: 'application/json', labels: ['body'] }];
    }
    case 'eventhubs':
      return [{ body: JSON.parse(text) as unknown, contentType: 'application/json', labels: ['event'] }];
    case 'json-lines':
      return jsonBatches(nonBlankLines(text).map(([l]) => JSON.parse(l) as unknown), 'line');
    case 'csv-rows':
      return jsonBatches(readCsvRows(text), 'row');
    case 'text':
      return chunks(nonBlankLines(text)).map((c) => ({
        body: c.map(([l]) => l).join('\n'),
        contentType: 'text/plain',
        labels: c.map(([, n]) => `line ${n}`),
      }));
    case 'sentinel-entities': {
      const rows = nonBlankLines(readRepoFile(`${ALERTS_DIR}sentinel/rows.jsonl`)).map(([l]) => JSON.parse(l) as Record<string, unknown>);
      const row = rows.find((r) => r.SystemAlertId === entry.row);
      if (row === undefined) throw new Error(`${entry.path}: no row ${entry.row ?? ''} in sentinel/rows.jsonl`);
      const graph = JSON.parse(text) as Record<string, unknown>;
      // Its own SystemAlertId: the row itself is replayed from rows.jsonl, and the same id again would be a re-send.
      const body = { ...row, SystemAlertId: `${String(row.SystemAlertId)}-entities-graph`, Entities: Object.values(graph) };
      return [{ body, contentType: 'application/json', labels: [`row ${entry.row ?? ''} with this Entities graph`] }];
    }
  }
}

/** Non-blank lines with their 1-based line numbers. */
function nonBlankLines(text: string): [string, number][] {
  return text.split(/\r?\n/).flatMap((l, i) => (l.trim() === '' ? [] : [[l, i + 1] as [string, number]]));
}
