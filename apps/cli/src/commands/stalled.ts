import { callApi } from '../api-client.ts';
import { parseCommandArgs, positiveInt } from '../args.ts';
import { UsageError, type Command } from '../cli-io.ts';
import { formatAge, formatTable } from '../format.ts';

interface Stalled {
  alertId: string;
  correlationId: string;
  stage: string;
  receivedAt: string;
  ageSeconds: number;
}

/** `soc stalled`: alerts answered 202 that have had no decision for too long, and where each stopped. */
export const stalledCommand: Command = {
  path: ['stalled'],
  summary: 'List alerts answered 202 with no decision after the stall threshold, by stage',
  help: `Usage: soc stalled [--after <seconds>] [--limit N] [--json] [--url <base>]

List the alerts the pipeline accepted (HTTP 202) that still have no decision
after the journey watchdog's threshold (SOC_STALL_AFTER_SECONDS of the api,
default 300), oldest first: alert id, stage it stopped at (received, enriched,
triaged), age, correlation id. Look next at 'soc dlq list' and the logs of the
stage's next service for that correlation id.

Options:
  --after <seconds>  another threshold for this listing only
  --limit N          at most N alerts (default 100)
  --json             one JSON object per line
  --url <base>       API base URL (default $SOC_API_URL, else http://localhost:8080)
  -h, --help         show this help

Token (an analyst's): SOC_API_TOKEN, else the first of SOC_API_TOKENS, else $SOC_DATA_DIR/api-token.`,
  async run(args, io) {
    const { values } = parseCommandArgs(args, { after: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' }, url: { type: 'string' } }, 0);
    const query = new URLSearchParams({ limit: String(positiveInt(values.limit, '--limit', 100)) });
    if (values.after !== undefined) {
      if (!/^\d+$/.test(values.after)) throw new UsageError(`--after must be a whole number of seconds (got '${values.after}')`);
      query.set('afterSeconds', values.after);
    }
    const { body } = await callApi(io, values.url, 'GET', `api/v1/alerts/stalled?${query.toString()}`);
    const { items, count, stallAfterSeconds } = body as { items: Stalled[]; count: number; stallAfterSeconds: number };
    if (values.json === true) {
      for (const item of items) io.out(JSON.stringify(item));
      return;
    }
    if (items.length === 0) {
      io.out(`No stalled alerts: every alert received more than ${stallAfterSeconds} s ago has a decision.`);
      return;
    }
    for (const line of formatTable([['ALERT ID', 'STAGE', 'AGE', 'RECEIVED AT', 'CORRELATION ID'], ...items.map((s) => [s.alertId, s.stage, formatAge(s.ageSeconds), s.receivedAt, s.correlationId])])) io.out(line);
    const more = count > items.length ? ` (showing ${items.length}; --limit for more)` : '';
    io.err(`${count} alert(s) without a decision after ${stallAfterSeconds} s${more}`);
  },
};
