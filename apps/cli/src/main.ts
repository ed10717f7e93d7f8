import { runCli } from './cli.ts';

// The composition root of `soc`: real process streams and environment in, an exit code out. process.exitCode
// (not process.exit) lets buffered output drain when stdout is a pipe.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  // `soc dlq list | head` closes the pipe early: that is the reader's choice, not a failure.
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  stdin: process.stdin,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
