import { createReadStream } from 'node:fs';
import { parseCommandArgs } from '../args.ts';
import { CliFailure, linesOf, type CliIo, type Command } from '../cli-io.ts';

/** `soc sigma match`: matches events (JSON lines) against the Sigma rules and prints the rules each one fires. */
export const sigmaMatch: Command = {
  path: ['sigma', 'match'],
  summary: 'Match events (JSON lines, file or stdin) against the Sigma rules',
  help: `Usage: soc sigma match [<file>] [--rules <file>]

Read JSON lines {"id": …, "event": …} from <file> or stdin, where the event is a
Windows event rendered from EVTX as JSON ({"Event": {"System": …, "EventData": …}},
as in SigmaHQ's regression data), match it against every Sigma rule of its
logsource, and write one line per input line:
  {"id": …, "matches": [{"id", "title", "level", "author"}]}
A line that is not JSON or not a Windows event gets "matches": [] and an "error".
Rules that cannot be compiled are listed on stderr with their reason. Sigma rules
are under the Detection Rule License 1.1: id, title and author stay with each hit.

Options:
  --rules <file>  rules as JSON lines (.jsonl or .jsonl.gz; default: the bundled
                  SigmaHQ corpus, 3,757 rules)
  -h, --help      show this help`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { rules: { type: 'string' } }, 1);
    // Loaded on use: only this command needs the engine and its corpus.
    const { createSigmaEngine, loadRulesFile, mapWindowsEvent } = await import('@soc/sigma');
    let engine;
    try {
      engine = createSigmaEngine(loadRulesFile(values.rules));
    } catch (error) {
      throw new CliFailure(`Cannot load Sigma rules: ${(error as Error).message}`, { cause: error });
    }
    for (const r of engine.notCompiled) io.err(`not compiled: ${r.id} ${r.title}: ${r.reason}`);
    const file = positionals[0];
    for await (const line of readLines(io, file)) {
      if (line.trim() === '') continue;
      let input: unknown;
      try {
        input = JSON.parse(line);
      } catch {
        io.out(JSON.stringify({ id: null, matches: [], error: 'not JSON' }));
        continue;
      }
      const record = typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
      const id = record['id'] ?? null;
      const mapped = mapWindowsEvent(record['event']);
      if (mapped.logsources.length === 0) {
        io.out(JSON.stringify({ id, matches: [], error: 'event is not a Windows event ({"Event": {"System": …}})' }));
        continue;
      }
      const matches = engine
        .match(mapped.event, mapped.logsources)
        .map((h) => ({ id: h.id, title: h.title, level: h.level, author: h.author }));
      io.out(JSON.stringify({ id, matches }));
    }
  },
};

async function* readLines(io: CliIo, file: string | undefined): AsyncGenerator<string> {
  let input: AsyncIterable<string | Buffer>;
  if (file === undefined) input = io.stdin ?? process.stdin;
  else {
    const stream = createReadStream(file);
    // Fail with the reason, not a stack trace, when the file cannot be opened.
    await new Promise<void>((resolve, reject) =>
      stream
        .once('open', () => resolve())
        .once('error', (e: NodeJS.ErrnoException) =>
          reject(new CliFailure(`Cannot read ${file}: ${e.code ?? String(e)}`)),
        ),
    );
    input = stream;
  }
  yield* linesOf(input);
}
