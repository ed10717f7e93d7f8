import { alertsFormatOf, readAlertsFile, type SourcedAlert } from '../alerts-file.ts';
import { parseCommandArgs, positiveInt } from '../args.ts';
import { apiBase, DEFAULT_URL } from '../api-client.ts';
import { CliFailure, UsageError, type Command } from '../cli-io.ts';
import { displayUrl, postBatch, type BatchResult } from '../ingest-client.ts';

const DEFAULT_BATCH = 100;
/** Generous: a batch is acknowledged only once it is durably on the bus, which can take a while under load. */
const REQUEST_TIMEOUT_MS = 60_000;

/** `soc ingest`: posts alerts from a file to a running instance, in batches. */
export const ingest: Command = {
  path: ['ingest'],
  summary: 'Post alerts from a .json or .jsonl file to a running instance',
  help: `Usage: soc ingest <file.json|file.jsonl> [--source generic] [--url <base>] [--batch N] [--quiet]

Read alerts from a .json file (one alert or an array) or a .jsonl file (one alert
per line) and POST them to <base>/api/v1/alerts/<source> in batches. Prints one
line per accepted alert: "<alertId> <correlationId>". A batch is accepted or
refused whole; on a refusal the server's reason and field errors are printed
(pointing at file lines) and soc stops with exit code 1. Re-sending an alert that
was already accepted is harmless: the same id is the same alert.

Options:
  --source <name>  alert source (default generic; format: services/ingestion/README.md)
  --url <base>     API base URL (default $SOC_API_URL, else ${DEFAULT_URL})
  --batch N        alerts per request (default ${DEFAULT_BATCH}; the server allows up to INGEST_MAX_BATCH)
  --quiet          print only a summary
  -h, --help       show this help

Token: a sender's, never an analyst's: SOC_SENDER_TOKEN, else $SOC_DATA_DIR/sender-token
(default ./data/sender-token, written by npm start). It is never printed.`,

  async run(args, io) {
    const { values, positionals } = parseCommandArgs(
      args,
      { source: { type: 'string' }, url: { type: 'string' }, batch: { type: 'string' }, quiet: { type: 'boolean' } },
      1,
    );
    const file = positionals[0];
    if (file === undefined) throw new UsageError('Missing <file>');
    alertsFormatOf(file);
    const source = values.source ?? 'generic';
    if (!/^[a-z0-9][a-z0-9-]*$/.test(source))
      throw new UsageError(`--source must be a lower-case name like 'generic' (got '${source}')`);
    const batchSize = positiveInt(values.batch, '--batch', DEFAULT_BATCH);
    const endpoint = new URL(`api/v1/alerts/${source}`, apiBase(values.url, io.env.SOC_API_URL));

    const alerts = await readAlertsFile(file);
    // Loaded on use: @soc/platform brings express and the adapters, which `soc --help` should not wait for.
    const { resolveIngestToken } = await import('../api-token.ts');
    const token = resolveIngestToken(io.env);
    const batches = Math.ceil(alerts.length / batchSize);
    let accepted = 0;
    for (let b = 0; b < batches; b++) {
      const batch = alerts.slice(b * batchSize, (b + 1) * batchSize);
      const result = await postBatch(
        { endpoint, token, timeoutMs: REQUEST_TIMEOUT_MS },
        batch.map((a) => a.alert),
      );
      if (!result.ok) throw refusal(result, { batch, index: b, batches, accepted, endpoint });
      accepted += result.receipts.length;
      if (values.quiet !== true) for (const r of result.receipts) io.out(`${r.alertId} ${r.correlationId}`);
    }
    if (values.quiet === true) {
      io.out(
        `Accepted ${accepted} alert${accepted === 1 ? '' : 's'} in ${batches} request${batches === 1 ? '' : 's'} to ${displayUrl(endpoint)}.`,
      );
    }
  },
};

interface RefusalContext {
  readonly batch: readonly SourcedAlert[];
  readonly index: number;
  readonly batches: number;
  readonly accepted: number;
  readonly endpoint: URL;
}

/** The failure for a refused batch: status, title and detail on one line, then the field errors by file position. */
function refusal(result: Extract<BatchResult, { ok: false }>, ctx: RefusalContext): CliFailure {
  const { problem, status } = result;
  const first = ctx.batch[0]?.where ?? '?';
  const last = ctx.batch.at(-1)?.where ?? '?';
  const span = ctx.batch.length === 1 ? first : `${first} to ${last}`;
  const reason = [problem.title, problem.detail].filter((s) => s !== undefined && s !== '').join(': ');
  const details = (problem.errors ?? []).map((e) => `  ${locate(e.path, ctx.batch)}: ${e.message}`);
  if (status === 401 || status === 403) {
    details.push(
      `  check SOC_SENDER_TOKEN, or $SOC_DATA_DIR/sender-token of the instance at ${displayUrl(ctx.endpoint)}`,
    );
  }
  if (status === 413) details.push('  the batch is too large for the server: use a smaller --batch');
  if (ctx.accepted > 0) {
    details.push(
      `  ${ctx.accepted} alert${ctx.accepted === 1 ? ' was' : 's were'} accepted before this batch; re-sending them is harmless`,
    );
  }
  return new CliFailure(
    `Batch ${ctx.index + 1} of ${ctx.batches} (${span}) refused: HTTP ${status}${reason === '' ? '' : ` ${reason}`}`,
    { details },
  );
}

/** `[3].severity` (index within the batch, as ingestion reports arrays) → `line 57: severity`. */
function locate(path: string, batch: readonly SourcedAlert[]): string {
  const match = /^\[(\d+)\]\.?(.*)$/.exec(path);
  const alert = match === null ? undefined : batch[Number(match[1])];
  if (match === null || alert === undefined) return path;
  return `${alert.where}: ${match[2] === '' ? '(alert)' : match[2]}`;
}
