import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteBus } from '@soc/bus';
import { describeBusContract, injectRawSqlite } from '@soc/bus/testing';

describeBusContract(
  'SqliteBus',
  async ({ retry, observer }) => {
    const dir = await mkdtemp(join(tmpdir(), 'soc-bus-contract-'));
    const path = join(dir, 'bus.db');
    const open = () => new SqliteBus({ path, retry, pollIntervalMs: 10 }, { observer });
    return {
      bus: open(),
      injectRaw: (subscription, body, messageId) => injectRawSqlite(path, subscription, body, messageId),
      dispose: () => rm(dir, { recursive: true, force: true }),
      reopen: () => Promise.resolve(open()),
    };
  },
  { durable: true },
);
