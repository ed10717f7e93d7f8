import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { SourceName } from '@soc/contracts';
import { PARSERS } from '../src/sources/registry.ts';
import { normalize } from '../src/sources/normalize.ts';

/*
 * Collectors that split API pages or convert XML to JSON (Logstash `split`, Cribl, xml2js) deliver a one-element
 * array as the element itself: `"evidence": {…}` instead of `"evidence": [{…}]`. For every list inside a real alert
 * of the fixtures, the one-object form must normalise to exactly the alert the one-element array gives: never a
 * 400, never a silently missing entity.
 */

const ctx = { tenantId: 'contoso', senderName: 'siem', receivedAt: new Date('2026-11-23T10:00:00Z') };

function fixture(path: string): unknown {
  return JSON.parse(readFileSync(new URL(`../../../test/fixtures/alerts/${path}`, import.meta.url), 'utf8')) as unknown;
}

function rows(path: string): unknown[] {
  return readFileSync(new URL(`../../../test/fixtures/alerts/${path}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as unknown);
}

type Json = unknown;

/** Every path inside `value` that holds a non-empty array of objects. */
function arrayPaths(value: Json, at: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) {
    const here = value.length > 0 && value.every((v) => typeof v === 'object' && v !== null && !Array.isArray(v)) ? [at] : [];
    return [...here, ...value.flatMap((v, i) => arrayPaths(v, [...at, i]))];
  }
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([k, v]) => arrayPaths(v, [...at, k]));
  return [];
}

/** A deep copy of `value` with the array at `path` replaced by `replace(array)`. */
function rewrite(value: Json, path: (string | number)[], replace: (items: Json[]) => Json): Json {
  if (path.length === 0) return replace(value as Json[]);
  const [head, ...rest] = path;
  if (Array.isArray(value)) return value.map((v, i) => (i === head ? rewrite(v, rest, replace) : v));
  const obj = value as Record<string, Json>;
  return { ...obj, [head!]: rewrite(obj[head!], rest, replace) };
}

function normalized(source: SourceName, body: unknown) {
  const outcome = normalize(PARSERS[source], body, ctx);
  return outcome.ok ? { ok: true, alerts: outcome.alerts.map(({ rawRef: _rawRef, ...a }) => a) } : { ok: false, errors: outcome.errors };
}

/** For each list of objects in one alert record: `[item]` and `item` give the same alert. */
function checkRecord(source: SourceName, record: Json): number {
  let checked = 0;
  for (const path of arrayPaths(record)) {
    const items = path.reduce<Json>((v, k) => (v as Record<string | number, Json>)[k], record) as Json[];
    for (const item of items.slice(0, 3)) {
      const asArray = normalized(source, rewrite(record, path, () => [item]));
      const asObject = normalized(source, rewrite(record, path, () => item));
      expect(asArray.ok, `${path.join('.')} as [item]: ${JSON.stringify(asArray).slice(0, 300)}`).toBe(true);
      expect(asObject, `${source} ${path.join('.')} as one object`).toEqual(asArray);
      checked += 1;
    }
  }
  return checked;
}

describe('a list of one delivered as the object itself', () => {
  it('Defender for Endpoint /api/alerts: evidence (and every other list) as one object is one item', () => {
    const list = fixture('defender/mde_api_list_alerts_example.json') as { value: Json[] };
    const single = fixture('defender/mde_api_alert_example.json');
    let checked = 0;
    for (const alert of [...list.value, single]) checked += checkRecord('defender', alert);
    // The single-alert example carries three evidence items (user, process, file), each tried alone.
    expect(checked).toBeGreaterThanOrEqual(3);
  });

  it('the issue\'s shape: an MDE alert whose evidence is a single object is accepted with that evidence\'s entities', () => {
    const alert = fixture('defender/mde_api_alert_example.json') as Record<string, Json>;
    for (const evidence of alert['evidence'] as Json[]) {
      const out = normalized('defender', { ...alert, evidence });
      expect(out.ok, JSON.stringify(out).slice(0, 300)).toBe(true);
      expect(out).toEqual(normalized('defender', { ...alert, evidence: [evidence] }));
    }
    // The process evidence alone still names its process and parent.
    const process = (alert['evidence'] as Record<string, Json>[]).find((e) => e['entityType'] === 'Process')!;
    const one = normalized('defender', { ...alert, evidence: process });
    expect(one.ok && one.alerts![0]!.entities.some((e) => e.type === 'process')).toBe(true);
  });

  it('Graph security alerts_v2 and incidents: evidence, alerts, users and files as one object', () => {
    let checked = 0;
    for (const name of ['graph_alert_v2_get_example.json', 'graph_alerts_v2_evidence_types_constructed.json', 'graph_incident_get_example.json', 'graph_list_incidents_expand_alerts_example.json', 'graph_list_alerts_v2_example.json']) {
      const body = fixture(`defender/${name}`) as Record<string, Json>;
      const records = Array.isArray(body['value']) ? (body['value'] as Json[]) : [body];
      for (const record of records) checked += checkRecord('defender', record);
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('Sentinel SecurityAlert rows: one Entities object is one entity', () => {
    let checked = 0;
    for (const row of rows('sentinel/rows.jsonl').slice(0, 40)) checked += checkRecord('sentinel', row);
    expect(checked).toBeGreaterThan(10);
  });

  it('a Sentinel incident\'s alert whose entities JSON is one object: that entity, not none', () => {
    const incident = fixture('sentinel/incident-trigger.json') as { object: { properties: { alerts: { properties: Record<string, Json> }[] } } };
    const withEntities = (entities: Json) => {
      const body = structuredClone(incident);
      body.object.properties.alerts[0]!.properties['entities'] = JSON.stringify(entities);
      return body;
    };
    const ip = { $id: '1', Type: 'ip', Address: '203.0.113.9' };
    const one = normalized('sentinel', withEntities(ip));
    expect(one).toEqual(normalized('sentinel', withEntities([ip])));
    expect(one.ok && one.alerts!.some((a) => a.entities.some((e) => e.id === 'ip:203.0.113.9'))).toBe(true);
  });
});
