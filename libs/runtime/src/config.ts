import type { z } from 'zod';
import { AppError, ErrorCode } from './errors.ts';

/**
 * Parses configuration once at start-up. A bad value stops the process with every problem listed,
 * naming the variable and never echoing its value (it may be a secret).
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: Record<string, string | undefined> = process.env): z.output<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new AppError(ErrorCode.CONFIGURATION_INVALID, `Invalid configuration:\n${problems.join('\n')}`, {
    retryable: false,
  });
}
