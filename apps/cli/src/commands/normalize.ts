import { readFile } from 'node:fs/promises';
import { parseCommandArgs } from '../args.ts';
import { CliFailure, UsageError, type Command } from '../cli-io.ts';

/** `soc normalize`: runs a source's parser on a payload file locally and prints the common alerts. */
export const normalizeCommand: Command = {
  path: ['normalize'],
  summary: 'Print the normalised alerts a payload file gives (debug a parser)',
  help: `Usage: soc normalize --source <name> <file> [--tenant <id>] [--sender <name>]

Run a source's parser on a payload file, locally (nothing is sent or stored),
and print each normalised alert as one JSON line. The file holds one request
body as the product sends it: JSON (an object, an array, {"records":[…]}),
JSON lines (.jsonl/.ndjson: one body per line, e.g. Wazuh alerts.json), or for
cef, text lines. Refusals print every field error on stderr and exit 1.

Options:
  --source <name>  sentinel, defender, splunk, wazuh, cef or generic (required)
  --tenant <id>    tenant id for the alert ids (default $SOC_TENANT_ID, else default)
  --sender <name>  the sender's credential name, part of the alert ids (default sender,
                   the name of SOC_SENDER_TOKEN)
  -h, --help       show this help`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { source: { type: 'string' }, tenant: { type: 'string' }, sender: { type: 'string' } }, 1);
    const file = positionals[0];
    if (values.source === undefined) throw new UsageError('Missing --source <name>');
    if (file === undefined) throw new UsageError('Missing <file>');
    // Loaded on use: the parsers are only needed here.
    const { normalize, parserFor, PARSERS } = await import('@soc/ingestion');
    const parser = parserFor(values.source);
    if (parser === undefined) throw new UsageError(`Unknown source '${values.source}' (known: ${Object.keys(PARSERS).join(', ')})`);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new CliFailure(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    const bodies = bodiesOf(text, file, parser.mediaTypes.includes('text/plain'));
    const ctx = { tenantId: values.tenant ?? io.env.SOC_TENANT_ID ?? 'default', senderName: values.sender ?? 'sender', receivedAt: new Date() };
    const problems: string[] = [];
    let count = 0;
    for (const { body, where } of bodies) {
      const outcome = normalize(parser, body, ctx);
      if (!outcome.ok) {
        for (const e of outcome.errors) problems.push(`  ${where} [${e.index}] ${e.path}: ${e.message}`);
        continue;
      }
      for (const alert of outcome.alerts) io.out(JSON.stringify(alert));
      count += outcome.alerts.length;
    }
    if (problems.length > 0) throw new CliFailure(`${problems.length} field error${problems.length === 1 ? '' : 's'} (${count} alerts normalised)`, { details: problems.slice(0, 200) });
  },
};

/** One body per JSON lines line, the whole file as one JSON body, or (text sources) the whole file as text. */
function bodiesOf(text: string, file: string, textAllowed: boolean): { body: unknown; where: string }[] {
  if (/\.(jsonl|ndjson)$/i.test(file)) {
    return text
      .split('\n')
      .map((line, i) => ({ line, where: `line ${i + 1}` }))
      .filter(({ line }) => line.trim() !== '')
      .map(({ line, where }) => {
        try {
          return { body: JSON.parse(line) as unknown, where };
        } catch {
          throw new CliFailure(`${file} ${where} is not valid JSON`);
        }
      });
  }
  try {
    return [{ body: JSON.parse(text) as unknown, where: file }];
  } catch {
    if (textAllowed) return [{ body: text, where: file }];
    throw new CliFailure(`${file} is not valid JSON (for JSON lines, name it .jsonl)`);
  }
}
