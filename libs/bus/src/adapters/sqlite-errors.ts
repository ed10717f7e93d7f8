import { AppError, describeError, ErrorCode, isAppError } from '@soc/runtime';

/** SQLite primary result codes that describe a passing condition: another writer, a full or failing disk. */
const TRANSIENT_SQLITE_CODES: ReadonlySet<number> = new Set([
  5, // SQLITE_BUSY: another process held the write lock past busy_timeout
  6, // SQLITE_LOCKED
  10, // SQLITE_IOERR
  13, // SQLITE_FULL
]);

/**
 * Translates a `node:sqlite` error into an AppError once, at the adapter boundary: contention and disk
 * trouble are retryable DEPENDENCY_UNAVAILABLE, anything else (a corrupt file, a schema mismatch) is INTERNAL.
 */
export function translateSqliteError(error: unknown, action: string): AppError {
  if (isAppError(error)) return error;
  const errcode = (error as { errcode?: unknown } | null)?.errcode;
  const retryable = typeof errcode === 'number' && TRANSIENT_SQLITE_CODES.has(errcode & 0xff);
  return new AppError(
    retryable ? ErrorCode.DEPENDENCY_UNAVAILABLE : ErrorCode.INTERNAL,
    `SQLite bus could not ${action}: ${describeError(error)}`,
    {
      retryable,
      cause: error,
    },
  );
}
