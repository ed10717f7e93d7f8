import { describe, expect, it } from 'vitest';
import { isSecretKey, redactSecrets, scrubSecrets, serializeError } from '../src/index.ts';

describe('scrubSecrets', () => {
  it.each([
    [
      'Service Bus connection string',
      'Endpoint=sb://soc.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=AbC+/123=',
      'Endpoint=sb://soc.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=[REDACTED]',
    ],
    [
      'Service Bus SAS token',
      'SharedAccessSignature=SharedAccessSignature sr=sb%3a%2f%2fsoc&sig=AbC%2b&se=1700000000&skn=send;EntityPath=q',
      'SharedAccessSignature=[REDACTED];EntityPath=q',
    ],
    [
      'Storage connection string',
      'DefaultEndpointsProtocol=https;AccountName=socdata;AccountKey=Zm9vYmFy+/==;EndpointSuffix=core.windows.net',
      'DefaultEndpointsProtocol=https;AccountName=socdata;AccountKey=[REDACTED];EndpointSuffix=core.windows.net',
    ],
    [
      'Cosmos DB connection string',
      'AccountEndpoint=https://soc.documents.azure.com:443/;AccountKey=C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==;',
      'AccountEndpoint=https://soc.documents.azure.com:443/;AccountKey=[REDACTED];',
    ],
    [
      'blob SAS URL',
      'https://socdata.blob.core.windows.net/c/b.json?sv=2022-11-02&se=2026-01-01&sp=r&sig=abc%2Bdef%3D',
      'https://socdata.blob.core.windows.net/c/b.json?sv=2022-11-02&se=2026-01-01&sp=r&sig=[REDACTED]',
    ],
    ['URL user-info', 'postgres://soc:pa55@db:5432/soc', 'postgres://[REDACTED]@db:5432/soc'],
    ['URL user without password', 'https://token123@github.com/org/repo', 'https://[REDACTED]@github.com/org/repo'],
    ['bearer header value', 'Authorization: Bearer abc.DEF_ghi-123', 'Authorization: Bearer [REDACTED]'],
    ['basic header value', 'authorization: Basic dXNlcjpwYXNz', 'authorization: Basic [REDACTED]'],
    [
      'JSON quoted in a message',
      'body {"user":"x","password":"p@ss"} rejected',
      'body {"user":"x","password":"[REDACTED]"} rejected',
    ],
    ['escaped JSON in a log line', '{"msg":"{\\"apiKey\\":\\"k-1\\"}"}', '{"msg":"{\\"apiKey\\":\\"[REDACTED]\\"}"}'],
    ['JWT', 'token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_nature-1 expired', 'token [REDACTED] expired'],
  ])('%s', (_name, input, expected) => {
    expect(scrubSecrets(input)).toBe(expected);
  });

  it.each([
    'alert alt-1 from https://portal.azure.com/#asset/x scored 87 (severity=high; keyboard=us)',
    'basic authentication is disabled; bearer token missing',
  ])('leaves ordinary text alone: %s', (text) => {
    expect(scrubSecrets(text)).toBe(text);
  });
});

describe('isSecretKey', () => {
  it.each([
    'password',
    'Authorization',
    'x-api-key',
    'API_KEY',
    'apiKey',
    'clientSecret',
    'githubToken',
    'sasToken',
    'connectionString',
    'storageConnectionString',
    'AccountKey',
    'set-cookie',
    'key',
    'webhookUrl',
  ])('%s is secret', (key) => expect(isSecretKey(key)).toBe(true));
  it.each(['signature', 'signature_id', 'promptTokens', 'tokenName', 'alertId', 'keyboard', 'monkey', 'severity'])(
    '%s is not',
    (key) => expect(isSecretKey(key)).toBe(false),
  );
});

describe('redactSecrets', () => {
  it('redacts at any depth and in arrays without touching the input', () => {
    const input = { a: [{ b: { c: { d: { e: { f: { password: 'p' } } } } } }], keep: 1, nil: { token: null } };
    const out = redactSecrets(input);
    expect(JSON.stringify(out)).not.toContain('"p"');
    expect(out.keep).toBe(1);
    expect(out.nil.token).toBeNull();
    expect(input.a[0]?.b.c.d.e.f.password).toBe('p');
  });

  it('returns the same object when there is nothing to redact', () => {
    const input = { alert: { id: 'a', tags: ['x'] } };
    expect(redactSecrets(input)).toBe(input);
  });

  it('cuts off structures nested beyond its depth, so nothing hides below the walk', () => {
    let deep: Record<string, unknown> = { password: 'deep-secret' };
    for (let i = 0; i < 12; i++) deep = { next: deep };
    expect(JSON.stringify(redactSecrets(deep))).not.toContain('deep-secret');
  });

  it('leaves class instances to their serializers', () => {
    const error = Object.assign(new Error('x'), { token: 't' });
    expect(redactSecrets({ err: error }).err).toBe(error);
  });
});

describe('serializeError', () => {
  it('serializes thrown non-errors', () => {
    expect(serializeError('mongodb://u:p@h')).toEqual({ type: 'string', message: 'mongodb://[REDACTED]@h' });
  });

  it('follows aggregate errors and bounded cause chains', () => {
    let error: Error = new Error('root');
    for (let i = 0; i < 6; i++) error = new Error(`level ${i}`, { cause: error });
    const out = serializeError(new AggregateError([error, new TypeError('t')], 'many'));
    expect(out.errors?.map((e) => e.type)).toEqual(['Error', 'TypeError']);
    expect(out.errors?.[0]?.cause?.cause?.cause).toBeUndefined();
  });

  it('keeps numeric status codes', () => {
    expect(serializeError(Object.assign(new Error('x'), { statusCode: 503 })).status).toBe(503);
  });
});
