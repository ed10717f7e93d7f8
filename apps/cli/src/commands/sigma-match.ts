import { createReadStream } from 'node:fs';
import type { SigmaEngine } from '@soc/sigma';
import { parseCommandArgs } from '../args.ts';
import { CliFailure, linesOf, type CliIo, type Command } from '../cli-io.ts';

/** `soc sigma match`: matches events (JSON lines) against the Sigma rules and prints the rules each one fires. */
export const sigmaMatch: Command = {
  path: ['sigma', 'match'],
  summary: 'Match events (JSON lines, file or stdin) against the Sigma rules',
  help: `Usage: soc sigma match [<file>] [--rules <file>]

Read JSON lines from <file> or stdin, each either
  {"id": …, "event": …}   a Windows event rendered from EVTX as JSON
                          ({"Event": {"System": …, "EventData": …}}, as in
                          SigmaHQ's regression data), or
  {"id": …, "source": "wazuh", "payload": …}
                          a payload of an ingestion source (wazuh, sentinel,
                          defender, splunk, cef, generic), read by that
                          source's parser as ingestion reads it: every raw
                          event of every alert it gives is matched,
match each event against every Sigma rule of its logsource, and write one line
per input line:
  {"id": …, "matches": [{"id", "title", "level", "author"}]}
A payload whose alerts carry no raw event gets "matches": [] and a "note"; a
line that is not JSON, not a Windows event, of an unknown source or refused by
its parser gets "matches": [] and an "error".
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
      if (record['source'] !== undefined) {
        io.out(JSON.stringify({ id, ...(await matchPayload(engine, record['source'], record['payload'])) }));
        continue;
      }
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

type Match = { id: string; title: string; level: string; author: string };
type PayloadResult = { matches: Match[]; note?: string; error?: string };

/**
 * A source payload through that source's real parser, as ingestion reads it (`normalize`: the source events bounded
 * as the contract allows); every raw event of every alert it gives is matched, each rule listed once.
 */
async function matchPayload(engine: SigmaEngine, source: unknown, payload: unknown): Promise<PayloadResult> {
  const { normalize, parserFor } = await import('@soc/ingestion');
  const parser = typeof source === 'string' ? parserFor(source) : undefined;
  if (parser === undefined) return { matches: [], error: `unknown source ${JSON.stringify(source)}` };
  const outcome = normalize(parser, payload, {
    tenantId: 'sigma-match',
    senderName: 'soc sigma match',
    receivedAt: new Date(),
  });
  if (!outcome.ok) {
    const first = outcome.errors[0];
    return {
      matches: [],
      error: `${parser.name} payload refused: ${first === undefined ? 'no reason' : `${first.path}: ${first.message}`}`,
    };
  }
  const events = outcome.alerts.flatMap((a) => a.sourceEvents ?? []);
  if (events.length === 0)
    return {
      matches: [],
      note: `the ${parser.name} payload carries no raw event to match (its alerts have no sourceEvents)`,
    };
  const matches = new Map<string, Match>();
  for (const e of events)
    for (const h of engine.match(e.fields, e.logsources))
      if (!matches.has(h.id)) matches.set(h.id, { id: h.id, title: h.title, level: h.level, author: h.author });
  return { matches: [...matches.values()] };
}

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
