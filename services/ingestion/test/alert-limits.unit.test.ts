import { describe, expect, it } from 'vitest';
import { MAX_ALERT_BYTES, MAX_EVENT_BYTES, jsonBytes, parseEvent } from '@soc/contracts';
import { acceptBody } from '../src/handler.ts';
import { genericParser } from '../src/sources/generic.ts';
import { normalize } from '../src/sources/normalize.ts';
import { sentinelParser } from '../src/sources/sentinel/index.ts';

const ctx = { tenantId: 'contoso', sender: 'test-sender', senderName: 'test-sender', receivedAt: new Date('2026-11-23T10:00:00Z'), receivedVia: 'http' as const, maxBatch: 1000 };
const accept = (body: unknown) => {
  const outcome = acceptBody(genericParser, body, ctx);
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors.slice(0, 3)));
  const [event] = outcome.events;
  expect(parseEvent(JSON.parse(JSON.stringify(event))).ok).toBe(true);
  return event!;
};

describe('indicators and identities are never cut (ADR 0008)', () => {
  it('keeps a long URL, its id is `url:value` while short and a bounded hashed form when long', () => {
    const longUrl = `https://cdn.bad.example/dl?token=${'a1B2'.repeat(1500)}`;
    const shortUrl = `https://bad.example/${'p'.repeat(1990)}`;
    const alert = accept({ id: 'long-url', title: 'Download', severity: 'high', entities: [{ type: 'url', value: longUrl }, { type: 'url', value: shortUrl }] }).data.alert;
    const [long, short] = alert.entities;
    expect(long!.value).toBe(longUrl);
    expect(long!.id.length).toBeLessThanOrEqual(2100);
    expect(long!.id).toMatch(/^url:https:\/\/cdn\.bad\.example\/dl\?token=a1B2.*…[0-9a-f]{40}$/);
    expect(short!.id).toBe(`url:${shortUrl}`);
  });

  it('a sender\'s unknown entity fields are neither measured, fingerprinted nor kept: a huge one drops no entity, a changed one makes no revision', () => {
    const body = (junk: string) => ({ id: 'extras', title: 't', severity: 'low', entities: [{ type: 'ip', value: '8.8.8.8', junk }, { type: 'domain', value: 'evil.example' }] });
    const alert = accept(body('x'.repeat(90_000))).data.alert;
    expect(alert.entities.map((e) => e.id)).toEqual(['ip:8.8.8.8', 'domain:evil.example']);
    expect(alert.labels).toEqual([]);
    expect(alert.entities[0]).not.toHaveProperty('junk');
    expect(accept(body('a')).data.alert.revision?.key).toBe(accept(body('b')).data.alert.revision?.key);
    // `soc normalize` stamps the same revision as ingestion.
    const normalized = normalize(genericParser, body('a'), ctx);
    expect(normalized.ok && normalized.alerts[0]!.revision?.key).toBe(accept(body('a')).data.alert.revision?.key);
  });

  it('keeps a long vendor id and rule id whole; refuses one past the contract with the reason instead of cutting it', () => {
    const vendorId = `incident/${'9'.repeat(1500)}`;
    const alert = accept({ id: vendorId, title: 't', severity: 'low', rule: { id: 'r'.repeat(900) } }).data.alert;
    expect(alert.source.vendorAlertId).toBe(vendorId);
    expect(alert.rule?.id).toBe('r'.repeat(900));
    expect(acceptBody(genericParser, { id: 'x'.repeat(5000), title: 't', severity: 'low' }, ctx)).toMatchObject({ ok: false, errors: [{ path: 'id' }] });
    const row = { SystemAlertId: 'x'.repeat(5000), AlertName: 'a', Severity: 'Low', TimeGenerated: '2026-01-01T00:00:00Z' };
    expect(acceptBody(sentinelParser, row, ctx)).toMatchObject({ ok: false, errors: [{ path: 'source.vendorAlertId' }] });
  });

  it('says so when entities past 500 are left out, keeping the source\'s first', () => {
    // A SecurityAlert row has no entity limit of its own: a scan alert naming 520 addresses.
    const Entities = Array.from({ length: 520 }, (_, i) => ({ $id: String(i + 1), Type: 'ip', Address: `198.51.${Math.floor(i / 250)}.${i % 250}` }));
    const row = { SystemAlertId: 'scan-1', AlertName: 'Port scan', Severity: 'Medium', TimeGenerated: '2026-01-01T00:00:00Z', Entities };
    const outcome = acceptBody(sentinelParser, row, ctx);
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors.slice(0, 3)));
    const alert = outcome.events[0]!.data.alert;
    expect(alert.entities).toHaveLength(500);
    expect(alert.entities[0]!.value).toBe('198.51.0.0');
    expect(alert.labels).toContain('soc:entities-over-limit:20');
  });
});

describe('an oversized alert is shrunk at the edge to its budget', () => {
  it('32 KB command lines × 40 processes: every indicator kept, command lines cut with a marker, the alert says so', () => {
    const entities = Array.from({ length: 40 }, (_, i) => ({ type: 'process', value: `c:\\temp\\p${i}.exe`, commandLine: `p${i}.exe -enc ${'QQBB'.repeat(8000)}` }));
    const event = accept({ id: 'huge', title: 'Encoded PowerShell', severity: 'high', description: 'd'.repeat(30_000), entities });
    const alert = event.data.alert;
    expect(jsonBytes(alert)).toBeLessThanOrEqual(MAX_ALERT_BYTES);
    expect(jsonBytes(event)).toBeLessThanOrEqual(MAX_EVENT_BYTES);
    expect(alert.entities.map((e) => e.value)).toEqual(entities.map((e) => e.value));
    const proc = alert.entities[0] as { commandLine?: string };
    expect(proc.commandLine?.endsWith('…')).toBe(true);
    expect(alert.labels).toContain('soc:text-clipped-to-fit');
  });

  it('drops the source\'s own entities only when nothing else fits, from the last, and records how many', () => {
    const entities = Array.from({ length: 400 }, (_, i) => ({ type: 'url', value: `https://e${i}.example/${'x'.repeat(400)}` }));
    const alert = accept({ id: 'wide', title: 't', severity: 'low', entities }).data.alert;
    expect(jsonBytes(alert)).toBeLessThanOrEqual(MAX_ALERT_BYTES);
    const kept = alert.entities.length;
    expect(kept).toBeLessThan(400);
    expect(alert.entities.map((e) => e.value)).toEqual(entities.slice(0, kept).map((e) => e.value));
    expect(alert.labels).toContain(`soc:entities-dropped-to-fit:${400 - kept}`);
  });
});
