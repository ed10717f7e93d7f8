import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { redactSecrets, scrubSecrets, type Logger } from '@soc/observability';
import { ErrorCode, isAppError, type AppError } from '@soc/runtime';
import { translateBodyParserError } from './body-errors.ts';
import { problem, problemType, type FieldError, type ProblemInit } from './problem.ts';

/** HTTP status of each error code; a `Record` so a new code cannot be forgotten here. */
export const STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  POLICY_VIOLATION: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  CONFIGURATION_INVALID: 500,
  DEPENDENCY_UNAVAILABLE: 503,
  TIMEOUT: 504,
};

const TITLES: Readonly<Record<ErrorCode, string>> = {
  VALIDATION_FAILED: 'Invalid request',
  UNAUTHORIZED: 'Unauthorized',
  FORBIDDEN: 'Forbidden',
  NOT_FOUND: 'Not found',
  CONFLICT: 'Conflict',
  PRECONDITION_FAILED: 'Precondition failed',
  PAYLOAD_TOO_LARGE: 'Payload too large',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported media type',
  POLICY_VIOLATION: 'Policy violation',
  RATE_LIMITED: 'Too many requests',
  INTERNAL: 'Internal server error',
  CONFIGURATION_INVALID: 'Internal server error',
  DEPENDENCY_UNAVAILABLE: 'Service unavailable',
  TIMEOUT: 'Gateway timeout',
};

// 5xx responses never carry the error's own message: it names internal dependencies, hosts and state.
const SERVER_DETAILS: Readonly<Partial<Record<number, string>>> = {
  503: 'A dependency is temporarily unavailable; retry later.',
  504: 'A dependency did not answer in time; retry later.',
};
const GENERIC_DETAIL = 'An unexpected error occurred. Quote the instance when reporting it.';

const DEFAULT_RETRY_AFTER_SECONDS: Readonly<Partial<Record<number, number>>> = { 429: 1, 503: 5 };

/** The problem type URI of an error code: `VALIDATION_FAILED` → `urn:soc:problem:validation-failed`. */
export const problemTypeOf = (code: ErrorCode): string => problemType(code.toLowerCase().replaceAll('_', '-'));

/** An issue of a zod error; declared by shape so any zod copy is recognised. */
interface ZodIssueLike {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** Recognises a zod error by name and shape, across zod versions and package copies. */
export function isZodError(error: unknown): error is Error & { issues: readonly ZodIssueLike[] } {
  return error instanceof Error && error.name === 'ZodError' && Array.isArray((error as { issues?: unknown }).issues);
}

/** Field-level errors of a zod error, capped so a huge invalid array cannot produce a huge response. */
export function fieldErrors(issues: readonly ZodIssueLike[]): FieldError[] {
  return issues.slice(0, 50).map((issue) => ({
    path: issue.path.length === 0 ? '(root)' : issue.path.map(String).join('.'),
    message: issue.message,
  }));
}

/** How an error is answered: status, problem body, extra headers, and whether it is a server fault to log. */
export interface ProblemResponse {
  readonly status: number;
  readonly init: ProblemInit;
  readonly headers: Readonly<Record<string, string>>;
  /** Set for 5xx: the occurrence id in the body and the log line. */
  readonly instance?: string;
}

function retryAfter(status: number, details: Readonly<Record<string, unknown>> | undefined): Record<string, string> {
  const requested = details?.retryAfterSeconds;
  const seconds =
    typeof requested === 'number' && Number.isFinite(requested) && requested > 0
      ? Math.ceil(requested)
      : DEFAULT_RETRY_AFTER_SECONDS[status];
  return seconds === undefined ? {} : { 'Retry-After': String(seconds) };
}

function serverFault(code: ErrorCode, details: AppError['details'], newInstance: () => string): ProblemResponse {
  const status = STATUS_BY_CODE[code];
  const instance = newInstance();
  return {
    status,
    headers: retryAfter(status, details),
    instance,
    init: {
      type: problemTypeOf(code),
      title: TITLES[code],
      detail: SERVER_DETAILS[status] ?? GENERIC_DETAIL,
      instance,
    },
  };
}

function fromAppError(error: AppError, newInstance: () => string): ProblemResponse {
  // An AppError from a newer copy of @soc/runtime may carry a code this table does not know yet.
  const code: ErrorCode = Object.hasOwn(STATUS_BY_CODE, error.code) ? error.code : ErrorCode.INTERNAL;
  const status = STATUS_BY_CODE[code];
  if (status >= 500) return serverFault(code, error.details, newInstance);
  const headers: Record<string, string> = {
    ...retryAfter(status, error.details),
    ...(status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {}),
  };
  // 4xx messages and details are written for the caller; they are still scrubbed as a second line of defence.
  const { errors: detailErrors, ...extensions } = redactSecrets(error.details ?? {});
  const errors = isZodError(error.cause)
    ? fieldErrors(error.cause.issues)
    : Array.isArray(detailErrors)
      ? (detailErrors as FieldError[])
      : undefined;
  return {
    status,
    headers,
    init: {
      type: problemTypeOf(code),
      title: TITLES[code],
      detail: scrubSecrets(error.message),
      ...(errors === undefined ? {} : { errors }),
      extensions,
    },
  };
}

/**
 * Classifies any thrown value into a problem response (pure, apart from minting an instance id for 5xx):
 * AppErrors by code, zod errors as 400 with field errors, body-parser errors by type, anything else as 500.
 */
export function toProblemResponse(
  error: unknown,
  newInstance: () => string = () => `urn:uuid:${randomUUID()}`,
): ProblemResponse {
  if (isAppError(error)) return fromAppError(error, newInstance);
  if (isZodError(error)) {
    return {
      status: 400,
      headers: {},
      init: {
        type: problemTypeOf(ErrorCode.VALIDATION_FAILED),
        title: TITLES.VALIDATION_FAILED,
        detail: `The request is invalid (${error.issues.length} problem${error.issues.length === 1 ? '' : 's'}).`,
        errors: fieldErrors(error.issues),
      },
    };
  }
  const translated = translateBodyParserError(error);
  if (translated !== undefined) return fromAppError(translated, newInstance);
  // Client errors raised by express itself (http-errors, e.g. an undecodable path parameter): status kept, message
  // dropped because it quotes the request.
  const status = (error as { status?: unknown } | undefined)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, headers: {}, init: { type: 'about:blank' } };
  }
  return serverFault(ErrorCode.INTERNAL, undefined, newInstance);
}

/** Options of {@link errorHandler}. */
export interface ErrorHandlerOptions {
  /** Logs server faults; a request's own child logger (`res.locals.log`) is preferred when present. */
  readonly logger: Logger;
}

/**
 * The last middleware of every app: answers any error as `application/problem+json` (see {@link toProblemResponse})
 * and logs server faults with the instance id the caller sees. Never sends a stack or an internal message.
 */
export function errorHandler(options: ErrorHandlerOptions): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    // Once the response has started, only express can end it (it destroys the socket).
    if (res.headersSent) {
      next(error);
      return;
    }
    const response = toProblemResponse(error);
    if (response.instance !== undefined) {
      const log = (res.locals.log as Logger | undefined) ?? options.logger;
      log.error(
        { err: error, instance: response.instance, method: req.method, path: req.path, status: response.status },
        'request failed',
      );
    }
    for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
    problem(res, response.status, response.init);
  };
}

/** Answers requests no route matched with a 404 problem (instead of express's HTML page). */
export function notFound(): RequestHandler {
  return (_req, res) => {
    // The path is not echoed: responses never reflect request input.
    problem(res, 404, {
      type: problemTypeOf(ErrorCode.NOT_FOUND),
      title: TITLES.NOT_FOUND,
      detail: 'No route matches this method and path.',
    });
  };
}
