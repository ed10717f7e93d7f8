import { AppError, ErrorCode } from '@soc/runtime';

/** The fields body-parser (behind `express.json`) sets on the errors it throws. */
interface BodyParserError {
  readonly type: string;
  readonly status: number;
  readonly limit?: number;
  readonly charset?: string;
  readonly encoding?: string;
  readonly message: string;
}

/** Recognises a body-parser error by shape (it has no class of its own to check). */
export function isBodyParserError(error: unknown): error is BodyParserError {
  return (
    error instanceof Error &&
    typeof (error as { type?: unknown }).type === 'string' &&
    typeof (error as { status?: unknown }).status === 'number'
  );
}

// Values echoed from request headers are restricted to token characters, so a response never reflects input.
const safeToken = (value: string | undefined): string =>
  value !== undefined && /^[\w.+-]{1,40}$/.test(value) ? value : 'given';

/**
 * A reason and position from V8's JSON.parse message, or nothing. Messages that quote the body ("Unexpected token
 * 'x', "…" is not valid JSON") are reduced to a fixed phrase; only grammar-only messages pass, with their position.
 */
export function jsonSyntaxReason(message: string): string {
  const positioned =
    /^([A-Za-z ':{}[\],-]+?) (?:in|after) JSON at position (\d+)(?: \(line (\d+) column (\d+)\))?/.exec(message);
  if (positioned) {
    const [, reason = '', position, line, column] = positioned;
    const where = line === undefined ? `position ${position}` : `line ${line}, column ${column}`;
    return `: ${reason.charAt(0).toLowerCase()}${reason.slice(1)} (at ${where})`;
  }
  if (message.startsWith('Unexpected end of JSON input')) return ': it ends unexpectedly';
  if (message.startsWith('Unexpected token')) return ': unexpected token';
  return '';
}

/**
 * Translates a body-parser error into an AppError with a clear, input-free message, once at the boundary.
 * Returns undefined for anything else.
 */
export function translateBodyParserError(error: unknown): AppError | undefined {
  if (!isBodyParserError(error)) return undefined;
  const opts = { retryable: false, cause: error };
  switch (error.type) {
    case 'entity.parse.failed':
      return new AppError(
        ErrorCode.VALIDATION_FAILED,
        `The request body is not valid JSON${jsonSyntaxReason(error.message)}.`,
        opts,
      );
    case 'entity.too.large':
    case 'parameters.too.many':
      return new AppError(
        ErrorCode.PAYLOAD_TOO_LARGE,
        error.limit === undefined
          ? 'The request body is too large.'
          : `The request body exceeds the limit of ${error.limit} bytes.`,
        { ...opts, details: error.limit === undefined ? undefined : { limitBytes: error.limit } },
      );
    case 'charset.unsupported':
      return new AppError(
        ErrorCode.UNSUPPORTED_MEDIA_TYPE,
        `The charset ${safeToken(error.charset)} is not supported; send UTF-8.`,
        opts,
      );
    case 'encoding.unsupported':
      return new AppError(
        ErrorCode.UNSUPPORTED_MEDIA_TYPE,
        `The content encoding ${safeToken(error.encoding)} is not supported; send identity, gzip, deflate or br.`,
        opts,
      );
    case 'request.aborted':
      return new AppError(ErrorCode.VALIDATION_FAILED, 'The request was aborted before its body was received.', opts);
    case 'request.size.invalid':
      return new AppError(ErrorCode.VALIDATION_FAILED, 'The request body does not match its Content-Length.', opts);
    default:
      return error.status >= 400 && error.status < 500
        ? new AppError(ErrorCode.VALIDATION_FAILED, 'The request body could not be read.', opts)
        : undefined;
  }
}
