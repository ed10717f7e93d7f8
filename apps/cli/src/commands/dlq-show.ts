import { parseCommandArgs } from '../args.ts';
import { CliFailure, UsageError, type Command } from '../cli-io.ts';

/** `soc dlq show <id>`: one dead letter in full, body included. */
export const dlqShow: Command = {
  path: ['dlq', 'show'],
  summary: 'Show one dead letter in full (reason, description, body)',
  help: `Usage: soc dlq show <id>

Print one dead letter as pretty JSON: reason, description, delivery count and the
message body as it was received. <id> is the ID column of 'soc dlq list'
(<subscription>/<message id>).

Options:
  -h, --help  show this help`,

  async run(args, io) {
    const { positionals } = parseCommandArgs(args, {}, 1);
    const id = positionals[0];
    if (id === undefined) throw new UsageError('Missing <id>: an ID from soc dlq list');
    // Loaded on use: the bus adapters bring the Azure SDK, which `soc --help` should not wait for.
    const { withDeadLetters } = await import('../dead-letters.ts');
    const deadLetter = await withDeadLetters(io, (admin) => admin.get(id));
    if (deadLetter === undefined) throw new CliFailure(`No dead letter with id '${id}' (soc dlq list shows the ids)`);
    io.out(JSON.stringify(deadLetter, null, 2));
  },
};
