import { existsSync, readFileSync } from 'node:fs';
import { PlatformEnv, generatedSenderTokenPath, generatedTokenPath, resolveApiTokens } from '@soc/platform';
import { loadConfig } from '@soc/runtime';
import { CliFailure } from './cli-io.ts';

/** The variables the tokens come from, checked by the platform's own rules (e.g. 16+ characters). */
const TokenEnv = PlatformEnv.pick({ SOC_DATA_DIR: true, SOC_API_TOKEN: true, SOC_API_TOKENS: true, SOC_SENDER_TOKEN: true });

function readTokenFile(path: string): string {
  const token = readFileSync(path, 'utf8').trim();
  if (token === '') throw new CliFailure(`The token file ${path} is empty`);
  return token;
}

/**
 * The sender token `soc ingest` posts alerts with: `SOC_SENDER_TOKEN`, else the token the embedded default generated
 * into `$SOC_DATA_DIR/sender-token`. An analyst's API token never posts alerts. Unlike the services, the CLI never
 * generates one: a token the server has never seen would only earn a 401, and the stray file would shadow the real
 * one later.
 */
export function resolveIngestToken(env: Readonly<Record<string, string | undefined>>): string {
  const picked = loadConfig(TokenEnv, env);
  if (picked.SOC_SENDER_TOKEN !== undefined) return picked.SOC_SENDER_TOKEN;
  const tokenFile = generatedSenderTokenPath(picked.SOC_DATA_DIR);
  if (!existsSync(tokenFile)) {
    throw new CliFailure(`No sender token: set SOC_SENDER_TOKEN (a sender's token from INGEST_AUTH_FILE), or SOC_DATA_DIR to the data directory of the instance (no ${tokenFile})`);
  }
  return readTokenFile(tokenFile);
}

/**
 * The analyst token the other commands call the API with: `SOC_API_TOKEN`, else the first of `SOC_API_TOKENS`, else
 * the token the embedded default generated into `$SOC_DATA_DIR/api-token`. Never generated here (see above).
 */
export function resolveAnalystToken(env: Readonly<Record<string, string | undefined>>): string {
  const picked = loadConfig(TokenEnv, env);
  if (picked.SOC_API_TOKEN !== undefined) return picked.SOC_API_TOKEN;
  const tokenFile = generatedTokenPath(picked.SOC_DATA_DIR);
  if (picked.SOC_API_TOKENS === undefined) {
    if (!existsSync(tokenFile)) {
      throw new CliFailure(`No API token: set SOC_API_TOKEN (or SOC_API_TOKENS), or SOC_DATA_DIR to the data directory of the instance (no ${tokenFile})`);
    }
    return readTokenFile(tokenFile);
  }
  // resolveApiTokens wants the whole platform env; the defaults fill the fields it does not read. With tokens
  // configured it parses them and never reaches its generating branch.
  const token = resolveApiTokens({ ...PlatformEnv.parse({}), ...picked }).tokens[0]?.token;
  if (token === undefined || token === '') throw new CliFailure('SOC_API_TOKENS names no token');
  return token;
}
