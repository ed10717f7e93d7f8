import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteBus } from '@soc/bus';
import { describeBusContract, injectRawSqlite } from '@soc/bus/testing';

describeBusContract('SqliteBus', async ({ retry, observer }) => {
  const dir = await mkdtemp(join(tmpdir(), 'soc-bus-contract-'));
  const path = join(dir, 'bus.db');
  const bus = new SqliteBus({ path, retry, pollIntervalMs: 10 }, { observer });
  return {
    bus,
    injectRaw: (subscription, body, messageId) => injectRawSqlite(path, subscription, body, messageId),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
});
