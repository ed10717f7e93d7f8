import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

// Secret file names are environment variable names; anything else in the mount (dot files, `..data` links) is skipped.
const VARIABLE_NAME = /^[A-Z][A-Z0-9_]*$/;

/**
 * Adds the secrets mounted in `SOC_SECRETS_DIR` (the Key Vault CSI driver writes one file per secret, named after
 * the variable) to the environment. A variable already set wins, so an operator can override one secret.
 */
export function withMountedSecrets(env: Record<string, string | undefined>): Record<string, string | undefined> {
  const dir = env.SOC_SECRETS_DIR;
  if (!dir) return env;
  if (!existsSync(dir)) throw new Error(`SOC_SECRETS_DIR=${dir} does not exist; mount the secrets there or unset it`);
  const merged = { ...env };
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (!VARIABLE_NAME.test(name) || !statSync(path).isFile() || merged[name] !== undefined) continue;
    merged[name] = readFileSync(path, 'utf8').trim();
  }
  return merged;
}
