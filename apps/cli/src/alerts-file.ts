import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { CliFailure, UsageError } from './cli-io.ts';

/** One alert read from a file, with where it came from so a server's field errors can point back to it. */
export interface SourcedAlert {
  readonly alert: unknown;
  /** `line 12` (JSON Lines), `[3]` (JSON array) or `alert` (a single JSON object). */
  readonly where: string;
}

/** The formats `soc ingest` reads, chosen by file extension. */
export type AlertsFormat = 'json' | 'jsonl';

/** The format of a file from its extension; anything else is a usage error, since guessing could mis-split. */
export function alertsFormatOf(path: string): AlertsFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  throw new UsageError(`Cannot tell the format of '${path}': use a .json (one alert or an array) or .jsonl file`);
}

/**
 * Parses alerts: a JSON document holding one alert or an array of alerts, or JSON Lines (one alert per
 * non-blank line). The alerts themselves are not checked here: the server owns the format and says exactly
 * which field is wrong.
 */
export function parseAlerts(text: string, format: AlertsFormat, name: string): SourcedAlert[] {
  if (format === 'json') {
    const doc = parseJson(text, name);
    return Array.isArray(doc) ? doc.map((alert, i) => ({ alert, where: `[${i}]` })) : [{ alert: doc, where: 'alert' }];
  }
  const alerts: SourcedAlert[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    alerts.push({ alert: parseJson(line, `${name} line ${i + 1}`), where: `line ${i + 1}` });
  });
  return alerts;
}

/** Reads and parses an alerts file; a missing file or bad JSON is a failure naming the file (and line). */
export async function readAlertsFile(path: string): Promise<SourcedAlert[]> {
  const format = alertsFormatOf(path);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliFailure(`Cannot read ${path}${code === undefined ? '' : ` (${code})`}`, { cause: error });
  }
  const alerts = parseAlerts(text.replace(/^\uFEFF/, ''), format, path);
  if (alerts.length === 0) throw new CliFailure(`No alerts in ${path}`);
  return alerts;
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliFailure(`${where}: invalid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}
