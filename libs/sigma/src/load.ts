import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { AppError, ErrorCode } from '@soc/runtime';
import { parseRulesJsonl, type SigmaRule } from './rule.ts';

/** The bundled SigmaHQ corpus (3,757 rules, DRL 1.1), gzipped beside the source. */
export const BUNDLED_RULES_PATH = new URL('../data/rules.jsonl.gz', import.meta.url).pathname;

/** Reads a rules file, `.jsonl` or gzipped `.jsonl.gz`; a missing or unreadable file is a non-retryable error. */
export function loadRulesFile(path: string = BUNDLED_RULES_PATH): SigmaRule[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    throw new AppError(ErrorCode.NOT_FOUND, `cannot read Sigma rules ${path}`, { retryable: false, cause });
  }
  const text = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
  return parseRulesJsonl(text);
}
