import { describe, expect, it } from 'vitest';
import { runSoc } from './support.ts';

describe('soc --help', () => {
  it('lists every command and exits 0', async () => {
    const run = await runSoc(['--help']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    for (const command of ['dlq list', 'dlq show', 'dlq replay', 'ingest', 'stalled'])
      expect(run.stdout).toContain(`  ${command}  `);
    expect(run.stdout).toContain('Exit codes: 0 success, 1 failure (reason on stderr), 2 usage error.');
  });

  it('shows each command its own help, even among other options', async () => {
    const cases: [string[], string][] = [
      [['dlq', 'list', '--help'], 'Usage: soc dlq list [--subscription <name>] [--limit N] [--json]'],
      [['dlq', 'show', '-h'], 'Usage: soc dlq show <id>'],
      [['dlq', 'replay', '--all', '--help'], 'Usage: soc dlq replay <id>'],
      [['ingest', '--help'], 'Usage: soc ingest <file.json|file.jsonl>'],
      [['dlq', '--help'], 'Usage: soc dlq <command> [options]'],
    ];
    for (const [args, usage] of cases) {
      const run = await runSoc(args, { SOC_BUS: 'not-even-valid' });
      expect({ args, code: run.code, stderr: run.stderr }).toEqual({ args, code: 0, stderr: '' });
      expect(run.stdout.startsWith(usage)).toBe(true);
    }
  });

  it('exits 2 with the overview on stderr for no or an unknown command', async () => {
    const none = await runSoc([]);
    expect(none).toMatchObject({ code: 2, stdout: '' });
    expect(none.stderr).toContain('Usage: soc <command> [options]');

    const unknown = await runSoc(['dlq', 'purge']);
    expect(unknown).toMatchObject({
      code: 2,
      stdout: '',
      stderr: "soc: unknown command 'dlq purge' (see soc --help)\n",
    });
    expect((await runSoc(['deploy'])).stderr).toBe("soc: unknown command 'deploy' (see soc --help)\n");
  });
});
