import { AppError, ErrorCode } from '@soc/runtime';

// The store's error vocabulary, built in one place so every adapter raises the same code with the same retry
// verdict for the same situation; the contract suite checks code and verdict, never the message.

/** The stored etag differs from `ifMatch` (or the document is gone): re-read and retry. */
export function preconditionFailed(collection: string, id: string, cause?: unknown): AppError {
  return new AppError(ErrorCode.PRECONDITION_FAILED, `${collection}/${id} changed since it was read`, {
    retryable: true,
    cause,
    details: { collection, id },
  });
}

/** `ifNoneMatch: '*'` found a live document: retrying the same create can never succeed. */
export function conflict(collection: string, id: string, cause?: unknown): AppError {
  return new AppError(ErrorCode.CONFLICT, `${collection}/${id} already exists`, {
    retryable: false,
    cause,
    details: { collection, id },
  });
}

/** A caller bug (bad name, bad limit, unserialisable value): retrying cannot help. */
export function invalidArgument(message: string): AppError {
  return new AppError(ErrorCode.VALIDATION_FAILED, message, { retryable: false });
}
