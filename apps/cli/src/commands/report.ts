import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseCommandArgs } from '../args.ts';
import { CliFailure, UsageError, type CliIo, type Command } from '../cli-io.ts';

/** `soc report daily|weekly`: renders a report on demand from the embedded state. */
export const reportCommand: Command = {
  path: ['report'],
  summary: 'Render the daily or weekly SOC report as HTML',
  help: `Usage: soc report daily|weekly [--out <file.html>] [--at <ISO time>]

Render the SOC report of the last complete day (daily) or Monday–Monday week
(weekly) before --at (default now), in REPORT_TIMEZONE, from the state store the
services use (SOC_STATE, SOC_DATA_DIR / SOC_STATE_FILE, COSMOS_*). Writes the HTML
and prints a summary; sends nothing (the reporting service's schedule sends).

Options:
  --out <file>   where to write the HTML (default report-<kind>-<first day>.html)
  --at <time>    ISO 8601 time the report is made at, e.g. 2025-03-19T07:00:00Z
  -h, --help     show this help`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { out: { type: 'string' }, at: { type: 'string' } }, 1);
    const kind = positionals[0];
    if (kind !== 'daily' && kind !== 'weekly') throw new UsageError(`say which report: daily or weekly (got '${kind ?? ''}')`);
    const at = values.at === undefined ? new Date() : new Date(values.at);
    if (Number.isNaN(at.getTime()) || (values.at !== undefined && !/^\d{4}-\d{2}-\d{2}T/.test(values.at))) {
      throw new UsageError(`--at must be an ISO 8601 time such as 2025-03-19T07:00:00Z (got '${values.at ?? ''}')`);
    }
    await renderOnDemand(kind, at, values.out, io);
  },
};

async function renderOnDemand(kind: 'daily' | 'weekly', at: Date, out: string | undefined, io: CliIo): Promise<void> {
  // Loaded on use: the state adapters bring SQLite and the Azure SDK, which `soc --help` should not wait for.
  const [{ CheckedPlatformEnv, stateConfigOf }, { loadConfig }, { openStateStore }, reporting] = await Promise.all([
    import('@soc/platform'),
    import('@soc/runtime'),
    import('@soc/state'),
    import('@soc/reporting'),
  ]);
  const env = loadConfig(CheckedPlatformEnv, io.env);
  const config = loadConfig(reporting.ReportingConfig, io.env);
  const stateConfig = stateConfigOf(env);
  if (stateConfig.kind === 'memory') throw new CliFailure('SOC_STATE=memory lives inside the services process, out of reach of the CLI; use SOC_STATE=sqlite or cosmos');
  // Opening SQLite creates a missing file: a wrong SOC_DATA_DIR would render an empty report instead of failing.
  if (stateConfig.kind === 'sqlite' && !existsSync(stateConfig.path)) {
    throw new CliFailure(`No state file at ${stateConfig.path}: run soc where the services run, or set SOC_DATA_DIR or SOC_STATE_FILE to theirs`);
  }
  const store = await openStateStore(stateConfig);
  try {
    const period = reporting.periodEndingBy(kind, at, config.REPORT_TIMEZONE);
    const report = await reporting.buildReport(new reporting.StateReportSource(store), period);
    const file = resolve(out ?? `report-${kind}-${reporting.localDate(period.start, period.timeZone)}.html`);
    await writeFile(file, report.html, 'utf8');
    io.out(report.subject);
    io.out(`period   ${period.start} – ${period.end} (${period.timeZone})`);
    io.out(`alerts   ${report.alerts}`);
    io.out(`incidents ${report.incidents}`);
    io.out(`hash     ${report.contentHash}`);
    io.out(`written  ${file}`);
  } finally {
    await store.close();
  }
}
