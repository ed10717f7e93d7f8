import { describe, expect, it } from 'vitest';
import type { DeadLetter } from '@soc/bus';
import { alertsFormatOf, parseAlerts } from '../src/alerts-file.ts';
import { CliFailure, UsageError } from '../src/cli-io.ts';
import { deadLetterSummary, deadLetterTable, formatAge, formatTable } from '../src/format.ts';

const deadLetter: DeadLetter = {
  id: 'triage/evt-1',
  subscription: 'triage',
  messageId: 'evt-1',
  type: 'soc.alert.enriched.v1',
  correlationId: undefined,
  reason: 'MaxDeliveryCountExceeded',
  description: 'gave up after 5 deliveries',
  deliveryCount: 5,
  deadLetteredAt: '2026-01-01T00:00:00.000Z',
  body: { huge: true },
};

describe('formatTable', () => {
  it('pads every column but the last to its widest cell', () => {
    expect(
      formatTable([
        ['A', 'BB', 'C'],
        ['aaa', 'b', ''],
      ]),
    ).toEqual(['A    BB  C', 'aaa  b']);
  });

  it('shows a missing correlation id as "-" and never truncates ids', () => {
    const [, row] = deadLetterTable([{ ...deadLetter, id: `triage/${'x'.repeat(80)}` }]);
    expect(row).toContain('x'.repeat(80));
    expect(row?.endsWith('  -')).toBe(true);
  });

  it('summarises a dead letter as one JSON line without its body', () => {
    expect(JSON.parse(deadLetterSummary(deadLetter))).toEqual({
      id: 'triage/evt-1',
      subscription: 'triage',
      messageId: 'evt-1',
      type: 'soc.alert.enriched.v1',
      reason: 'MaxDeliveryCountExceeded',
      description: 'gave up after 5 deliveries',
      deliveryCount: 5,
      deadLetteredAt: '2026-01-01T00:00:00.000Z',
      correlationId: null,
    });
  });
});

describe('parseAlerts', () => {
  it('numbers JSON Lines by file line, skipping blank lines', () => {
    expect(parseAlerts('{"id":"a"}\n\n{"id":"b"}\r\n', 'jsonl', 'f.jsonl')).toEqual([
      { alert: { id: 'a' }, where: 'line 1' },
      { alert: { id: 'b' }, where: 'line 3' },
    ]);
  });

  it('reads a JSON array by index and a single object as one alert', () => {
    expect(parseAlerts('[{"id":"a"},{"id":"b"}]', 'json', 'f.json').map((a) => a.where)).toEqual(['[0]', '[1]']);
    expect(parseAlerts('{"id":"a"}', 'json', 'f.json')).toEqual([{ alert: { id: 'a' }, where: 'alert' }]);
  });

  it('names the line of invalid JSON', () => {
    expect(() => parseAlerts('{"id":"a"}\n{"id":', 'jsonl', 'f.jsonl')).toThrow(CliFailure);
    expect(() => parseAlerts('{"id":"a"}\n{"id":', 'jsonl', 'f.jsonl')).toThrow(/^f\.jsonl line 2: invalid JSON/);
  });

  it('chooses the format by extension only', () => {
    expect(alertsFormatOf('a/B.JSON')).toBe('json');
    expect(alertsFormatOf('b.ndjson')).toBe('jsonl');
    expect(() => alertsFormatOf('c.txt')).toThrow(UsageError);
  });
});

describe('formatAge (soc stalled)', () => {
  it('reads at a glance: seconds, then minutes, then hours', () => {
    expect([0, 42, 60, 185, 3_600, 3_725, 90_061].map(formatAge)).toEqual(['0s', '42s', '1m 00s', '3m 05s', '1h 00m', '1h 02m', '25h 01m']);
  });
});
