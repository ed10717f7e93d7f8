import { callApi } from '../api-client.ts';
import { parseCommandArgs, positiveInt } from '../args.ts';
import { CliFailure, UsageError, type Command } from '../cli-io.ts';

const URL_HELP = `  --url <base>     API base URL (default $SOC_API_URL, else http://localhost:8080)`;
const TOKEN_HELP = `Token (an analyst's): SOC_API_TOKEN, else the first of SOC_API_TOKENS, else $SOC_DATA_DIR/api-token.`;

interface Summary {
  id: string;
  source: string;
  sender: string;
  receivedAt: string;
  reason: string;
  bytes: number;
  status: string;
}

/** `soc quarantine list`: payloads ingestion refused, newest first. */
export const quarantineList: Command = {
  path: ['quarantine', 'list'],
  summary: 'List payloads ingestion refused, with their reasons',
  help: `Usage: soc quarantine list [--source <name>] [--status quarantined|replayed|all] [--limit N] [--json] [--url <base>]

List the request bodies ingestion refused as unparseable (HTTP 400), newest
first: id, time, source, sender, size and the first reason. The bodies are kept
(INGEST_QUARANTINE_RETENTION_DAYS) so they can be replayed after a parser fix.

Options:
  --source <name>  only this source (sentinel, defender, splunk, wazuh, cef, generic)
  --status <s>     quarantined (default), replayed or all
  --limit N        at most N entries (default 50)
  --json           one JSON object per line
${URL_HELP}
  -h, --help       show this help

${TOKEN_HELP}`,
  async run(args, io) {
    const { values } = parseCommandArgs(args, { source: { type: 'string' }, status: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' }, url: { type: 'string' } }, 0);
    const status = values.status ?? 'quarantined';
    if (!['quarantined', 'replayed', 'all'].includes(status)) throw new UsageError(`--status must be quarantined, replayed or all (got '${status}')`);
    const query = new URLSearchParams({ limit: String(positiveInt(values.limit, '--limit', 50)) });
    if (status !== 'all') query.set('status', status);
    if (values.source !== undefined) query.set('source', values.source);
    const { body } = await callApi(io, values.url, 'GET', `api/v1/quarantine?${query.toString()}`);
    const items = (body as { items: Summary[] }).items;
    if (values.json === true) {
      for (const item of items) io.out(JSON.stringify(item));
      return;
    }
    if (items.length === 0) {
      io.out('No quarantined payloads.');
      return;
    }
    for (const q of items) io.out(`${q.id}  ${q.receivedAt}  ${q.source}  ${q.sender}  ${q.bytes} B  ${q.status}  ${q.reason}`);
  },
};

/** `soc quarantine show`: one entry, every reason, and the stored body. */
export const quarantineShow: Command = {
  path: ['quarantine', 'show'],
  summary: 'Show a quarantined payload: every reason and the body',
  help: `Usage: soc quarantine show <id> [--body] [--url <base>]

Print a quarantine entry: source, sender, time, every field error, and the
stored body (the first 64 KiB). With --body, print only the body, exactly as
stored, e.g. to fix it and resend it with soc ingest.

Options:
  --body        print only the stored body
${URL_HELP}
  -h, --help    show this help

${TOKEN_HELP}`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { body: { type: 'boolean' }, url: { type: 'string' } }, 1);
    const id = positionals[0];
    if (id === undefined) throw new UsageError('Missing <id> (soc quarantine list shows the ids)');
    const { body } = await callApi(io, values.url, 'GET', `api/v1/quarantine/${encodeURIComponent(id)}`);
    const entry = body as Summary & { errors: { index: number; path: string; message: string }[]; body: string | null; bodyTruncated: boolean; mediaType: string | null; alertIds?: string[]; lastReplayErrors?: { index: number; path: string; message: string }[] };
    if (values.body === true) {
      if (entry.body === null) throw new CliFailure(`The body of ${id} is no longer stored (retention expired)`);
      io.out(entry.body);
      return;
    }
    io.out(`id:          ${entry.id}`);
    io.out(`source:      ${entry.source}`);
    io.out(`sender:      ${entry.sender}`);
    io.out(`received at: ${entry.receivedAt}`);
    io.out(`status:      ${entry.status}${entry.alertIds ? ` (${entry.alertIds.length} alerts)` : ''}`);
    io.out(`size:        ${entry.bytes} B (${entry.mediaType ?? 'body expired'})`);
    io.out('reasons:');
    for (const e of entry.errors) io.out(`  [${e.index}] ${e.path}: ${e.message}`);
    if (entry.lastReplayErrors && entry.lastReplayErrors.length > 0) {
      io.out('last replay still refused:');
      for (const e of entry.lastReplayErrors) io.out(`  [${e.index}] ${e.path}: ${e.message}`);
    }
    if (entry.body !== null) {
      io.out(`body${entry.bodyTruncated ? ' (first 64 KiB; --body prints it whole)' : ''}:`);
      io.out(entry.body);
    }
  },
};

interface ReplayItem {
  id: string;
  outcome: 'replayed' | 'still-refused';
  alertIds?: string[];
  errors?: { index: number; path: string; message: string }[];
}

/** `soc quarantine replay`: re-runs quarantined bodies through today's parsers. */
export const quarantineReplay: Command = {
  path: ['quarantine', 'replay'],
  summary: 'Re-run quarantined payloads through the current parsers',
  help: `Usage: soc quarantine replay <id> [--source <name>] [--url <base>]
       soc quarantine replay --all [--url <base>]

Run quarantined bodies through the parsers of the running instance again, after
a parser fix or a configuration change. A body that now parses is ingested as if
it had just been posted (same alert ids, so a second replay changes nothing) and
its entry is marked replayed; one that still fails stays, with the new reasons.

Options:
  --all            replay every entry still quarantined
  --source <name>  with <id>: parse the body as this source instead (e.g. an Event Hubs
                   record of an unknown Type, kept under source 'eventhubs')
${URL_HELP}
  -h, --help    show this help

Exit code 1 when any replayed body is still refused.
${TOKEN_HELP}`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { all: { type: 'boolean' }, source: { type: 'string' }, url: { type: 'string' } }, 1);
    const id = positionals[0];
    if (values.all === true && id !== undefined) throw new UsageError('Give either <id> or --all, not both');
    if (values.all === true && values.source !== undefined) throw new UsageError('--source applies to one <id> only');
    const as = values.source === undefined ? '' : `?source=${encodeURIComponent(values.source)}`;
    if (values.all !== true && id === undefined) throw new UsageError('Missing <id> or --all');
    const items: ReplayItem[] =
      values.all === true
        ? ((await callApi(io, values.url, 'POST', 'api/v1/quarantine/replay')).body as { items: ReplayItem[] }).items
        : [(await callApi(io, values.url, 'POST', `api/v1/quarantine/${encodeURIComponent(id ?? '')}/replay${as}`, [200, 422])).body as ReplayItem];
    const refused = items.filter((i) => i.outcome === 'still-refused');
    for (const item of items) {
      io.out(item.outcome === 'replayed' ? `${item.id} replayed: ${item.alertIds?.length ?? 0} alerts accepted` : `${item.id} still refused`);
      for (const e of item.errors ?? []) io.out(`  [${e.index}] ${e.path}: ${e.message}`);
    }
    if (items.length === 0) io.out('Nothing to replay.');
    if (refused.length > 0) throw new CliFailure(`${refused.length} of ${items.length} payloads are still refused`);
  },
};
