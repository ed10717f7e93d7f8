import express, { type RequestHandler } from 'express';
import { AppError, ErrorCode } from '@soc/runtime';
import { translateBodyParserError } from './body-errors.ts';

/** Options of {@link jsonBody}. */
export interface JsonBodyOptions {
  /** Largest accepted body in bytes (after decompression); larger ones get 413 without being read. */
  readonly limitBytes: number;
  /** Accepted media types (type-is patterns such as `application/*+json`). Default `['application/json']`. */
  readonly types?: readonly string[];
}

/**
 * Parses a JSON request body with explicit limits: 415 naming the accepted types when the content type is wrong,
 * 413 naming the limit when the body is too large, 400 with the position when the JSON is malformed. Errors are
 * passed on as AppErrors for {@link errorHandler}. A request without a body passes with `req.body` undefined, so
 * the route's schema reports it.
 */
export function jsonBody(options: JsonBodyOptions): RequestHandler {
  if (!Number.isSafeInteger(options.limitBytes) || options.limitBytes <= 0) {
    throw new AppError(ErrorCode.CONFIGURATION_INVALID, 'jsonBody: limitBytes must be a positive integer', {
      retryable: false,
    });
  }
  const types = [...(options.types ?? ['application/json'])];
  // The content type is checked here, so body-parser parses whatever reaches it.
  const parse = express.json({ limit: options.limitBytes, strict: true, type: () => true });
  return (req, res, next) => {
    const matched = req.is(types);
    // Clients send `Content-Length: 0` with an empty POST; that is no body, not a body of the wrong type.
    if (matched === null || req.headers['content-length'] === '0') {
      next();
      return;
    }
    if (matched === false) {
      if (req.method === 'POST') res.setHeader('Accept-Post', types.join(', '));
      if (req.method === 'PATCH') res.setHeader('Accept-Patch', types.join(', '));
      next(
        new AppError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, `The request body must be one of: ${types.join(', ')}.`, {
          retryable: false,
          details: { accepted: types },
        }),
      );
      return;
    }
    parse(req, res, (error?: unknown) => {
      if (error === undefined) next();
      else next(translateBodyParserError(error) ?? error);
    });
  };
}
