import { describe, expect, it } from 'vitest';
import { EVENT_DEFINITIONS, currentTypeOf, parseEvent } from '../src/index.ts';
import { buildJsonSchemas } from '../scripts/schema-documents.ts';
import { createJsonSchemaValidator, listFiles, readFixture } from './support.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- mutating fixtures into invalid shapes
type Mutable = any;

// Released versions' fixtures are never edited: if one stops parsing, the schema change broke compatibility.
const types = EVENT_DEFINITIONS.map((d) => d.type);
const fixtures = types.map((type) => ({ type, event: readFixture(type) }));
// Reports summarise many journeys and a freeze concerns every alert; neither belongs to one, so the journey checks leave them out.
const journey = fixtures.filter((f) => !['soc.report.generated.v1', 'soc.containment.freeze-changed.v1', 'soc.containment.freeze-changed.v2'].includes(f.type));

describe('fixtures', () => {
  it('exist for every event version, and only for known versions', () => {
    expect(listFiles('fixtures')).toEqual(types.map((t) => `${t}.json`).sort());
  });

  it.each(types)('%s parses with parseEvent (an older version as the current one)', (type) => {
    const result = parseEvent(readFixture(type));
    expect(result.ok ? result.event.type : result.description).toBe(currentTypeOf(type));
  });

  it.each(types.filter((t) => currentTypeOf(t) !== t))('%s upcasts to the current version with its id, envelope and data unchanged', (type) => {
    const fixture = readFixture(type) as { id: string; data: Record<string, unknown> };
    const result = parseEvent(fixture);
    if (!result.ok) throw new Error(result.description);
    expect(result.event).toMatchObject({ id: fixture.id, type: currentTypeOf(type), data: fixture.data });
  });

  it.each(types)('%s validates against its published JSON Schema', (type) => {
    const ajv = createJsonSchemaValidator();
    const validate = ajv.compile(buildJsonSchemas().get(`${type}.json`) as object);
    expect(validate(readFixture(type)) ? [] : validate.errors).toEqual([]);
  });

  it('are one alert journey: same correlation and tenant, unique ids, each caused by an earlier event', () => {
    const [first, ...rest] = journey.map(
      (f) => f.event as { id: string; time: string; correlationid: string; tenantid: string; causationid?: string },
    );
    expect(first?.causationid).toBeUndefined();
    const byId = new Map(journey.map((f) => [f.event.id as string, f.event as { time: string }]));
    expect(byId.size).toBe(journey.length);
    for (const event of rest) {
      expect(event.correlationid).toBe(first?.correlationid);
      expect(event.tenantid).toBe(first?.tenantid);
      expect(event.causationid).toBeDefined();
      const cause = byId.get(event.causationid ?? '');
      // Some causes (the block-ip and disable-user requests) are not fixtures themselves.
      if (cause) expect(Date.parse(event.time)).toBeGreaterThan(Date.parse(cause.time));
    }
  });

  it('are all about the same alert', () => {
    const alertIds = journey.map(({ event }) => {
      const data = event.data as { alertId?: string; alert?: { alertId: string } };
      return data.alertId ?? data.alert?.alertId;
    });
    expect(new Set(alertIds).size).toBe(1);
    expect(new Set(journey.map(({ event }) => event.subject))).toEqual(new Set([alertIds[0]]));
  });

  // Non-TypeScript subscribers validate with the JSON Schemas: they must refuse what parseEvent refuses.
  it.each([
    {
      type: 'soc.decision.made.v1',
      what: 'a containment without approval',
      mutate: (e: Mutable) => {
        const action = e.data.actions.find((a: Mutable) => a.kind === 'RunContainment');
        action.requiresApproval = false;
      },
    },
    {
      type: 'soc.alert.received.v1',
      what: 'a javascript: deep link',
      mutate: (e: Mutable) => {
        e.data.alert.source.url = 'javascript:alert(document.cookie)';
      },
    },
    {
      type: 'soc.alert.received.v1',
      what: 'an entity of unknown type',
      mutate: (e: Mutable) => {
        e.data.alert.entities[0].type = 'workstation';
      },
    },
  ] as const)('and the JSON Schema both reject $what in $type', ({ type, mutate }) => {
    const event = structuredClone(readFixture(type)) as Mutable;
    mutate(event);
    expect(parseEvent(event)).toMatchObject({ ok: false, reason: 'SchemaValidationFailed' });
    const validate = createJsonSchemaValidator().compile(buildJsonSchemas().get(`${type}.json`) as object);
    expect(validate(event)).toBe(false);
  });
});
