import { describe, expect, it } from 'vitest';
import { LogAnalyticsConfig, logsEndpointOf, logsScopeOf, retryAfterMsOf, runErrorOf } from '../src/index.ts';

function restError(statusCode: number | undefined, headers: Record<string, string> = {}, message = 'x') {
  return { name: 'RestError', message, statusCode, response: { headers: { get: (n: string) => headers[n.toLowerCase()] } } };
}
const now = new Date('2026-11-23T10:00:00Z');
const context = { timeoutSeconds: 60, now };

describe('retryAfterMsOf', () => {
  it('reads seconds, milliseconds headers and HTTP dates', () => {
    expect(retryAfterMsOf(restError(429, { 'retry-after': '7' }), now)).toBe(7000);
    expect(retryAfterMsOf(restError(429, { 'retry-after-ms': '250' }), now)).toBe(250);
    expect(retryAfterMsOf(restError(429, { 'retry-after': 'Mon, 23 Nov 2026 10:00:30 GMT' }), now)).toBe(30_000);
    expect(retryAfterMsOf(restError(429, { 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(retryAfterMsOf(restError(429), now)).toBeUndefined();
  });
});

describe('runErrorOf', () => {
  it('maps service answers to codes with retry verdicts and advice', () => {
    expect(runErrorOf(restError(429, { 'retry-after': '5' }), context)).toMatchObject({ code: 'RATE_LIMITED', retryable: true, retryAfterSeconds: 5 });
    expect(runErrorOf(restError(504), context)).toMatchObject({ code: 'TIMEOUT', retryable: true });
    expect(runErrorOf(restError(404), context).message).toContain('LOG_ANALYTICS_WORKSPACE_ID');
    expect(runErrorOf(restError(502), context)).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', retryable: true });
    expect(runErrorOf(restError(undefined, {}, 'connect ECONNREFUSED 127.0.0.1:1'), context)).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', retryable: true });
    expect(runErrorOf(Object.assign(new Error('no identity'), { name: 'CredentialUnavailableError' }), context)).toMatchObject({ code: 'CONFIGURATION_INVALID', retryable: false });
    expect(runErrorOf(Object.assign(new Error('aborted'), { name: 'AbortError' }), context)).toMatchObject({ code: 'TIMEOUT' });
  });
});

describe('endpoint and configuration', () => {
  it('adds the API version to sovereign endpoints and derives the token scope', () => {
    expect(logsEndpointOf(undefined)).toBe('https://api.loganalytics.io/v1');
    expect(logsEndpointOf('https://api.loganalytics.azure.cn/')).toBe('https://api.loganalytics.azure.cn/v1');
    expect(logsEndpointOf('https://api.loganalytics.us/v1')).toBe('https://api.loganalytics.us/v1');
    expect(logsScopeOf('https://api.loganalytics.azure.cn/v1')).toBe('https://api.loganalytics.azure.cn/.default');
  });

  it('parses the environment and names bad values', () => {
    expect(LogAnalyticsConfig.parse({})).toEqual({ LOG_ANALYTICS_TIMEOUT_SECONDS: 60, LOG_ANALYTICS_MAX_THROTTLE_RETRIES: 2, LOG_ANALYTICS_MAX_RETRY_WAIT_SECONDS: 30, KQL_AUDIT_RETENTION_DAYS: 365 });
    const bad = LogAnalyticsConfig.safeParse({ LOG_ANALYTICS_WORKSPACE_ID: 'contoso-ws', LOG_ANALYTICS_ENDPOINT: 'http://api.loganalytics.io', LOG_ANALYTICS_TIMEOUT_SECONDS: '900' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path[0]).sort()).toEqual(['LOG_ANALYTICS_ENDPOINT', 'LOG_ANALYTICS_TIMEOUT_SECONDS', 'LOG_ANALYTICS_WORKSPACE_ID']);
    expect(LogAnalyticsConfig.parse({ LOG_ANALYTICS_WORKSPACE_ID: '0f4c2a1e-7b9d-4e3f-9a51-3c2d8e6b1f70' }).LOG_ANALYTICS_WORKSPACE_ID).toBe('0f4c2a1e-7b9d-4e3f-9a51-3c2d8e6b1f70');
  });
});
