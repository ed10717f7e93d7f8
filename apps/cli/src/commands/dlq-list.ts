import { parseCommandArgs, positiveInt } from '../args.ts';
import type { Command } from '../cli-io.ts';
import { deadLetterSummary, deadLetterTable } from '../format.ts';

const DEFAULT_LIMIT = 100;

/** `soc dlq list`: the dead letters of every (or one) subscription, oldest first. */
export const dlqList: Command = {
  path: ['dlq', 'list'],
  summary: 'List dead letters with their reasons',
  help: `Usage: soc dlq list [--subscription <name>] [--limit N] [--json]

List dead-lettered messages, oldest first: id, subscription, event type, reason,
delivery count, when it was dead-lettered and the correlation id of its journey.

Options:
  --subscription <name>  only this subscription (enrichment, triage, case-view …)
  --limit N              at most N dead letters (default ${DEFAULT_LIMIT})
  --json                 one JSON object per line instead of a table
  -h, --help             show this help

The bus is the one the services use: SOC_BUS, SOC_DATA_DIR / SOC_BUS_FILE, SERVICEBUS_* (see apps/cli/README.md).`,

  async run(args, io) {
    const { values } = parseCommandArgs(
      args,
      { subscription: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
      0,
    );
    const limit = positiveInt(values.limit, '--limit', DEFAULT_LIMIT);
    // Loaded on use: the bus adapters bring the Azure SDK, which `soc --help` should not wait for.
    const { checkSubscription, withDeadLetters } = await import('../dead-letters.ts');
    const subscription = checkSubscription(values.subscription);
    const deadLetters = await withDeadLetters(io, (admin) =>
      admin.list({ limit, ...(subscription === undefined ? {} : { subscription }) }),
    );
    if (values.json === true) {
      for (const d of deadLetters) io.out(deadLetterSummary(d));
      return;
    }
    if (deadLetters.length === 0) {
      io.out(subscription === undefined ? 'No dead letters.' : `No dead letters on ${subscription}.`);
      return;
    }
    for (const line of deadLetterTable(deadLetters)) io.out(line);
    // On stderr so a script reading the table never mistakes the hint for a row.
    if (deadLetters.length === limit) io.err(`soc: showing the first ${limit}; use --limit to see more`);
  },
};
