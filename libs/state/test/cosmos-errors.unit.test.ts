import { ErrorResponse, RestError, TimeoutError } from '@azure/cosmos';
import { AppError } from '@soc/runtime';
import { describe, expect, it } from 'vitest';
import { translateCosmosError } from '../src/adapters/cosmos-errors.ts';

// Internal module test: the translator is the one place SDK errors become AppErrors, and the local Cosmos DB API
// server never throttles, times out or refuses auth, so these verdicts are proven here, on the SDK's own types.
function sdkError(code: number, extra: Partial<ErrorResponse> = {}): ErrorResponse {
  return Object.assign(new ErrorResponse(`status ${code}`), { code, ...extra });
}

describe('translateCosmosError', () => {
  it.each([
    [412, 'PRECONDITION_FAILED', true],
    [409, 'CONFLICT', false],
    [400, 'VALIDATION_FAILED', false],
    [401, 'UNAUTHORIZED', false],
    [403, 'FORBIDDEN', false],
    [404, 'CONFIGURATION_INVALID', false],
    [413, 'PAYLOAD_TOO_LARGE', false],
    [408, 'DEPENDENCY_UNAVAILABLE', true],
    [410, 'DEPENDENCY_UNAVAILABLE', true],
    [429, 'DEPENDENCY_UNAVAILABLE', true],
    [449, 'DEPENDENCY_UNAVAILABLE', true],
    [500, 'DEPENDENCY_UNAVAILABLE', true],
    [503, 'DEPENDENCY_UNAVAILABLE', true],
  ] as const)('maps status %i to %s (retryable: %s)', (status, code, retryable) => {
    const error = sdkError(status);
    expect(translateCosmosError(error, 'put')).toMatchObject({
      name: 'AppError',
      code,
      retryable,
      cause: error,
      details: { operation: 'put', status },
    });
  });

  it('keeps the server-suggested delay of a 429', () => {
    expect(translateCosmosError(sdkError(429, { retryAfterInMs: 250 }), 'get').details).toMatchObject({
      retryAfterMs: 250,
    });
  });

  it('treats 404/1002 (session not yet readable) as transient', () => {
    expect(translateCosmosError(sdkError(404, { substatus: 1002 }), 'get')).toMatchObject({
      code: 'DEPENDENCY_UNAVAILABLE',
      retryable: true,
    });
  });

  it('treats SDK timeouts and network failures as retryable DEPENDENCY_UNAVAILABLE', () => {
    expect(translateCosmosError(new TimeoutError(), 'get')).toMatchObject({
      code: 'DEPENDENCY_UNAVAILABLE',
      retryable: true,
    });
    expect(translateCosmosError(new RestError('connect ECONNREFUSED', { code: 'ECONNREFUSED' }), 'get')).toMatchObject({
      code: 'DEPENDENCY_UNAVAILABLE',
      retryable: true,
    });
    const aborted = Object.assign(new Error('aborted'), { name: 'AbortError' });
    expect(translateCosmosError(aborted, 'get')).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', retryable: true });
  });

  it('passes AppErrors through and keeps unknown failures retryable', () => {
    const own = new AppError('CONFLICT', 'x', { retryable: false });
    expect(translateCosmosError(own, 'put')).toBe(own);
    expect(translateCosmosError(new Error('surprise'), 'put')).toMatchObject({
      code: 'DEPENDENCY_UNAVAILABLE',
      retryable: true,
    });
  });

  it('never puts request headers (which carry the auth token) into the message', () => {
    const error = sdkError(401, { headers: { authorization: 'type=master&sig=secret' } });
    expect(translateCosmosError(error, 'get').message).not.toContain('secret');
  });
});
