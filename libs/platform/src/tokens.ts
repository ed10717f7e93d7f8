import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError, ErrorCode } from '@soc/runtime';
import type { PlatformEnv } from './env.ts';

/** A named bearer token. */
export interface NamedToken {
  name: string;
  token: string;
}

/** Where the embedded default keeps the token it generated when none was configured. */
export function generatedTokenPath(dataDir: string): string {
  return join(dataDir, 'api-token');
}

/**
 * The API tokens: `SOC_API_TOKENS` (named) and `SOC_API_TOKEN` (named `api`). With neither, the embedded default
 * generates one into `$SOC_DATA_DIR/api-token` (mode 0600) and reuses it, so a first `npm start` is usable and
 * secure; the token itself is never logged.
 */
export function resolveApiTokens(env: PlatformEnv): { tokens: NamedToken[]; generatedAt?: string } {
  const tokens: NamedToken[] = [];
  if (env.SOC_API_TOKENS) {
    for (const pair of env.SOC_API_TOKENS.split(',')) {
      const i = pair.indexOf(':');
      const name = pair.slice(0, i).trim();
      const token = pair.slice(i + 1).trim();
      if (i <= 0 || token.length < 16) {
        throw new AppError(ErrorCode.CONFIGURATION_INVALID, `SOC_API_TOKENS: every entry must be name:token with a token of 16+ characters (entry ${tokens.length + 1} is not)`, { retryable: false });
      }
      tokens.push({ name, token });
    }
  }
  if (env.SOC_API_TOKEN) tokens.push({ name: 'api', token: env.SOC_API_TOKEN });
  if (tokens.length > 0) return { tokens };
  const path = generatedTokenPath(env.SOC_DATA_DIR);
  if (!existsSync(path)) {
    mkdirSync(env.SOC_DATA_DIR, { recursive: true });
    try {
      writeFileSync(path, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      // Another process of the same installation created it first: use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return { tokens: [{ name: 'api', token: readFileSync(path, 'utf8').trim() }], generatedAt: path };
}
