import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../src/openapi/document.ts';
import { responseChecker } from '../src/testing/openapi-check.ts';

const check = responseChecker(buildOpenApiDocument());
const json = 'application/json; charset=utf-8';
const problemJson = 'application/problem+json; charset=utf-8';
const summary = { alertId: 'a1', correlationId: 'c1', title: 't', severity: 'high', source: 'generic', receivedAt: '2026-12-07T10:00:00.000Z', stage: 'received', riskScore: null, riskLevel: null, verdict: null, actions: [] };

describe('the response checker', () => {
  it('passes a response that matches the document', () => {
    expect(check({ method: 'GET', path: '/api/v1/alerts?limit=5', status: 200, contentType: json, body: JSON.stringify({ items: [summary] }) })).toEqual({ documented: true, route: 'GET /api/v1/alerts', errors: [] });
    const notFound = { type: 'urn:soc:problem:unknown-alert', title: 'Unknown alert', status: 404, detail: 'No alert.' };
    expect(check({ method: 'GET', path: '/api/v1/alerts/a1', status: 404, contentType: problemJson, body: JSON.stringify(notFound) })).toMatchObject({ errors: [] });
  });

  it('catches a wrong body, an undocumented status and a wrong content type', () => {
    const missing = check({ method: 'GET', path: '/api/v1/alerts', status: 200, contentType: json, body: JSON.stringify({ items: [{ ...summary, stage: 'lost', riskScore: 'high' }] }) });
    expect(missing).toMatchObject({ documented: true, route: 'GET /api/v1/alerts' });
    expect(missing.documented && missing.errors.join('\n')).toMatch(/\/items\/0\/stage.*allowed values[\s\S]*\/items\/0\/riskScore/);
    expect(check({ method: 'GET', path: '/api/v1/alerts', status: 418, contentType: json, body: '{}' })).toMatchObject({ errors: [expect.stringContaining('status 418 is not documented')] });
    expect(check({ method: 'GET', path: '/api/v1/alerts/a1', status: 404, contentType: json, body: '{"type":"x","title":"y","status":404}' })).toMatchObject({
      errors: [expect.stringContaining('content type application/json is not documented')],
    });
    expect(check({ method: 'GET', path: '/api/v1/alerts/a1', status: 404, contentType: problemJson, body: '{"title":"y","status":404}' })).toMatchObject({ errors: [expect.stringContaining("must have required property 'type'")] });
  });

  it('finds the operation by method and path template, literal segments first', () => {
    expect(check({ method: 'GET', path: '/api/v1/alerts/stalled', status: 200, contentType: json, body: '{"stallAfterSeconds":300,"count":0,"items":[]}' })).toMatchObject({ route: 'GET /api/v1/alerts/stalled', errors: [] });
    expect(check({ method: 'GET', path: '/api/v1/containment/freeze', status: 200, contentType: json, body: '{"global":null,"runbooks":{}}' })).toMatchObject({ route: 'GET /api/v1/containment/freeze', errors: [] });
    expect(check({ method: 'POST', path: '/api/v1/alerts/generic', status: 202, contentType: json, body: '{}' })).toEqual({ documented: false });
    expect(check({ method: 'DELETE', path: '/api/v1/alerts', status: 404, contentType: problemJson, body: '{}' })).toEqual({ documented: false });
  });
});
