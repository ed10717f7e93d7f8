/**
 * The ingestion service alone, as `npm start` hosts it with SOC_SERVICE=ingestion, for bench/ingestion.bench.ts.
 * Prints its URL on stdout once listening. Bus and state from BENCH_BUS (sqlite | memory).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestionService } from '@soc/ingestion';
import { runServices } from '@soc/platform';

const bus = process.env.BENCH_BUS === 'memory' ? 'memory' : 'sqlite';
const system = await runServices([ingestionService], {
  env: {
    SOC_DATA_DIR: mkdtempSync(join(tmpdir(), `soc-bench-ingest-${bus}-`)),
    SOC_BUS: bus,
    SOC_STATE: bus,
    PORT: '0',
    HOST: '127.0.0.1',
    SOC_SENDER_TOKEN: 'bench-token-0123456789abcdef',
    LOG_LEVEL: 'silent',
    INGEST_RATE_PER_SECOND: '1000000',
    INGEST_RATE_BURST: '1000000',
    INGEST_MAX_BATCH: '1000',
  },
  handleSignals: true,
  name: `bench-ingestion-${bus}`,
});
process.stdout.write(`${system.url}\n`);
// The bench asks for this process's CPU time over IPC, to report CPU per alert independent of the load generator.
process.on('message', (message) => {
  if (message === 'cpu') process.send?.(process.cpuUsage());
});
