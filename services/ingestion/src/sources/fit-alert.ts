import { type AlertInput, type Entity, MAX_ALERT_BYTES, type SourceEvent, clipText, jsonBytes } from '@soc/contracts';

/** An alert candidate as `build-alert` makes it: entities final, labels a list. */
export type AlertCandidate = Omit<AlertInput, 'entities' | 'labels' | 'sourceEvents'> & { entities: Entity[]; labels: string[]; sourceEvents?: SourceEvent[] };

/** Entity attributes that are descriptive text, not the indicator itself (the `value` and `id` are never cut). */
const ENTITY_TEXT = ['commandLine', 'data', 'displayName', 'os', 'parentName', 'name', 'path', 'hostname', 'fqdn', 'domain', 'upn', 'sid', 'objectId', 'deviceId', 'key', 'valueName', 'provider', 'resourceType'] as const;

/**
 * Room kept for what the edge stamps on the alert after it is fitted: its revision (`alert.revision`, computed from
 * the fitted content so that the same body always gives the same key). Measured on the largest revision the
 * contract allows (two ISO times with offset), so the stamped alert never goes over {@link MAX_ALERT_BYTES}.
 */
const REVISION_ROOM = jsonBytes({ revision: { key: `rev-${'0'.repeat(32)}`, at: '+275760-09-13T00:00:00.000000+00:00', receivedAt: '+275760-09-13T00:00:00.000000+00:00' } });
/** What the fitted alert itself may take. */
const FIT_BYTES = MAX_ALERT_BYTES - REVISION_ROOM;

/** The note an alert carries when text was cut to fit its budget. */
const CLIPPED_NOTE = 'soc:text-clipped-to-fit';
/** The prefix of the note an alert carries when entities had to be left out to fit its budget. */
const DROPPED_NOTE = 'soc:entities-dropped-to-fit:';
/** The prefix of the note an alert carries when source events had to be left out to fit its budget. */
const EVENTS_DROPPED_NOTE = 'soc:source-events-dropped-to-fit:';

function clipEntityText(entity: Entity, max: number): Entity {
  const out: Record<string, unknown> = { ...entity };
  for (const key of ENTITY_TEXT) {
    const v = out[key];
    if (typeof v === 'string' && v.length > max) out[key] = clipText(v, max);
  }
  if (Array.isArray(out.hashes) && out.hashes.length > 8) out.hashes = out.hashes.slice(0, 8);
  return out as Entity;
}

/** Source-event values cut to `max` characters with a marker (evidence text; the raw body keeps it whole). */
function clipSourceEvents(events: readonly SourceEvent[] | undefined, max: number): SourceEvent[] | undefined {
  if (events === undefined) return undefined;
  const clip = (v: SourceEvent['fields'][string]): SourceEvent['fields'][string] =>
    Array.isArray(v) ? v.slice(0, 8).map((x) => clip(x) as Exclude<typeof v[number], unknown[]>) : typeof v === 'string' ? clipText(v, max) : v;
  return events.map((e) => ({ ...e, fields: Object.fromEntries(Object.entries(e.fields).map(([k, v]) => [k, clip(v)])) }));
}

/** Free-text steps, gentlest first: each cuts text shown to people (with a marker) and keeps every indicator. */
const TEXT_STEPS: readonly ((a: AlertCandidate) => AlertCandidate)[] = [
  (a) => ({ ...a, description: clipText(a.description ?? '', 4096) }),
  (a) => ({ ...a, entities: a.entities.map((e) => clipEntityText(e, 1024)) }),
  (a) => ({ ...a, sourceEvents: clipSourceEvents(a.sourceEvents, 4096) }),
  (a) => ({ ...a, labels: a.labels.map((l) => clipText(l, 64)), attack: (a.attack ?? []).map((r) => ({ ...r, techniqueName: r.techniqueName === undefined ? undefined : clipText(r.techniqueName, 64), tactic: r.tactic === undefined ? undefined : clipText(r.tactic, 64) })) }),
  (a) => ({ ...a, description: clipText(a.description ?? '', 512), title: clipText(a.title, 256), rule: a.rule === undefined ? undefined : { ...a.rule, name: a.rule.name === undefined ? undefined : clipText(a.rule.name, 256) } }),
  (a) => ({ ...a, entities: a.entities.map((e) => clipEntityText(e, 128)) }),
  (a) => ({ ...a, sourceEvents: clipSourceEvents(a.sourceEvents, 512) }),
  // Tags and the source's ATT&CK names are context, not indicators: a few are kept (notes of this module stay).
  (a) => ({ ...a, labels: [...a.labels.filter((l) => !l.startsWith('soc:')).slice(0, 8), ...a.labels.filter((l) => l.startsWith('soc:'))], attack: (a.attack ?? []).slice(0, 16) }),
];

/**
 * Shrinks an alert to {@link MAX_ALERT_BYTES} less {@link REVISION_ROOM} (the share of the bus budget every event of its journey spends on
 * it), deterministically: free text first (source-event values too), with a visible marker; then source events
 * (the last first); then entities extracted from free text; then,
 * only if nothing else can fit, the source's own entities from the last — and the alert says what happened in a
 * label. The raw body stays in the payload store (`rawRef`). Pure.
 */
export function fitAlert(candidate: AlertCandidate): AlertCandidate {
  let alert = candidate;
  if (jsonBytes(alert) <= FIT_BYTES) return alert;
  // The note is counted before it is needed, so adding it never pushes the alert back over.
  const withNote = (a: AlertCandidate): AlertCandidate => (a.labels.includes(CLIPPED_NOTE) ? a : { ...a, labels: [...a.labels, CLIPPED_NOTE] });
  for (const step of TEXT_STEPS) {
    alert = withNote(step(alert));
    if (jsonBytes(alert) <= FIT_BYTES) return alert;
  }
  // Source events are evidence the entities summarise: they go (the last first) before any entity does.
  const events = alert.sourceEvents ?? [];
  if (events.length > 0) {
    const kept = [...events];
    const eventsNote = (n: number): string => `${EVENTS_DROPPED_NOTE}${n}`;
    while (kept.length > 0 && jsonBytes({ ...alert, sourceEvents: kept, labels: [...alert.labels, eventsNote(events.length)] }) > FIT_BYTES) kept.pop();
    alert = { ...alert, sourceEvents: kept, labels: [...alert.labels, eventsNote(events.length - kept.length)] };
    if (jsonBytes(alert) <= FIT_BYTES) return alert;
  }
  // Entities from free text go before the source's own; the last named go first.
  const order = alert.entities.map((e, i) => ({ e, i })).sort((a, b) => rank(b.e) - rank(a.e) || b.i - a.i);
  const noteRoom = DROPPED_NOTE.length + 8;
  let excess = jsonBytes(alert) + noteRoom - FIT_BYTES;
  const dropped = new Set<number>();
  for (const { e, i } of order) {
    if (excess <= 0) break;
    dropped.add(i);
    excess -= jsonBytes(e) + 1;
  }
  const entities = alert.entities.filter((_, i) => !dropped.has(i));
  return { ...alert, entities, labels: [...alert.labels, `${DROPPED_NOTE}${dropped.size}`] };
}

const rank = (e: Entity): number => (e.origin === 'extracted' ? 1 : 0);
