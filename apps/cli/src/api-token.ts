import { existsSync } from 'node:fs';
import { PlatformEnv, generatedTokenPath, resolveApiTokens } from '@soc/platform';
import { loadConfig } from '@soc/runtime';
import { CliFailure } from './cli-io.ts';

/** The variables the token comes from, checked by the platform's own rules (e.g. 16+ characters). */
const TokenEnv = PlatformEnv.pick({ SOC_DATA_DIR: true, SOC_API_TOKEN: true, SOC_API_TOKENS: true });

/**
 * The bearer token `soc ingest` sends: `SOC_API_TOKEN`, else the first of `SOC_API_TOKENS`, else the token the
 * embedded default generated into `$SOC_DATA_DIR/api-token`. Unlike the services, the CLI never generates one:
 * a token the server has never seen would only earn a 401, and the stray file would shadow the real one later.
 */
export function resolveIngestToken(env: Readonly<Record<string, string | undefined>>): string {
  const picked = loadConfig(TokenEnv, env);
  if (picked.SOC_API_TOKEN !== undefined) return picked.SOC_API_TOKEN;
  const tokenFile = generatedTokenPath(picked.SOC_DATA_DIR);
  if (picked.SOC_API_TOKENS === undefined && !existsSync(tokenFile)) {
    throw new CliFailure(
      `No API token: set SOC_API_TOKEN (or SOC_API_TOKENS), or SOC_DATA_DIR to the data directory of the instance (no ${tokenFile})`,
    );
  }
  // resolveApiTokens wants the whole platform env; the defaults fill the fields it does not read. With a token
  // configured or the file present it parses or reads them and never reaches its generating branch.
  const { tokens } = resolveApiTokens({ ...PlatformEnv.parse({}), ...picked });
  const token = tokens[0]?.token;
  if (token === undefined || token === '') throw new CliFailure(`The API token file ${tokenFile} is empty`);
  return token;
}
