import { STATUS_CODES } from 'node:http';
import type { Response } from 'express';

/** Media type of RFC 9457 problem details. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** One invalid field of a request, as listed in a problem's `errors` member. */
export interface FieldError {
  /** Dotted path into the request body (`alert.severity`, `items.0.id`); `(root)` for the body itself. */
  readonly path: string;
  readonly message: string;
}

/** An RFC 9457 problem details object as sent on the wire. */
export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly instance?: string;
  readonly errors?: readonly FieldError[];
  readonly [extension: string]: unknown;
}

/** What a caller says about a problem; `status` is passed separately and `type` defaults to `about:blank`. */
export interface ProblemInit {
  /** A URI identifying the problem type (see {@link problemType}); `about:blank` means "just the status". */
  readonly type?: string;
  /** Short, human-readable summary; defaults to the status phrase. */
  readonly title?: string;
  /** Explanation specific to this occurrence. Must never contain secrets or internals. */
  readonly detail?: string;
  /** URI identifying this occurrence, e.g. `urn:uuid:…` that is also logged. */
  readonly instance?: string;
  readonly errors?: readonly FieldError[];
  /** Extra members (e.g. `accepted`, `limitBytes`); they never override the standard ones. */
  readonly extensions?: Readonly<Record<string, unknown>>;
}

const STANDARD_MEMBERS = new Set(['type', 'title', 'status', 'detail', 'instance', 'errors']);

/** The problem type URI of a machine-readable problem name, e.g. `validation-failed`. */
export function problemType(name: string): string {
  return `urn:soc:problem:${name}`;
}

/** Builds a problem details body (pure; {@link problem} sends it). */
export function problemDetails(status: number, init: ProblemInit): ProblemDetails {
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(init.extensions ?? {})) {
    if (!STANDARD_MEMBERS.has(key)) body[key] = value;
  }
  return {
    ...body,
    type: init.type ?? 'about:blank',
    title: init.title ?? STATUS_CODES[status] ?? 'Error',
    status,
    ...(init.detail === undefined ? {} : { detail: init.detail }),
    ...(init.instance === undefined ? {} : { instance: init.instance }),
    ...(init.errors === undefined ? {} : { errors: init.errors }),
  };
}

/**
 * Sends an RFC 9457 `application/problem+json` response. Every error response of every SOC service goes through
 * here, so clients handle one error shape. The problem type is kept in `res.locals.problem` for the request log.
 */
export function problem(res: Response, status: number, init: ProblemInit): void {
  const body = problemDetails(status, init);
  res.locals.problem = body.type;
  res.status(status).type(PROBLEM_CONTENT_TYPE).setHeader('Cache-Control', 'no-store');
  res.send(JSON.stringify(body));
}
