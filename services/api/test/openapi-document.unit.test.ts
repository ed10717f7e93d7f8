import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../src/openapi/document.ts';

describe('the OpenAPI document', () => {
  const document = buildOpenApiDocument();

  it('validates against the OpenAPI 3.1 schema', async () => {
    const result = await new Validator().validate(structuredClone(document) as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe('3.1.0');
  });

  it('describes every /api/v1 route of the api service, with bearer security by default', () => {
    expect(Object.keys(document.paths ?? {}).sort()).toEqual(
      [
        '/api/v1/alerts',
        '/api/v1/alerts/stalled',
        '/api/v1/alerts/{alertId}',
        '/api/v1/alerts/{alertId}/hunts',
        '/api/v1/alerts/{alertId}/disposition',
        '/api/v1/alerts/{alertId}/assignee',
        '/api/v1/alerts/{alertId}/status',
        '/api/v1/alerts/{alertId}/notes',
        '/api/v1/alerts/{alertId}/questions',
        '/api/v1/cases',
        '/api/v1/cases/{groupId}',
        '/api/v1/containment/freeze',
        '/api/v1/containment/{requestId}',
        '/api/v1/containment/{requestId}/approve',
        '/api/v1/containment/{requestId}/deny',
        '/api/v1/containment/{requestId}/undo',
        '/api/v1/containment/{requestId}/undo/approve',
        '/api/v1/containment/{requestId}/undo/deny',
        '/api/v1/hunt/queries',
        '/api/v1/hunt/audit',
        '/api/v1/hunt/audit/{auditId}',
        '/api/v1/tenants/{tenant}/triage-tuning',
        '/api/v1/tenants/{tenant}/triage-tuning/versions',
        '/api/v1/tenants/{tenant}/triage-tuning/versions/{version}',
        '/api/v1/integrations/slack/interactions',
        '/api/v1/integrations/teams/messages',
        '/api/v1/kpis',
        '/api/v1/entities/{type}/{value}/cases',
        '/api/v1/search',
        '/api/v1/dead-letters',
        '/api/v1/dead-letters/{id}/replay',
        '/api/v1/events',
        '/api/v1/openapi.json',
      ].sort(),
    );
    expect(document.security).toEqual([{ bearer: [] }, { consoleSession: [] }]);
    expect(document.components?.securitySchemes?.consoleSession).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'soc_session' });
    expect(document.components?.securitySchemes?.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('answers errors as RFC 9457 problem details, and reuses the routes\' own request schemas', () => {
    const approve = document.paths?.['/api/v1/containment/{requestId}/approve']?.post;
    expect(Object.keys(approve?.responses?.['409']?.content ?? {})).toEqual(['application/problem+json']);
    expect(JSON.stringify(approve?.requestBody)).toContain('confirmIrreversible');
    expect(document.components?.schemas?.Problem).toMatchObject({ required: ['type', 'title', 'status'] });
  });
});
