/**
 * At most `max` tasks at once; the rest wait in arrival order. A finished task hands its slot straight to the next
 * waiter, so the limit is never exceeded. Used in front of paid or rate-limited dependencies (LLM, threat intel,
 * directories), where refusing would count as a failure and trip a circuit breaker.
 */
export function concurrencyLimit(max: number): <T>(task: () => Promise<T>) => Promise<T> {
  let free = Math.max(1, Math.floor(max));
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (free > 0) free--;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else free++;
    }
  };
}
