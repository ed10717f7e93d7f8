import { existsSync } from 'node:fs';
import { type AuditLog, DEFAULT_AUDIT_LANES, StateAuditTrail } from '@soc/audit';
import { CheckedPlatformEnv, stateConfigOf } from '@soc/platform';
import { loadConfig } from '@soc/runtime';
import { openStateStore } from '@soc/state';
import { CliFailure, type CliIo } from './cli-io.ts';

/**
 * Opens the state store the environment configures (the same variables and defaults as the services), runs `fn`
 * with the audit log on it, and closes the store whatever happens. The CLI only reads the log.
 */
export async function withAuditLog<T>(io: CliIo, fn: (audit: AuditLog) => Promise<T>): Promise<T> {
  const env = loadConfig(CheckedPlatformEnv, io.env);
  const config = stateConfigOf(env);
  if (config.kind === 'memory') throw new CliFailure('SOC_STATE=memory keeps the audit log inside the process that runs the services, out of reach of the CLI; use SOC_STATE=sqlite or cosmos');
  // Opening SQLite state creates a missing file: a wrong SOC_DATA_DIR would then verify an empty, fresh log as ok.
  if (config.kind === 'sqlite' && (config.path === ':memory:' || !existsSync(config.path))) {
    throw new CliFailure(`No state file at ${config.path}: run soc where the services run, or set SOC_DATA_DIR or SOC_STATE_FILE to theirs`);
  }
  const state = await openStateStore(config);
  try {
    return await fn(new StateAuditTrail(state, { lanes: DEFAULT_AUDIT_LANES }));
  } finally {
    await state.close();
  }
}
