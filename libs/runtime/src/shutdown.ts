/** Something with a close step at shutdown. */
export type Closer = () => Promise<void> | void;

/** Minimal logger shape so the runtime lib does not depend on a logging library. */
export interface ShutdownLogger {
  info(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/**
 * Runs closers in order on SIGINT/SIGTERM (consumers first, then the bus, then stores), once,
 * and exits non-zero if any fails or the grace period passes.
 */
export function onShutdown(log: ShutdownLogger, ...closers: Closer[]): () => Promise<void> {
  let closing: Promise<void> | undefined;
  const run = (): Promise<void> => {
    closing ??= (async () => {
      log.info({}, 'shutting down');
      let failed = false;
      for (const close of closers) {
        try {
          await close();
        } catch (error) {
          failed = true;
          log.error({ err: error }, 'shutdown step failed');
        }
      }
      process.exitCode = failed ? 1 : 0;
    })();
    return closing;
  };
  const onSignal = (): void => {
    const timer = setTimeout(() => process.exit(1), 15_000);
    timer.unref();
    void run().then(() => process.exit());
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return run;
}
