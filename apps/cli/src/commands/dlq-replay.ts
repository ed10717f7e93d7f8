import { parseCommandArgs } from '../args.ts';
import { CliFailure, UsageError, type Command } from '../cli-io.ts';

/** `soc dlq replay`: puts dead letters back on their subscription, after their cause is fixed. */
export const dlqReplay: Command = {
  path: ['dlq', 'replay'],
  summary: 'Re-drive one or all dead letters to their subscription',
  help: `Usage: soc dlq replay <id>
       soc dlq replay --all [--subscription <name>]

Put dead letters back on their subscription with a fresh delivery count, so the
running consumer processes them again. Fix the cause first (see soc dlq show):
a message that fails again is dead-lettered again. Handlers are idempotent, so a
replayed message never duplicates a side effect that already happened.

Options:
  --all                  replay every dead letter (of --subscription, if given)
  --subscription <name>  with --all: only this subscription (enrichment, triage, case-view …)
  -h, --help             show this help`,

  async run(args, io) {
    const { values, positionals } = parseCommandArgs(
      args,
      { all: { type: 'boolean' }, subscription: { type: 'string' } },
      1,
    );
    const id = positionals[0];
    // Loaded on use: the bus adapters bring the Azure SDK, which `soc --help` should not wait for.
    const { checkSubscription, withDeadLetters } = await import('../dead-letters.ts');
    const subscription = checkSubscription(values.subscription);
    if (values.all === true) {
      if (id !== undefined) throw new UsageError('Give either <id> or --all, not both');
      const count = await withDeadLetters(io, (admin) =>
        admin.replayAll(subscription === undefined ? {} : { subscription }),
      );
      io.out(
        `Replayed ${count} dead letter${count === 1 ? '' : 's'}${subscription === undefined ? '' : ` of ${subscription}`}.`,
      );
      return;
    }
    if (subscription !== undefined) throw new UsageError('--subscription applies to --all only');
    if (id === undefined) throw new UsageError('Missing <id> or --all');
    const replayed = await withDeadLetters(io, (admin) => admin.replay(id));
    if (!replayed) throw new CliFailure(`No dead letter with id '${id}' (soc dlq list shows the ids)`);
    io.out(`Replayed 1 dead letter (${id}).`);
  },
};
