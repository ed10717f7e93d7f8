// `node apps/all-in-one/scripts/render-report-example.ts`: regenerates docs/reports/daily-example.html the way the
// system test does it — every service on the embedded default, the 95 real Sentinel alerts replayed on 2025-03-18,
// analysts' dispositions 3 h later — then renders the daily report of that day. Figures other than the durations
// are the same on every run (durations come from real processing time).
import { writeFile } from 'node:fs/promises';
import { buildReport, periodEndingBy, StateReportSource } from '@soc/reporting';
import { replayFixtureAlerts } from '../test/report-replay.ts';

const system = await replayFixtureAlerts();
try {
  const report = await buildReport(new StateReportSource(system.platform.state), periodEndingBy('daily', new Date('2025-03-19T07:00:00Z'), 'UTC'));
  const target = new URL('../../../docs/reports/daily-example.html', import.meta.url);
  await writeFile(target, report.html, 'utf8');
  console.log(`${report.subject}\nwritten ${target.pathname}`);
} finally {
  await system.close();
}
