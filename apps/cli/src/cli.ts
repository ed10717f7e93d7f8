import { isAppError } from '@soc/runtime';
import { CliFailure, ExitCode, UsageError, type CliIo, type Command } from './cli-io.ts';
import { auditList, auditVerify } from './commands/audit.ts';
import { containmentFreeze, containmentStatus, containmentUnfreeze } from './commands/containment.ts';
import { dlqList } from './commands/dlq-list.ts';
import { dlqReplay } from './commands/dlq-replay.ts';
import { dlqShow } from './commands/dlq-show.ts';
import { evalCommand } from './commands/eval.ts';
import { ingest } from './commands/ingest.ts';
import { kqlCheck } from './commands/kql-check.ts';
import { normalizeCommand } from './commands/normalize.ts';
import { playbooksPublish } from './commands/playbooks-publish.ts';
import { quarantineList, quarantineReplay, quarantineShow } from './commands/quarantine.ts';
import { reportCommand } from './commands/report.ts';
import { sigmaMatch } from './commands/sigma-match.ts';
import { stalledCommand } from './commands/stalled.ts';
import { tuningGet, tuningSet } from './commands/tuning.ts';

/** Every command, in the order the overview lists them. */
export const COMMANDS: readonly Command[] = [auditList, auditVerify, containmentFreeze, containmentStatus, containmentUnfreeze, dlqList, dlqShow, dlqReplay, evalCommand, ingest, kqlCheck, normalizeCommand, playbooksPublish, quarantineList, quarantineShow, quarantineReplay, reportCommand, sigmaMatch, stalledCommand, tuningGet, tuningSet];

const OVERVIEW = `Usage: soc <command> [options]

Operate a SOC Copilot installation from the shell.

Commands:
${commandLines(COMMANDS)}

Run 'soc <command> --help' for a command's options. Configuration comes from the
same environment variables as the services (SOC_DATA_DIR, SOC_BUS, SOC_SENDER_TOKEN, SOC_API_TOKEN, …).

Exit codes: 0 success, 1 failure (reason on stderr), 2 usage error.`;

/**
 * Runs one command line and returns its exit code; never throws and never calls `process.exit`, so output
 * is flushed and the caller decides how to end. Usage errors exit 2, failures 1 with a one-line reason.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const [first, second] = argv;
  if (first === undefined) {
    io.err(OVERVIEW);
    return ExitCode.usage;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    io.out(OVERVIEW);
    return ExitCode.ok;
  }
  const command = COMMANDS.find((c) => c.path.every((word, i) => argv[i] === word));
  if (command === undefined) {
    const group = COMMANDS.filter((c) => c.path.length > 1 && c.path[0] === first);
    if (group.length > 0 && (second === undefined || second === '--help' || second === '-h')) {
      const help = `Usage: soc ${first} <command> [options]\n\nCommands:\n${commandLines(group)}`;
      if (second === undefined) {
        io.err(help);
        return ExitCode.usage;
      }
      io.out(help);
      return ExitCode.ok;
    }
    const name = group.length > 0 ? `${first} ${second ?? ''}` : first;
    io.err(`soc: unknown command '${name}' (see soc --help)`);
    return ExitCode.usage;
  }
  const args = argv.slice(command.path.length);
  const name = `soc ${command.path.join(' ')}`;
  // --help wins over everything else on the line, so a half-typed command still shows its help.
  if (args.includes('--help') || args.includes('-h')) {
    io.out(command.help);
    return ExitCode.ok;
  }
  try {
    await command.run(args, io);
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${name}: ${error.message} (see ${name} --help)`);
      return ExitCode.usage;
    }
    io.err(`${name}: ${reasonOf(error)}`);
    if (error instanceof CliFailure) for (const line of error.details) io.err(line);
    return ExitCode.failure;
  }
}

/** A one-line reason: configuration errors list their problems on several lines, joined here with `; `. */
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const oneLine = message.replace(/:?\s*\n\s*-?\s*/g, (sep) => (sep.startsWith(':') ? ': ' : '; ')).trim();
  // AppErrors carry a code worth showing (CONFIGURATION_INVALID, DEPENDENCY_UNAVAILABLE …); the rest speak for themselves.
  return isAppError(error) ? `${oneLine} [${error.code}]` : oneLine;
}

function commandLines(commands: readonly Command[]): string {
  const names = commands.map((c) => c.path.join(' '));
  const width = Math.max(...names.map((n) => n.length));
  return commands.map((c, i) => `  ${(names[i] ?? '').padEnd(width)}  ${c.summary}`).join('\n');
}
