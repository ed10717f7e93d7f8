import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError, ErrorCode } from '@soc/runtime';
import { problemDetails, toProblemResponse, translateBodyParserError } from '../src/index.ts';

const instance = () => 'urn:uuid:00000000-0000-4000-8000-000000000000';
const appError = (code: string, details?: Record<string, unknown>, message = 'm') =>
  new AppError(code as ErrorCode, message, { retryable: false, details });

describe('toProblemResponse', () => {
  it('treats an AppError code it does not know as a server fault', () => {
    const response = toProblemResponse(appError('FROM_THE_FUTURE', undefined, 'internal-detail-xyz'), instance);
    expect(response).toMatchObject({ status: 500, instance: instance() });
    expect(JSON.stringify(response.init)).not.toContain('internal-detail-xyz');
  });

  it('rounds Retry-After up and ignores nonsense values', () => {
    expect(toProblemResponse(appError(ErrorCode.RATE_LIMITED, { retryAfterSeconds: 2.2 })).headers).toEqual({
      'Retry-After': '3',
    });
    expect(toProblemResponse(appError(ErrorCode.RATE_LIMITED, { retryAfterSeconds: -4 })).headers).toEqual({
      'Retry-After': '1',
    });
    expect(
      toProblemResponse(appError(ErrorCode.DEPENDENCY_UNAVAILABLE, { retryAfterSeconds: 30 }), instance).headers,
    ).toEqual({
      'Retry-After': '30',
    });
  });

  it('passes caller-safe details as extension members, redacting secret keys', () => {
    const { init } = toProblemResponse(appError(ErrorCode.CONFLICT, { caseId: 'c-1', apiKey: 'k', status: 999 }));
    const body = problemDetails(409, init);
    expect(body).toMatchObject({ caseId: 'c-1', apiKey: '[REDACTED]', status: 409 });
  });

  it('lists field errors given in details', () => {
    const errors = [{ path: 'severity', message: 'unknown severity' }];
    expect(toProblemResponse(appError(ErrorCode.VALIDATION_FAILED, { errors })).init.errors).toEqual(errors);
  });

  it('answers a bare zod error with each issue', () => {
    const result = z.object({ a: z.object({ b: z.array(z.number()) }) }).safeParse({ a: { b: [1, 'x'] } });
    expect(result.success).toBe(false);
    const response = toProblemResponse(result.error);
    expect(response.status).toBe(400);
    expect(response.init.errors).toEqual([{ path: 'a.b.1', message: expect.any(String) as string }]);
    expect(response.init.detail).toBe('The request is invalid (1 problem).');
  });

  it.each([[new Error('x')], ['a string'], [undefined], [null], [{ status: 503 }]])(
    'answers anything else with a generic 500 (%#)',
    (thrown) => {
      const response = toProblemResponse(thrown, instance);
      expect(response.status).toBe(500);
      expect(response.init).toMatchObject({ type: 'urn:soc:problem:internal', instance: instance() });
    },
  );

  it('keeps the status of client errors raised by express, without their message', () => {
    const error = Object.assign(new Error("Failed to decode param '%E0'"), { status: 400, expose: true });
    const response = toProblemResponse(error);
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.init)).not.toContain('%E0');
  });
});

describe('translateBodyParserError', () => {
  const bodyParserError = (type: string, extra: Record<string, unknown> = {}) =>
    Object.assign(new Error('raw message quoting "the body"'), { type, status: 400, ...extra });

  it.each([
    ['entity.too.large', { limit: 10 }, ErrorCode.PAYLOAD_TOO_LARGE, 'The request body exceeds the limit of 10 bytes.'],
    [
      'encoding.unsupported',
      { encoding: 'x-evil"<>' },
      ErrorCode.UNSUPPORTED_MEDIA_TYPE,
      'The content encoding given is not supported; send identity, gzip, deflate or br.',
    ],
    ['request.aborted', {}, ErrorCode.VALIDATION_FAILED, 'The request was aborted before its body was received.'],
    ['request.size.invalid', {}, ErrorCode.VALIDATION_FAILED, 'The request body does not match its Content-Length.'],
  ])('%s', (type, extra, code, message) => {
    expect(translateBodyParserError(bodyParserError(type, extra))).toMatchObject({ code, message });
  });

  it('ignores other errors', () => {
    expect(translateBodyParserError(new Error('x'))).toBeUndefined();
  });
});
