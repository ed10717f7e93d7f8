import { AppError, ErrorCode } from '@soc/runtime';

/** Where a rule's events come from, as Sigma names it; an absent member matches any. */
export interface SigmaLogsource {
  readonly product?: string | undefined;
  readonly category?: string | undefined;
  readonly service?: string | undefined;
}

/** One Sigma rule as a line of the corpus (`rules.jsonl`): metadata plus the YAML `detection` block as JSON. */
export interface SigmaRule {
  readonly id: string;
  readonly title: string;
  readonly status?: string | undefined;
  readonly level?: string | undefined;
  readonly path?: string | undefined;
  readonly logsource: SigmaLogsource;
  readonly tags?: readonly string[] | undefined;
  readonly attack_techniques?: readonly string[] | undefined;
  /** Absent in the corpus file; read from `raw_yaml` when missing. */
  readonly author?: string | undefined;
  readonly detection: Readonly<Record<string, unknown>>;
  readonly raw_yaml?: string | undefined;
}

/**
 * Parses a rules corpus, one JSON rule a line; blank lines are skipped.
 * Throws a non-retryable `VALIDATION_FAILED` naming the line when a line is not a rule.
 */
export function parseRulesJsonl(text: string): SigmaRule[] {
  const rules: SigmaRule[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]?.trim();
    if (!line) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (cause) {
      throw new AppError(ErrorCode.VALIDATION_FAILED, `rules line ${i + 1} is not JSON`, { retryable: false, cause });
    }
    if (!isRule(value)) {
      throw new AppError(
        ErrorCode.VALIDATION_FAILED,
        `rules line ${i + 1} is not a Sigma rule (needs id, title, logsource, detection)`,
        { retryable: false },
      );
    }
    rules.push(value);
  }
  return rules;
}

function isRule(value: unknown): value is SigmaRule {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r['id'] === 'string' &&
    typeof r['title'] === 'string' &&
    typeof r['logsource'] === 'object' &&
    r['logsource'] !== null &&
    typeof r['detection'] === 'object' &&
    r['detection'] !== null
  );
}

/** The rule's author: the `author` field, else the top-level `author:` line of its YAML (every SigmaHQ rule has one). */
export function authorOf(rule: SigmaRule): string {
  if (rule.author) return rule.author;
  const match = /^author:[ \t]*(.*)$/m.exec(rule.raw_yaml ?? '');
  const text = match?.[1]?.trim() ?? '';
  return text.replace(/^(['"])(.*)\1$/, '$2');
}
