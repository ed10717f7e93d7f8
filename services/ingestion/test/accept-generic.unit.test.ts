import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseEvent } from '@soc/contracts';
import { acceptBody } from '../src/handler.ts';
import { genericParser } from '../src/sources/generic.ts';

const ctx = { tenantId: 'contoso', sender: 'test-sender', senderName: 'test-sender', receivedAt: new Date('2026-11-23T10:00:00Z'), receivedVia: 'http' as const };
const acceptGeneric = (body: unknown, c: typeof ctx = ctx, maxBatch = 1000) => acceptBody(genericParser, body, { ...c, maxBatch });
const realAlerts: unknown[] = readFileSync(new URL('../../../test/fixtures/generic-alerts.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as unknown);

describe('acceptBody with the generic parser', () => {
  it('accepts every real alert of the fixture batch and each event passes its schema', () => {
    const outcome = acceptGeneric(realAlerts, ctx);
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors.slice(0, 3)));
    expect(outcome.events).toHaveLength(95);
    for (const e of outcome.events) expect(parseEvent(JSON.parse(JSON.stringify(e))).ok).toBe(true);
  });

  it('extracts the concrete entities of a real alert, classifying the public IP as external', () => {
    const dc = realAlerts.find((a) => (a as { id: string }).id === '47445dca-b87d-45f5-9073-b713e3c69a56');
    const outcome = acceptGeneric(dc, ctx);
    if (!outcome.ok) throw new Error('rejected');
    const alert = outcome.events[0]!.data.alert;
    expect(alert.entities.map((e) => e.id)).toEqual([
      'ip:75.10.91.22',
      'host:dhcpcontoso77',
      'user:administrator',
      'user:admin',
      'user:administratör',
    ]);
    expect(alert.entities[0]).toMatchObject({ type: 'ip', isInternal: false });
    expect(alert.severity).toBe('low');
    expect(outcome.events[0]!.data.priority).toBe('low');
  });

  it('records the principal name of the authenticated sender on the alert (the generic body has no such field)', () => {
    const outcome = acceptGeneric({ id: 's1', title: 'Beaconing', severity: 'High' }, { ...ctx, senderName: 'siem' });
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
    expect(outcome.events[0]!.data.alert.sender).toBe('siem');
  });

  it('gives a re-sent alert the same alert id, event id and correlation id', () => {
    const a = acceptGeneric(realAlerts[0], ctx);
    const b = acceptGeneric(realAlerts[0], { ...ctx, receivedAt: new Date('2026-11-24T00:00:00Z') });
    if (!a.ok || !b.ok) throw new Error('rejected');
    expect(b.receipts).toEqual(a.receipts);
    expect(b.events[0]!.id).toBe(a.events[0]!.id);
  });

  it('merges duplicate entities and marks private addresses internal', () => {
    const outcome = acceptGeneric(
      {
        id: 'x1',
        title: 'Beaconing',
        severity: 'High',
        entities: [
          { type: 'ip', value: '10.1.2.3' },
          { type: 'ip', value: ' 10.1.2.3 ' },
          { type: 'host', value: 'WS01.corp.local.' },
          { type: 'host', value: 'ws01.corp.local', os: 'Windows 11' },
        ],
      },
      ctx,
    );
    if (!outcome.ok) throw new Error('rejected');
    const entities = outcome.events[0]!.data.alert.entities;
    expect(entities).toHaveLength(2);
    expect(entities[0]).toMatchObject({ id: 'ip:10.1.2.3', isInternal: true });
    expect(entities[1]).toMatchObject({ id: 'host:ws01.corp.local', os: 'Windows 11' });
    expect(outcome.events[0]!.data.alert.severity).toBe('high');
  });

  it('refuses a whole batch with field-level reasons when one alert is invalid', () => {
    const outcome = acceptGeneric([{ id: 'ok', title: 'fine', severity: 'low' }, { id: 'bad', severity: 'urgent', extra: 1 }], ctx);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.errors.every((e) => e.index === 1)).toBe(true);
    expect(outcome.errors.map((e) => e.path)).toEqual(expect.arrayContaining(['title', 'severity']));
    expect(outcome.errors.some((e) => e.message.includes('extra'))).toBe(true);
  });

  it('refuses empty batches, oversize batches and non-objects', () => {
    expect(acceptGeneric([], ctx).ok).toBe(false);
    expect(acceptGeneric(new Array(3).fill({ id: 'a', title: 't', severity: 'low' }), ctx, 2).ok).toBe(false);
    expect(acceptGeneric('a string', ctx).ok).toBe(false);
    expect(acceptGeneric(null, ctx).ok).toBe(false);
  });

  it('rejects an entity whose extra attributes do not fit the common schema', () => {
    const outcome = acceptGeneric({ id: 'x', title: 't', severity: 'low', entities: [{ type: 'host', value: 'ws01', os: 7 }] }, ctx);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.errors[0]!.path).toContain('entities');
  });

  it("an IP's isInternal is computed from the internal ranges, whatever the sender put there", () => {
    const outcome = acceptGeneric({ id: 'x', title: 't', severity: 'low', entities: [{ type: 'ip', value: '1.1.1.1', isInternal: 'no' }] }, ctx);
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
    expect(outcome.events[0]!.data.alert.entities).toMatchObject([{ id: 'ip:1.1.1.1', isInternal: false }]);
  });
});
