import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_EVENT_BYTES, type SocEvent, type SourceName, jsonBytes, parseEvent } from '@soc/contracts';
import { decide, loadPolicy } from '@soc/decision';
import { type HistorySnapshot, enrich, ruleKeyOf } from '@soc/enrichment';
import { defaultInternalNetworks } from '@soc/guardrails';
import { acceptBody, parserFor } from '@soc/ingestion';
import { manualClock } from '@soc/runtime';
import { loadTriageKnowledge, loadWeights, triage } from '@soc/triage';

// Every source parser, each of its input shapes (real payloads from test/fixtures), with arbitrary strings of
// arbitrary length (0 to ~100k) and characters (unicode, control characters, CRLF, quotes) in its string fields.
// Property: the payload is refused at the edge with a reason, or every alert accepted flows through enrichment
// (with history for every entity and the rule: the largest enrichment), triage and decision, each event passing
// its contract and fitting the bus budget — nothing accepted is dead-lettered downstream for size or shape.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
const fixtures = new URL('../../../test/fixtures/', import.meta.url);
const json = (path: string): Json => JSON.parse(readFileSync(new URL(path, fixtures), 'utf8')) as Json;
const line = (path: string, n: number): Json => JSON.parse(readFileSync(new URL(path, fixtures), 'utf8').trim().split('\n')[n]!) as Json;

const SHAPES: { source: SourceName; name: string; sample: Json }[] = [
  { source: 'generic', name: 'generic alert', sample: line('generic-alerts.jsonl', 0) },
  { source: 'sentinel', name: 'SecurityAlert row (command line)', sample: line('alerts/sentinel/rows.jsonl', 42) },
  { source: 'sentinel', name: 'SecurityAlert row (brute force)', sample: line('alerts/sentinel/rows.jsonl', 0) },
  { source: 'sentinel', name: 'incident trigger', sample: json('alerts/sentinel/incident-trigger.json') },
  { source: 'defender', name: 'Graph alert v2', sample: json('alerts/defender/graph_alert_v2_get_example.json') },
  { source: 'defender', name: 'Graph incident', sample: json('alerts/defender/graph_incident_get_example.json') },
  { source: 'defender', name: 'MDE alert', sample: json('alerts/defender/mde_api_alert_example.json') },
  { source: 'defender', name: 'streaming AlertInfo/AlertEvidence', sample: json('alerts/defender/streaming_eventhubs_alertinfo_alertevidence.json') },
  { source: 'splunk', name: 'webhook', sample: json('alerts/splunk/webhook-alert-action-example.json') },
  { source: 'splunk', name: 'ES notable', sample: json('alerts/splunk/es-notable-event.json') },
  { source: 'wazuh', name: 'sysmon process create', sample: json('alerts/wazuh/sysmon-process-create.json') },
  { source: 'wazuh', name: 'syscheck', sample: json('alerts/wazuh/syscheck-whodata-modified.json') },
];

/** The CEF shape: a real Check Point line whose header fields and extension values are the arbitrary strings. */
const CEF_FIELDS = 6;
const cefLine = (f: readonly string[]): string => {
  // CEF's own escaping, as a conforming sender writes it; the values are otherwise untouched.
  const header = (s: string) => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]/g, ' ');
  const ext = (s: string) => s.replace(/\\/g, '\\\\').replace(/=/g, '\\=').replace(/\r\n|\r|\n/g, '\\n');
  return `Mar 20 10:12:18 192.168.1.5 CEF: 0|Check Point|${header(f[0]!)}|Check Point|geo_protection|${header(f[1]!)}|High|act=Drop src=123.113.101.36 dst=192.168.1.5 request=${ext(f[2]!)} msg=${ext(f[3]!)} suser=${ext(f[4]!)} fname=${ext(f[5]!)}`;
};

/** Characters that break naive code: unicode of every width, controls, CR/LF, quotes, bidi, surrogates' neighbours. */
const SPICY = ['\r\n', '"', "'", '\\', '\u0000', '\u0007', '\u001b', '\u2028', '\u202e', '😀', 'é', '中', '\ufeff', '%', '<', '|', '='];
const piece = fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }), fc.constantFrom(...SPICY), fc.constantFrom('http://bad.example/', '10.0.0.1 ', 'a'.repeat(7)));
/** A string of 0 to ~100k characters made of repeated arbitrary pieces (lengths biased to the edges that matter). */
const anyString = fc
  .tuple(fc.array(piece, { minLength: 1, maxLength: 4 }), fc.oneof(fc.integer({ min: 0, max: 300 }), fc.constantFrom(255, 256, 1023, 1025, 2047, 2049, 4097, 32_769), fc.integer({ min: 0, max: 100_000 })))
  .map(([parts, length]) => {
    const unit = parts.join('') || 'x';
    return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
  });

function stringPaths(value: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (typeof value === 'string') out.push(prefix);
  else if (Array.isArray(value)) value.forEach((v, i) => stringPaths(v, [...prefix, i], out));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) stringPaths(v, [...prefix, k], out);
  return out;
}

function setAt(root: Json, path: readonly (string | number)[], value: string): Json {
  const copy = structuredClone(root);
  let node = copy as Record<string | number, Json>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, Json>;
  node[path.at(-1)!] = value;
  return copy;
}

const now = new Date('2026-12-01T10:00:00Z');
const clock = manualClock(now.toISOString());
const weights = loadWeights();
const knowledge = loadTriageKnowledge();
const policy = loadPolicy();
const ctx = { tenantId: 'contoso', sender: 'property', senderName: 'property', receivedAt: now, receivedVia: 'http' as const, maxBatch: 1000, payloadKey: 'p-property' };
const RUNS = Number(process.env.PROPERTY_RUNS ?? 60);

/** History for every entity and the rule, with dispositions: the largest enrichment an alert can get. */
function fullHistory(event: Extract<SocEvent, { type: 'soc.alert.received.v1' }>): HistorySnapshot {
  const alert = event.data.alert;
  const dispositions = { truePositives: 2, benignPositives: 1, falsePositives: 1 };
  const seen = { priorAlertCount: 3, firstSeenAt: '2026-11-01T00:00:00.000Z', lastSeenAt: '2026-11-30T00:00:00.000Z', recentAlertIds: ['alt-a', 'alt-b'], dispositions };
  return { entities: alert.entities.map((e) => ({ entityId: e.id, ...seen })), rule: { ruleKey: ruleKeyOf(alert), ...seen }, tenant: { tenantId: alert.tenantId, dispositions } };
}

/** Each event must be what the bus accepts: valid after a JSON round trip, and within the bus budget. */
function checkOnTheBus(event: SocEvent): void {
  const parsed = parseEvent(JSON.parse(JSON.stringify(event)));
  expect(parsed.ok ? 'valid' : `${event.type}: ${parsed.description}`).toBe('valid');
  expect(jsonBytes(event), `${event.type} size`).toBeLessThanOrEqual(MAX_EVENT_BYTES);
}

/** The journey of one body: refused with reasons, or every alert flows to a decision. Returns the largest event. */
function journey(source: SourceName, body: unknown): number {
  const outcome = acceptBody(parserFor(source)!, body, ctx);
  if (!outcome.ok) {
    expect(outcome.errors.length).toBeGreaterThan(0);
    for (const e of outcome.errors) expect(e.message.length).toBeGreaterThan(0);
    return 0;
  }
  let largest = 0;
  for (const received of outcome.events) {
    const enriched = enrich(received, fullHistory(received), now);
    const triaged = triage(enriched, { weights, knowledge, clock });
    const decided = decide(triaged, { policy, clock, internalNetworks: defaultInternalNetworks });
    for (const event of [received, enriched, triaged, decided] as SocEvent[]) {
      checkOnTheBus(event);
      largest = Math.max(largest, jsonBytes(event));
    }
  }
  return largest;
}

describe('every parser, arbitrary strings in every string field: refused with a reason or flows to a decision within the budget', () => {
  for (const shape of SHAPES) {
    it(`${shape.source}: ${shape.name}`, () => {
      const paths = stringPaths(shape.sample);
      const edits = fc.array(fc.tuple(fc.nat({ max: paths.length - 1 }), anyString), { minLength: 1, maxLength: 6 });
      let accepted = 0;
      fc.assert(
        fc.property(edits, (changes) => {
          let body = shape.sample;
          for (const [i, value] of changes) body = setAt(body, paths[i]!, value);
          if (journey(shape.source, body) > 0) accepted++;
        }),
        { numRuns: RUNS },
      );
      // Not vacuous: most edited payloads are still alerts that make the whole journey.
      expect(accepted).toBeGreaterThan(RUNS / 10);
    });
  }

  it('cef: CEF/syslog line', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.array(anyString, { minLength: CEF_FIELDS, maxLength: CEF_FIELDS }), (fields) => {
        if (journey('cef', cefLine(fields)) > 0) accepted++;
      }),
      { numRuns: RUNS },
    );
    expect(accepted).toBeGreaterThan(RUNS / 10);
  });

  it('measures the largest event of the biggest fixture alert and of a worst-case alert', () => {
    const fixtureSizes = SHAPES.map((s) => journey(s.source, s.sample));
    const worstUrl = (i: number) => `https://e${i}.bad.example/${'p%22'.repeat(2000)}`;
    const worst = {
      id: 'w'.repeat(4096),
      title: '"\u202e'.repeat(512),
      severity: 'critical',
      description: '\u0001'.repeat(32_768),
      rule: { id: 'r'.repeat(4096), name: '"'.repeat(1024) },
      labels: Array.from({ length: 64 }, (_, i) => `${i}${'\u0002'.repeat(250)}`),
      entities: Array.from({ length: 500 }, (_, i) => (i % 2 === 0 ? { type: 'url', value: worstUrl(i) } : { type: 'process', value: `c:\\t\\p${i}.exe`, commandLine: '\u0003'.repeat(30_000) })),
    };
    const worstSize = journey('generic', worst);
    console.log(`largest event: biggest fixture alert ${Math.max(...fixtureSizes)} bytes; worst-case alert ${worstSize} bytes; budget ${MAX_EVENT_BYTES}`);
    expect(worstSize).toBeGreaterThan(0);
    expect(worstSize).toBeLessThanOrEqual(MAX_EVENT_BYTES);
  });
});
