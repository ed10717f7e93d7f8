import { z } from 'zod';
import { canonicalIndicator } from './canonical.ts';
import {
  DEFAULT_FEED_CONFIDENCE,
  parseFeedDate,
  skip,
  uniq,
  type FeedEntry,
  type FeedParseOptions,
  type ParsedFeed,
} from './feed-entry.ts';
import type { CanonicalIndicator, IntelAttributes } from './port.ts';

const MispTag = z.object({ name: z.string().max(1024) });
// MISP writes booleans as JSON booleans in current exports and as "0"/"1" in older ones.
const MispBool = z.union([
  z.boolean(),
  z.enum(['0', '1']).transform((v) => v === '1'),
  z.literal(0).transform(() => false),
  z.literal(1).transform(() => true),
]);

/** A MISP attribute as exports and `attributes/restSearch` write it (the fields read here). */
export const MispAttribute = z.object({
  id: z.string().optional(),
  uuid: z.string().max(64).optional(),
  type: z.string().max(64),
  category: z.string().max(128).optional(),
  value: z.string().max(8192),
  to_ids: MispBool.optional(),
  deleted: MispBool.optional(),
  first_seen: z.string().nullish(),
  last_seen: z.string().nullish(),
  comment: z.string().max(4096).optional(),
  Tag: z.array(MispTag).optional(),
});
export type MispAttribute = z.infer<typeof MispAttribute>;

const MispEvent = z.object({
  id: z.string().optional(),
  uuid: z.string().max(64).optional(),
  info: z.string().max(4096).default(''),
  date: z.string().optional(),
  threat_level_id: z.string().optional(),
  Tag: z.array(MispTag).optional(),
  Attribute: z.array(z.unknown()).default([]),
  Object: z
    .array(
      z.object({
        name: z.string().max(256),
        uuid: z.string().max(64).optional(),
        Attribute: z.array(z.unknown()).default([]),
      }),
    )
    .default([]),
  Galaxy: z
    .array(z.object({ GalaxyCluster: z.array(z.object({ value: z.string().max(1024) })).default([]) }))
    .default([]),
});

/** The events of a MISP JSON export: `{Event}`, `[{Event}]` or a restSearch `{response: [{Event}]}`. */
export function mispEvents(doc: unknown): unknown[] | undefined {
  const eventsOf = (xs: unknown[]): unknown[] | undefined => {
    const events = xs
      .filter((x) => typeof x === 'object' && x !== null && 'Event' in x)
      .map((x) => (x as { Event: unknown }).Event);
    return events.length > 0 ? events : undefined;
  };
  if (Array.isArray(doc)) return eventsOf(doc);
  if (typeof doc !== 'object' || doc === null) return undefined;
  if ('Event' in doc) return [(doc as { Event: unknown }).Event];
  const response = (doc as { response?: unknown }).response;
  return Array.isArray(response) ? eventsOf(response) : undefined;
}

/** The indicators a MISP attribute carries; composite types (`ip-dst|port`, `filename|sha256`, `domain|ip`) are split. */
export function mispAttributeIndicators(a: MispAttribute): CanonicalIndicator[] | string {
  const [left = '', right = ''] = a.type.includes('|')
    ? [a.value.slice(0, a.value.lastIndexOf('|')), a.value.slice(a.value.lastIndexOf('|') + 1)]
    : [a.value];
  const one = (c: CanonicalIndicator | undefined): CanonicalIndicator[] | string => (c ? [c] : 'invalid indicator');
  switch (a.type) {
    case 'ip-src':
    case 'ip-dst':
      return one(canonicalIndicator({ type: 'ip', value: a.value }));
    case 'ip-src|port':
    case 'ip-dst|port':
      return one(canonicalIndicator({ type: 'ip', value: left }));
    case 'domain':
    case 'hostname':
      return one(canonicalIndicator({ type: 'domain', value: a.value }));
    case 'domain|ip': {
      const both = [
        canonicalIndicator({ type: 'domain', value: left }),
        canonicalIndicator({ type: 'ip', value: right }),
      ].filter((c): c is CanonicalIndicator => c !== undefined);
      return both.length > 0 ? both : 'invalid indicator';
    }
    case 'url':
      return one(canonicalIndicator({ type: 'url', value: a.value }));
    case 'md5':
    case 'sha1':
    case 'sha256':
    case 'sha512':
      return one(canonicalIndicator({ type: 'hash', value: a.value }));
    case 'filename|md5':
    case 'filename|sha1':
    case 'filename|sha256':
    case 'filename|sha512':
      return one(canonicalIndicator({ type: 'hash', value: right }));
    default:
      return `unsupported type ${a.type}`;
  }
}

const THREAT_LEVEL: Readonly<Record<string, string>> = { '1': 'high', '2': 'medium', '3': 'low', '4': 'undefined' };
// `misp-galaxy:threat-actor="APT41"` names a threat; other tags are kept as tags.
const GALAXY_TAG = /^misp-galaxy:[a-z0-9-]{1,64}="([^"]{1,256})"$/;

/** What an attribute inherits from its event (and object), and how the source is labelled. */
export interface MispAttributeContext {
  /** Event uuid, else id: the reference is `misp:event/<eventRef>/attribute/<uuid>`. */
  eventRef: string;
  eventInfo: string;
  /** Event-level tags (restSearch with `includeEventTags` puts them into the attribute's `Tag` instead). */
  eventTags: readonly string[];
  /** Galaxy cluster names of the event. */
  galaxyNames: readonly string[];
  /** ISO date used as first seen when the attribute has none. */
  eventDate?: string;
  /** MISP `threat_level_id` (`1`–`4`). */
  threatLevelId?: string;
  /** Name of the MISP object holding the attribute. */
  object?: string;
  /** Default {@link DEFAULT_FEED_CONFIDENCE}: MISP states no per-attribute confidence. */
  confidence?: number;
  threatNames?: readonly string[];
}

/**
 * Maps one MISP attribute to entries (one per indicator it carries; `domain|ip` gives two), or returns why it is
 * skipped (`deleted`, `unsupported type …`, `invalid indicator`). `to_ids` → malicious, else suspicious; threat
 * names from galaxy clusters and `misp-galaxy:` tags; first/last seen from the attribute, else the event date.
 */
export function mispAttributeEntries(a: MispAttribute, ctx: MispAttributeContext): FeedEntry[] | string {
  if (a.deleted) return 'deleted';
  const indicators = mispAttributeIndicators(a);
  if (typeof indicators === 'string') return indicators;
  const tags = [...ctx.eventTags, ...(a.Tag ?? []).map((t) => t.name)];
  const tagNames = tags.map((t) => GALAXY_TAG.exec(t)?.[1]).filter((n): n is string => n !== undefined);
  const firstSeen = parseFeedDate(a.first_seen ?? undefined) ?? ctx.eventDate;
  const lastSeen = parseFeedDate(a.last_seen ?? undefined);
  const level = THREAT_LEVEL[ctx.threatLevelId ?? ''];
  const attrs: IntelAttributes = { mispType: a.type, event: ctx.eventInfo, toIds: a.to_ids ?? false };
  if (a.category) attrs['category'] = a.category;
  if (ctx.object) attrs['mispObject'] = ctx.object;
  if (level) attrs['threatLevel'] = level;
  if (a.type.startsWith('filename|')) attrs['filename'] = a.value.slice(0, a.value.lastIndexOf('|'));
  return indicators.map((indicator) => ({
    indicator,
    verdict: a.to_ids === true ? 'malicious' : 'suspicious',
    confidence: ctx.confidence ?? DEFAULT_FEED_CONFIDENCE,
    threatNames: uniq([...ctx.galaxyNames, ...tagNames, ...(ctx.threatNames ?? [])]),
    tags: uniq(tags.filter((t) => !GALAXY_TAG.test(t))),
    ...(firstSeen ? { firstSeen } : {}),
    ...(lastSeen ? { lastSeen } : {}),
    reference: `misp:event/${ctx.eventRef}/attribute/${a.uuid ?? a.id ?? '?'}`,
    attributes: { ...attrs },
  }));
}

/**
 * Parses MISP events: `Event.Attribute[]` and `Event.Object[].Attribute[]`. `to_ids` attributes are
 * `malicious`, the others `suspicious` (MISP marks context that should not alert with `to_ids: false`).
 * Threat names come from galaxy clusters and `misp-galaxy:` tags; first/last seen from the attribute, else
 * the event date. Deleted attributes and unsupported types (filenames, e-mail addresses, registry keys …)
 * are counted in `skipped`.
 */
export function parseMispEvents(rawEvents: readonly unknown[], opts: FeedParseOptions): ParsedFeed {
  const entries: FeedEntry[] = [];
  const skipped: Record<string, number> = {};
  for (const raw of rawEvents) {
    const parsed = MispEvent.safeParse(raw);
    if (!parsed.success) {
      skip(skipped, 'invalid event');
      continue;
    }
    const ev = parsed.data;
    const eventRef = ev.uuid ?? ev.id ?? '?';
    const eventTags = (ev.Tag ?? []).map((t) => t.name);
    const galaxyNames = ev.Galaxy.flatMap((g) => g.GalaxyCluster.map((c) => c.value));
    const eventDate = parseFeedDate(ev.date);
    const attributes = [
      ...ev.Attribute.map((a) => ({ raw: a, object: undefined as string | undefined })),
      ...ev.Object.flatMap((o) => o.Attribute.map((a) => ({ raw: a, object: o.name as string | undefined }))),
    ];
    for (const { raw: rawAttr, object } of attributes) {
      const attr = MispAttribute.safeParse(rawAttr);
      if (!attr.success) {
        skip(skipped, 'invalid attribute');
        continue;
      }
      const mapped = mispAttributeEntries(attr.data, {
        eventRef,
        eventInfo: ev.info,
        eventTags,
        galaxyNames,
        ...(eventDate ? { eventDate } : {}),
        ...(ev.threat_level_id ? { threatLevelId: ev.threat_level_id } : {}),
        ...(object ? { object } : {}),
        ...(opts.confidence !== undefined ? { confidence: opts.confidence } : {}),
        ...(opts.threatNames ? { threatNames: opts.threatNames } : {}),
      });
      if (typeof mapped === 'string') {
        skip(skipped, mapped);
        continue;
      }
      entries.push(...mapped);
    }
  }
  return { kind: 'feed', format: 'misp', entries, skipped };
}
