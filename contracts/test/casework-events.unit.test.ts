import { describe, expect, it } from 'vitest';
import { SUBSCRIPTIONS, parseEvent } from '../src/index.ts';
import { buildJsonSchemas } from '../scripts/schema-documents.ts';
import { readFixture } from './support.ts';

const CASEWORK = ['soc.case.assigned.v1', 'soc.case.status-changed.v1', 'soc.case.note-added.v1'] as const;

describe('casework events (issue 15)', () => {
  it('reach the case view, so the case and its timeline fold them', () => {
    for (const type of CASEWORK) expect(SUBSCRIPTIONS.caseView.types).toContain(type);
  });

  it('a note carries exactly alertId, tenantId, noteId, text, author and at (search indexes its text)', () => {
    const schema = buildJsonSchemas().get('soc.case.note-added.v1.json') as { properties: { data: { properties: object; required: string[] } } };
    expect(Object.keys(schema.properties.data.properties).sort()).toEqual(['alertId', 'at', 'author', 'noteId', 'tenantId', 'text']);
    expect([...schema.properties.data.required].sort()).toEqual(['alertId', 'at', 'author', 'noteId', 'tenantId', 'text']);
    const fixture = readFixture('soc.case.note-added.v1') as { data: Record<string, unknown> };
    expect(parseEvent({ ...fixture, data: { ...fixture.data, text: 'x'.repeat(4001) } })).toMatchObject({ ok: false, reason: 'SchemaValidationFailed' });
    expect(parseEvent({ ...fixture, data: { ...fixture.data, text: '' } })).toMatchObject({ ok: false });
  });

  it('an unassignment is an assignee of null; a status is one of new, in-progress, on-hold, resolved', () => {
    const assigned = readFixture('soc.case.assigned.v1') as { data: Record<string, unknown> };
    expect(parseEvent({ ...assigned, data: { ...assigned.data, assignee: null, previous: 'a.khan@contoso.com' } }).ok).toBe(true);
    const status = readFixture('soc.case.status-changed.v1') as { data: Record<string, unknown> };
    expect(parseEvent({ ...status, data: { ...status.data, status: 'closed' } })).toMatchObject({ ok: false });
  });
});
