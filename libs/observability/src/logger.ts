import { pino, type DestinationStream, type Logger as PinoLogger, type LoggerOptions as PinoOptions } from 'pino';
import { currentMessageContext } from './message-context.ts';
import { REDACTED, redactSecrets, scrubSecrets, serializeError } from './secrets.ts';
import { currentTraceIds } from './tracing.ts';

/** A structured JSON logger (pino). */
export type Logger = PinoLogger;

/** Log levels, most to least severe; `silent` turns logging off. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Written on every line as `service`. */
  readonly service: string;
  /** Default `info`. */
  readonly level?: LogLevel;
  /** Where lines go; default stdout. Tests pass an in-memory stream. */
  readonly destination?: DestinationStream;
  /** Additional exact pino redact paths (`misp.authKey`), for secrets under keys that do not look secret. */
  readonly redact?: readonly string[];
}

/** Message context plus the ids of the span in effect; empty outside a message and a span. */
function contextFields(): object {
  const message = currentMessageContext();
  const ids = currentTraceIds();
  // Always a fresh object: pino merges the call's fields into what the mixin returns.
  return ids === undefined ? { ...message } : { ...message, traceId: ids.traceId, spanId: ids.spanId };
}

/**
 * Creates the service logger: one JSON object per line with `service`, ISO `time` and a textual `level`; inside
 * {@link withMessageContext} every line also carries the message's correlation fields and trace id.
 *
 * Secrets are kept out in three layers: values under secret keys are redacted at any depth (see `isSecretKey`; pino's
 * wildcard redact paths cost hundreds of microseconds per line, a single copy-on-write walk a few); errors are
 * serialized field by field with credentials scrubbed from message and stack; and each finished line is scrubbed of
 * URL credentials, connection-string keys, bearer tokens and JWTs, wherever a caller put them.
 */
export function createLogger(options: LoggerOptions): Logger {
  const pinoOptions: PinoOptions = {
    level: options.level ?? 'info',
    base: { service: options.service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }), log: redactSecrets, bindings: redactSecrets },
    mixin: contextFields,
    ...(options.redact === undefined ? {} : { redact: { paths: [...options.redact], censor: REDACTED } }),
    serializers: { err: serializeError, error: serializeError },
    hooks: { streamWrite: scrubSecrets },
  };
  // pino's default destination writes stdout synchronously, so the last lines before a crash are not lost.
  return options.destination === undefined ? pino(pinoOptions) : pino(pinoOptions, options.destination);
}
