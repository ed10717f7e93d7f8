// Builds the published schema documents (JSON Schema per event version, the AsyncAPI document and the README
// event catalogue) from the zod definitions. Pure: `generate-schemas.ts` writes them, a unit test compares them.
import { z } from 'zod';
import { ALL_SUBSCRIPTIONS, DEFAULT_PRIORITY, EVENT_DEFINITIONS, Priority, type EventDefinition, type SocEventType } from '../src/index.ts';

/** Base URI of the published JSON Schemas; a schema's `$id` is this plus `<type>.json`. */
export const SCHEMA_BASE_URI = 'https://soc-copilot.dev/schemas/';

/** The Service Bus topic (and embedded-bus topic) every event is published to. */
export const TOPIC_NAME = 'soc-events';

/** CloudEvents structured mode: the whole event, envelope and data, is the message body. */
export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json; charset=utf-8';

/**
 * AsyncAPI 3.0 only requires tooling to understand draft-07; the payloads are draft 2020-12, so they are
 * declared through a Multi Format Schema Object with this (custom) format name.
 */
export const JSON_SCHEMA_2020_12_FORMAT = 'application/schema+json;version=draft-2020-12';

/**
 * Which process publishes each event version. Kept here rather than in `src/` because only the published
 * documents need it; `satisfies` makes a new event without a producer a compile error.
 */
export const EVENT_PRODUCERS = {
  'soc.alert.received.v1': 'ingestion',
  'soc.alert.enriched.v1': 'enrichment',
  'soc.alert.triaged.v1': 'triage',
  'soc.decision.made.v1': 'decision',
  'soc.notification.sent.v1': 'notification',
  'soc.ticket.created.v1': 'ticketing',
  'soc.ticket.updated.v1': 'ticketing',
  'soc.containment.requested.v1': 'containment',
  'soc.containment.approved.v1': 'api',
  'soc.containment.denied.v1': 'api',
  'soc.alert.dispositioned.v1': 'api',
  'soc.containment.executed.v1': 'containment',
  'soc.containment.failed.v1': 'containment',
  'soc.processing.failed.v1': 'bus',
  'soc.report.generated.v1': 'reporting',
  'soc.containment.freeze-changed.v1': 'api',
  'soc.notification.due.v1': 'notification',
  'soc.decision.made.v2': 'decision',
  'soc.containment.requested.v2': 'containment',
  'soc.containment.approved.v2': 'api',
  'soc.containment.executed.v2': 'containment',
  'soc.containment.failed.v2': 'containment',
  'soc.containment.freeze-changed.v2': 'api',
  'soc.containment.verified.v1': 'containment',
  'soc.containment.check-due.v1': 'containment',
  'soc.containment.undo-requested.v1': 'api',
  'soc.containment.undo-decided.v1': 'api',
  'soc.containment.undone.v1': 'containment',
  'soc.case.assigned.v1': 'api',
  'soc.case.status-changed.v1': 'api',
  'soc.case.note-added.v1': 'api',
  'soc.case.question-asked.v1': 'api',
  'soc.case.question-answered.v1': 'triage',
} as const satisfies Record<SocEventType, string>;

/** How a producer id reads in the catalogue. */
const PRODUCER_LABELS: Readonly<Record<string, string>> = {
  bus: 'any consumer (`libs/bus`, on dead-letter)',
};

/** A JSON document as written to disk. */
export type JsonObject = { [key: string]: unknown };

/** The file name of an event version's JSON Schema, relative to `contracts/schemas/`. */
export function schemaFileName(type: string): string {
  return `${type}.json`;
}

/** The `$id` of an event version's JSON Schema. */
export function schemaId(type: string): string {
  return `${SCHEMA_BASE_URI}${schemaFileName(type)}`;
}

/** `soc.alert.received.v1` → `AlertReceivedV1`, the name of its zod definition and of its AsyncAPI message. */
export function messageName(type: string): string {
  return type
    .replace(/^soc\./, '')
    .split(/[.-]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/**
 * zod leaves a URL's protocol rule (`z.url({ protocol })`) out of JSON Schema, so other validators would accept
 * `javascript:` links; carry a simple protocol rule over as a case-insensitive `pattern`.
 */
function carryUrlProtocol(ctx: { zodSchema: unknown; jsonSchema: Record<string, unknown> }): void {
  const def = (ctx.zodSchema as { _zod?: { def?: { format?: string; protocol?: unknown } } })._zod?.def;
  if (def?.format !== 'url' || !(def.protocol instanceof RegExp) || ctx.jsonSchema.pattern !== undefined) return;
  const protocol = def.protocol.source.replace(/^\^/, '').replace(/\$$/, '');
  // Only letters and simple operators translate safely; anything fancier stays zod-only.
  if (!/^[a-z0-9+.\-?|()]+$/i.test(protocol)) return;
  const anyCase = protocol.replace(/[a-z]/gi, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`);
  ctx.jsonSchema.pattern = `^(?:${anyCase}):`;
}

/**
 * The draft 2020-12 JSON Schema of one event version (envelope and data).
 * Generated in `input` mode so it accepts exactly what `parseEvent` accepts: fields with a default may be
 * omitted, and unknown properties are allowed (zod strips them rather than rejecting them).
 */
export function buildEventJsonSchema(def: EventDefinition): JsonObject {
  const generated = z.toJSONSchema(def.schema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'throw',
    override: carryUrlProtocol,
  });
  const { $schema, ...rest } = generated;
  return { $schema, $id: schemaId(def.type), title: def.type, description: def.description, ...rest };
}

/** Every event version's JSON Schema, keyed by file name. */
export function buildJsonSchemas(): Map<string, JsonObject> {
  return new Map(EVENT_DEFINITIONS.map((def) => [schemaFileName(def.type), buildEventJsonSchema(def)]));
}

/** The subscriptions that receive an event type, in topology order. */
export function consumersOf(type: SocEventType): string[] {
  return ALL_SUBSCRIPTIONS.filter((s) => s.types.includes(type)).map((s) => s.name);
}

/** The Service Bus SQL filter that selects a subscription's types from the `type` application property. */
export function subscriptionSqlFilter(types: readonly string[]): string {
  return `user.type IN (${types.map((t) => `'${t}'`).join(', ')})`;
}

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Options for {@link buildAsyncApi}. */
export interface BuildAsyncApiOptions {
  /** The contracts package version, published as the document's `info.version`. */
  version: string;
}

/** The AsyncAPI 3.0 document of the `soc-events` topic: one message per event version, one operation per subscription and per producer. */
export function buildAsyncApi(opts: BuildAsyncApiOptions): JsonObject {
  const channelRef = { $ref: '#/channels/socEvents' };
  const messageRef = (type: string) => ({ $ref: `#/channels/socEvents/messages/${messageName(type)}` });

  const messages: JsonObject = {};
  const channelMessages: JsonObject = {};
  for (const def of EVENT_DEFINITIONS) {
    const name = messageName(def.type);
    channelMessages[name] = { $ref: `#/components/messages/${name}` };
    messages[name] = {
      name: def.type,
      title: name,
      summary: def.description,
      contentType: CLOUDEVENTS_CONTENT_TYPE,
      headers: {
        type: 'object',
        description: 'Application properties mirrored from the envelope so subscriptions can filter on them.',
        properties: {
          type: { type: 'string', const: def.type, description: 'The CloudEvents `type`.' },
          correlationid: {
            type: 'string',
            minLength: 1,
            maxLength: 256,
            description: 'The CloudEvents `correlationid` extension: one value per alert journey.',
          },
        },
        required: ['type', 'correlationid'],
      },
      payload: { schemaFormat: JSON_SCHEMA_2020_12_FORMAT, schema: { $ref: `./schemas/${schemaFileName(def.type)}` } },
      correlationId: {
        description: 'Every event of one alert journey carries the same correlation id.',
        location: '$message.header#/correlationid',
      },
    };
  }

  const operations: JsonObject = {};
  for (const sub of ALL_SUBSCRIPTIONS) {
    operations[`${camel(sub.name)}Subscription`] = {
      action: 'receive',
      channel: channelRef,
      title: `Subscription ${sub.name}`,
      summary: `The durable subscription "${sub.name}" on ${TOPIC_NAME}.`,
      messages: sub.types.map(messageRef),
      'x-servicebus-subscription': {
        name: sub.name,
        sqlFilter: subscriptionSqlFilter(sub.types),
        // Priority lanes: one Service Bus subscription per lane, highest served first (libs/bus README).
        lanes: Priority.options.map((p) => ({
          name: p === DEFAULT_PRIORITY ? sub.name : `${sub.name}.${p}`,
          priority: p,
          sqlFilterAnd: p === DEFAULT_PRIORITY ? `(user.priority IS NULL OR user.priority NOT IN (${Priority.options.filter((o) => o !== DEFAULT_PRIORITY).map((o) => `'${o}'`).join(', ')}))` : `user.priority = '${p}'`,
        })),
      },
    };
  }
  const byProducer = new Map<string, string[]>();
  for (const def of EVENT_DEFINITIONS) {
    const producer = EVENT_PRODUCERS[def.type];
    byProducer.set(producer, [...(byProducer.get(producer) ?? []), def.type]);
  }
  for (const [producer, types] of byProducer) {
    operations[`${camel(producer)}Publishes`] = {
      action: 'send',
      channel: channelRef,
      title: `Published by ${PRODUCER_LABELS[producer] ?? producer}`,
      messages: types.map(messageRef),
    };
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'SOC Copilot events',
      version: opts.version,
      description: [
        'Every SOC Copilot event is a CloudEvents 1.0 event in structured mode (the whole event is the JSON body)',
        'with the extension attributes `correlationid`, `causationid`, `tenantid` and W3C trace context.',
        'Publishers mirror `type` and `correlationid` into application properties so subscriptions filter on them.',
        'Generated from `contracts/src` by `npm run schemas`; do not edit.',
      ].join(' '),
      license: { name: 'MIT' },
    },
    defaultContentType: CLOUDEVENTS_CONTENT_TYPE,
    servers: {
      serviceBus: {
        host: '{namespace}.servicebus.windows.net',
        protocol: 'amqps',
        protocolVersion: '1.0',
        title: 'Azure Service Bus',
        description:
          'Split deployment. The embedded deployment runs the same topology on its SQLite bus, with no broker.',
        variables: { namespace: { description: 'The Service Bus namespace name.' } },
      },
    },
    channels: {
      socEvents: {
        address: TOPIC_NAME,
        title: 'SOC event topic',
        description:
          'The single topic every event is published to; each consumer reads it through a filtered subscription.',
        messages: channelMessages,
      },
    },
    operations,
    components: { messages },
  };
}

/** One row of the README event catalogue. */
export interface CatalogueRow {
  type: string;
  producer: string;
  consumers: string;
  description: string;
}

/** The event catalogue: type, producer, consuming subscriptions and description for every event version. */
export function buildCatalogue(): CatalogueRow[] {
  return EVENT_DEFINITIONS.map((def) => {
    const producer = EVENT_PRODUCERS[def.type];
    return {
      type: `\`${def.type}\``,
      producer: PRODUCER_LABELS[producer] ?? producer,
      consumers: consumersOf(def.type).join(', '),
      description: def.description.replaceAll('|', '\\|'),
    };
  });
}

export const CATALOGUE_START = '<!-- catalogue:start (generated by npm run schemas) -->';
export const CATALOGUE_END = '<!-- catalogue:end -->';

/** The catalogue as a Markdown table. */
export function renderCatalogue(rows: readonly CatalogueRow[]): string {
  const lines = [
    '| Type | Producer | Consumers (subscriptions) | Description |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.type} | ${r.producer} | ${r.consumers} | ${r.description} |`),
  ];
  return lines.join('\n');
}

/** Replaces the generated catalogue between its markers in the README text. */
export function replaceCatalogue(readme: string, table: string): string {
  const start = readme.indexOf(CATALOGUE_START);
  const end = readme.indexOf(CATALOGUE_END);
  if (start < 0 || end < start) throw new Error(`README must contain ${CATALOGUE_START} … ${CATALOGUE_END}`);
  return `${readme.slice(0, start + CATALOGUE_START.length)}\n\n${table}\n\n${readme.slice(end)}`;
}

/** The rows of a Markdown table as trimmed cells, without the separator row (robust to formatter alignment). */
export function parseTable(markdown: string): string[][] {
  return markdown
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('|') && !/^\|[\s:|-]+\|$/.test(line))
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
}

/** The generated catalogue as it stands in a README, parsed with {@link parseTable}; empty without markers. */
export function readCatalogue(readme: string): string[][] {
  const start = readme.indexOf(CATALOGUE_START);
  const end = readme.indexOf(CATALOGUE_END);
  return start < 0 || end < start ? [] : parseTable(readme.slice(start + CATALOGUE_START.length, end));
}
