import type { DestinationStream } from 'pino';

/** An in-memory log destination: the fake every logging test writes to. */
export interface MemoryLog {
  readonly destination: DestinationStream;
  /** Every line written so far, parsed. */
  lines(): Record<string, unknown>[];
  /** Everything written so far, raw, for "this string never appears" assertions. */
  text(): string;
}

/** Creates an empty in-memory log; pass `destination` to `createLogger`. */
export function memoryLog(): MemoryLog {
  const chunks: string[] = [];
  return {
    destination: { write: (chunk: string) => void chunks.push(chunk) },
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    text: () => chunks.join(''),
  };
}
