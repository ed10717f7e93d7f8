import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { readCsv } from '../threat-intel/csv.ts';

/** One record of an inventory file as loose data, and where it is (`<file>:<line>` or `<file>#<index>`). */
export interface Row {
  ref: string;
  fields: Record<string, unknown>;
}

/** A record the loader refused, and why. */
export interface RejectedRow {
  ref: string;
  reason: string;
}

/** Larger files are refused: inventories are exported lists, not databases. */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;

/**
 * The rows of a CSV (header line, RFC 4180) or JSON (an array, or an object with one array under `arrayKey`)
 * text. Header names are matched case-insensitively, so they are lower-cased.
 */
export function rowsOf(text: string, fileName: string, arrayKey: string): Row[] {
  const name = basename(fileName);
  if (extname(fileName).toLowerCase() === '.json') {
    const data = parseJson(text, name);
    const list = Array.isArray(data) ? data : (data as Record<string, unknown> | null)?.[arrayKey];
    if (!Array.isArray(list)) throw new Error(`${name}: expected a JSON array or an object with "${arrayKey}": [...]`);
    return list.map((item, i) => ({
      ref: `${name}#${i}`,
      fields:
        typeof item === 'object' && item !== null && !Array.isArray(item) ? (item as Record<string, unknown>) : {},
    }));
  }
  const [header, ...records] = readCsv(text);
  if (!header) return [];
  const columns = header.fields.map((f) => f.trim().toLowerCase());
  return records.map((r) => ({
    ref: `${name}:${r.line}`,
    fields: Object.fromEntries(columns.map((c, i) => [c, r.fields[i] ?? ''])),
  }));
}

/** JSON.parse naming the file on failure (start-up stops with it). */
export function parseJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`${name} is not valid JSON: ${error instanceof Error ? error.message.slice(0, 200) : ''}`, {
      cause: error,
    });
  }
}

/** Reads the files given (a directory stands for its `.csv` and `.json` files, in name order). */
export async function readInventoryFiles(paths: readonly string[]): Promise<{ path: string; text: string }[]> {
  const files: string[] = [];
  for (const p of paths) {
    if ((await stat(p)).isDirectory()) {
      const names = (await readdir(p)).filter((n) => ['.csv', '.json'].includes(extname(n).toLowerCase())).sort();
      files.push(...names.map((n) => join(p, n)));
    } else files.push(p);
  }
  const out: { path: string; text: string }[] = [];
  for (const path of files) {
    const size = (await stat(path)).size;
    if (size > MAX_FILE_BYTES) throw new Error(`${basename(path)} is ${size} bytes; the limit is ${MAX_FILE_BYTES}`);
    out.push({ path, text: await readFile(path, 'utf8') });
  }
  return out;
}

/** A list field given as a JSON array or as a `;`/`|`-separated string, trimmed, empty items dropped. */
export function listOf(value: unknown): string[] {
  const items = Array.isArray(value)
    ? value.filter((v): v is string => typeof v === 'string')
    : typeof value === 'string'
      ? value.split(/[;|]/)
      : [];
  return items.map((s) => s.trim()).filter((s) => s !== '');
}

/** A text field, trimmed; empty is absent. */
export function textOf(value: unknown, max = 512): string | undefined {
  if (typeof value !== 'string') return undefined;
  const t = value.trim();
  return t === '' ? undefined : t.slice(0, max);
}
