import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { EVENT_DEFINITIONS, SUBSCRIPTIONS } from '../src/index.ts';
import {
  buildAsyncApi,
  buildCatalogue,
  buildJsonSchemas,
  parseTable,
  readCatalogue,
  renderCatalogue,
  schemaId,
  subscriptionSqlFilter,
} from '../scripts/schema-documents.ts';
import { listFiles, readJson } from './support.ts';

const STALE = 'the published schemas are stale: run npm run schemas';
const version = (readJson('package.json') as { version: string }).version;

describe('published schema documents', () => {
  it('contracts/schemas holds exactly the generated JSON Schema of every event version', () => {
    const expected = buildJsonSchemas();
    expect(listFiles('schemas'), STALE).toEqual([...expected.keys()].sort());
    for (const [file, schema] of expected) {
      expect(readJson(`schemas/${file}`), `${file}: ${STALE}`).toEqual(schema);
    }
  });

  it('contracts/asyncapi.json is the generated AsyncAPI document', () => {
    expect(readJson('asyncapi.json'), STALE).toEqual(buildAsyncApi({ version }));
  });

  it('the README event catalogue is the generated one', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const expected = parseTable(renderCatalogue(buildCatalogue()));
    expect(readCatalogue(readme), STALE).toEqual(expected);
    expect(expected).toHaveLength(EVENT_DEFINITIONS.length + 1);
  });
});

describe('JSON Schemas', () => {
  it('are draft 2020-12 with a soc-copilot.dev $id and the event type as a const', () => {
    for (const def of EVENT_DEFINITIONS) {
      const schema = buildJsonSchemas().get(`${def.type}.json`) as Record<string, unknown> & {
        properties: { type: unknown };
      };
      expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(schema.$id).toBe(`https://soc-copilot.dev/schemas/${def.type}.json`);
      expect(schema.$id).toBe(schemaId(def.type));
      expect(schema.properties.type).toMatchObject({ const: def.type });
    }
  });
});

describe('AsyncAPI document', () => {
  const doc = buildAsyncApi({ version });

  it('is valid against the AsyncAPI 3.0.0 specification schema', () => {
    const specs = createRequire(import.meta.url)('@asyncapi/specs') as { schemasWithoutId: Record<string, object> };
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
    const validate = ajv.compile(specs.schemasWithoutId['3.0.0'] as object);
    expect(validate(doc) ? [] : validate.errors).toEqual([]);
  });

  it('has one message per event version, with its JSON Schema as payload and type/correlationid headers', () => {
    const messages = (
      doc.components as { messages: Record<string, { name: string; payload: unknown; headers: unknown }> }
    ).messages;
    expect(Object.values(messages).map((m) => m.name)).toEqual(EVENT_DEFINITIONS.map((d) => d.type));
    for (const m of Object.values(messages)) {
      expect(m.payload).toEqual({
        schemaFormat: 'application/schema+json;version=draft-2020-12',
        schema: { $ref: `./schemas/${m.name}.json` },
      });
      expect(m.headers).toMatchObject({ required: ['type', 'correlationid'] });
    }
  });

  it('has one receive operation per subscription, filtering on the type property', () => {
    const operations = Object.values(doc.operations as Record<string, Record<string, unknown>>);
    const receives = operations.filter((op) => op.action === 'receive');
    expect(receives).toHaveLength(Object.keys(SUBSCRIPTIONS).length);
    expect(receives.find((op) => op.title === 'Subscription containment')).toMatchObject({
      'x-servicebus-subscription': {
        name: 'containment',
        sqlFilter: subscriptionSqlFilter(SUBSCRIPTIONS.containment.types),
      },
    });
    expect(subscriptionSqlFilter(SUBSCRIPTIONS.triage.types)).toBe("user.type IN ('soc.alert.enriched.v1')");
  });
});
