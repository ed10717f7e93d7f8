import { describe, expect, it } from 'vitest';
import { DEFAULT_VOLUME_THRESHOLD, breaker, breakerFailFastOf, isDependencyFailure, isOutageOrMisconfiguration } from '../src/breaker.ts';
import { AppError, ErrorCode } from '../src/errors.ts';

const N = 20;

/** A guarded function that fails with `failure()` and counts how often it really ran. */
function failing(failure: () => unknown, timeoutMs = 1_000) {
  let calls = 0;
  const guarded = breaker(
    () => {
      calls++;
      return Promise.reject(failure());
    },
    { name: 'dep', timeoutMs, resetTimeoutMs: 3_600_000 },
  );
  return { guarded, calls: () => calls };
}

/** Runs `n` calls one after another and returns their errors. */
async function errorsOf(call: () => Promise<unknown>, n: number): Promise<unknown[]> {
  const errors: unknown[] = [];
  for (let i = 0; i < n; i++) errors.push(await call().then(() => undefined, (e: unknown) => e));
  return errors;
}

describe('breaker', () => {
  it.each([
    ['a bug of ours (TypeError)', () => new TypeError("Cannot read properties of undefined (reading 'map')")],
    ['a request the dependency refused (non-retryable 400)', () => new AppError(ErrorCode.VALIDATION_FAILED, 'rejected (400)', { retryable: false })],
    ['an answer that does not validate', () => new AppError(ErrorCode.VALIDATION_FAILED, 'bad output', { retryable: false })],
    ['refused credentials (401)', () => new AppError(ErrorCode.UNAUTHORIZED, 'refused (401)', { retryable: false })],
  ])('%s, %#: N failures never open it, every call reaches the function and keeps its own error', async (_what, failure) => {
    const { guarded, calls } = failing(failure);
    try {
      const errors = await errorsOf(() => guarded(), N);
      expect(guarded.breaker.opened).toBe(false);
      expect(calls()).toBe(N);
      for (const e of errors) expect(breakerFailFastOf(e)).toBeUndefined();
      expect(errors[N - 1]).toMatchObject({ message: (failure() as Error).message });
    } finally {
      guarded.breaker.shutdown();
    }
  });

  it.each([
    ['connection refused', () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' })],
    ['fetch failed (a TypeError caused by a connection error)', () => new TypeError('fetch failed', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) })],
    ['a 5xx translated by the adapter', () => new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'answered 503', { retryable: true })],
    ['a 429', () => new AppError(ErrorCode.RATE_LIMITED, 'rate limited (429)', { retryable: true })],
  ])('%s: opens once the window has seen the volume threshold, then fails fast without calling', async (_what, failure) => {
    const { guarded, calls } = failing(failure);
    try {
      await errorsOf(() => guarded(), DEFAULT_VOLUME_THRESHOLD - 1);
      // Below the minimum volume, even 100 % failures do not open it.
      expect(guarded.breaker.opened).toBe(false);
      await errorsOf(() => guarded(), 1);
      expect(guarded.breaker.opened).toBe(true);
      const [fast] = await errorsOf(() => guarded(), 1);
      expect(calls()).toBe(DEFAULT_VOLUME_THRESHOLD);
      expect(fast).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', retryable: true, message: 'dep is unavailable; the circuit breaker failed fast' });
      expect(breakerFailFastOf(fast)).toBe('open');
    } finally {
      guarded.breaker.shutdown();
    }
  });

  it('counts its own timeouts as dependency failures and says so', async () => {
    let calls = 0;
    const guarded = breaker(
      () => {
        calls++;
        return new Promise<never>(() => undefined);
      },
      { name: 'slow', timeoutMs: 5, resetTimeoutMs: 3_600_000 },
    );
    try {
      const errors = await errorsOf(() => guarded(), DEFAULT_VOLUME_THRESHOLD);
      expect(errors.map(breakerFailFastOf)).toEqual(Array.from({ length: DEFAULT_VOLUME_THRESHOLD }, () => 'timeout'));
      expect(guarded.breaker.opened).toBe(true);
      expect(breakerFailFastOf((await errorsOf(() => guarded(), 1))[0])).toBe('open');
      expect(calls).toBe(DEFAULT_VOLUME_THRESHOLD);
    } finally {
      guarded.breaker.shutdown();
    }
  });

  it("a socket's connect ETIMEDOUT is the dependency's failure, passed through until the breaker opens, not read as its own timeout", async () => {
    const connectTimeout = () => Object.assign(new Error('connect ETIMEDOUT 10.0.0.9:443'), { code: 'ETIMEDOUT', errno: -110, syscall: 'connect' });
    const { guarded } = failing(connectTimeout);
    try {
      const errors = await errorsOf(() => guarded(), DEFAULT_VOLUME_THRESHOLD + 1);
      expect(errors.slice(0, DEFAULT_VOLUME_THRESHOLD - 1).map(breakerFailFastOf)).toEqual(Array.from({ length: DEFAULT_VOLUME_THRESHOLD - 1 }, () => undefined));
      expect((errors[0] as Error).message).toBe('connect ETIMEDOUT 10.0.0.9:443');
      expect(breakerFailFastOf(errors[DEFAULT_VOLUME_THRESHOLD - 1])).toBe('opened');
      expect(breakerFailFastOf(errors[DEFAULT_VOLUME_THRESHOLD])).toBe('open');
    } finally {
      guarded.breaker.shutdown();
    }
  });

  it('takes a failure policy and a volume of its own', async () => {
    let calls = 0;
    const guarded = breaker(
      () => {
        calls++;
        return Promise.reject(new Error('teapot'));
      },
      { name: 'custom', volumeThreshold: 2, resetTimeoutMs: 3_600_000, isDependencyFailure: (e) => e instanceof Error && e.message === 'teapot' },
    );
    try {
      await errorsOf(() => guarded(), 3);
      expect(guarded.breaker.opened).toBe(true);
      expect(calls).toBe(2);
    } finally {
      guarded.breaker.shutdown();
    }
  });

  it('isDependencyFailure: retryable AppErrors and connection errors (at any depth of causes) only', () => {
    expect(isDependencyFailure(new AppError(ErrorCode.TIMEOUT, 't', { retryable: true }))).toBe(true);
    expect(isDependencyFailure(new AppError(ErrorCode.VALIDATION_FAILED, 'v', { retryable: false }))).toBe(false);
    expect(isDependencyFailure(new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } }))).toBe(true);
    expect(isDependencyFailure(new TypeError('x is not a function'))).toBe(false);
    expect(isDependencyFailure(new RangeError('Maximum call stack size exceeded'))).toBe(false);
    expect(isDependencyFailure('a string')).toBe(false);
    // SDK errors that carry the HTTP status (Azure RestError, OpenAI APIError).
    expect(isDependencyFailure(Object.assign(new Error('Service Unavailable'), { statusCode: 503 }))).toBe(true);
    expect(isDependencyFailure(Object.assign(new Error('Too Many Requests'), { status: 429 }))).toBe(true);
    expect(isDependencyFailure(Object.assign(new Error('Not Found'), { statusCode: 404 }))).toBe(false);
    expect(isDependencyFailure(Object.assign(new Error('Bad Request'), { status: 400 }))).toBe(false);
  });

  it('isOutageOrMisconfiguration: outages, and refusals every call will meet (401, 403, 404), open a lookup\'s breaker; a bug or a bad request does not', async () => {
    const cases: [unknown, boolean][] = [
      [new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'ServiceNow answered 503', { retryable: true }), true],
      [new AppError(ErrorCode.UNAUTHORIZED, 'ServiceNow was refused (401)', { retryable: false }), true],
      [Object.assign(new Error('The index was not found'), { statusCode: 404 }), true],
      [Object.assign(new Error('Forbidden'), { statusCode: 403 }), true],
      [new AppError(ErrorCode.VALIDATION_FAILED, 'rejected (400)', { retryable: false }), false],
      [Object.assign(new Error('Bad request'), { statusCode: 400 }), false],
      [new TypeError("Cannot read properties of undefined (reading 'map')"), false],
    ];
    for (const [error, expected] of cases) expect(isOutageOrMisconfiguration(error), String(error)).toBe(expected);
    let calls = 0;
    const guarded = breaker(
      () => {
        calls++;
        return Promise.reject(new AppError(ErrorCode.UNAUTHORIZED, 'refused (401)', { retryable: false }));
      },
      { name: 'cmdb', resetTimeoutMs: 3_600_000, isDependencyFailure: isOutageOrMisconfiguration },
    );
    try {
      await errorsOf(() => guarded(), DEFAULT_VOLUME_THRESHOLD + 3);
      expect(guarded.breaker.opened).toBe(true);
      expect(calls).toBe(DEFAULT_VOLUME_THRESHOLD);
    } finally {
      guarded.breaker.shutdown();
    }
  });
});
