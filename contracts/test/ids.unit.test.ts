import { describe, expect, it } from 'vitest';
import { deriveAlertId, deriveEventId, deriveKey } from '../src/index.ts';
import { readFixture } from './support.ts';

const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('deriveAlertId', () => {
  const vendorAlertId = '0ec0497d-d4bc-46f4-9339-d74656796b4e';

  it('is stable: the same tenant, source and vendor id always give the same id', () => {
    expect(deriveAlertId('contoso', 'sentinel', vendorAlertId)).toBe(
      deriveAlertId('contoso', 'sentinel', vendorAlertId),
    );
  });

  it('never changes across releases (stored cases are keyed by it)', () => {
    expect(deriveAlertId('contoso', 'sentinel', vendorAlertId)).toBe('alt-612d703b-3346-b0a1-3fc1-d5670a9b3668');
    const alert = (readFixture('soc.alert.received.v1') as { data: { alert: { alertId: string } } }).data.alert;
    expect(alert.alertId).toBe(deriveAlertId('contoso', 'sentinel', vendorAlertId));
  });

  it('is alt- plus a UUID-shaped hash', () => {
    expect(deriveAlertId('contoso', 'splunk', 'notable-1')).toMatch(new RegExp(`^alt-${UUID_SHAPE.source.slice(1)}`));
  });

  it('differs when any part differs, with no ambiguity between parts', () => {
    const ids = [
      deriveAlertId('contoso', 'sentinel', 'a'),
      deriveAlertId('fabrikam', 'sentinel', 'a'),
      deriveAlertId('contoso', 'defender', 'a'),
      deriveAlertId('contoso', 'sentinel', 'b'),
      deriveAlertId('contosos', 'entinel', 'a'),
    ];
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('deriveEventId and deriveKey', () => {
  it('are deterministic and UUID-shaped', () => {
    expect(deriveEventId('e-1', 'soc.alert.enriched.v1')).toBe(deriveEventId('e-1', 'soc.alert.enriched.v1', ''));
    expect(deriveEventId('e-1', 'soc.alert.enriched.v1')).toMatch(UUID_SHAPE);
    expect(deriveKey('decision-1', 'SendEmail')).toBe(deriveKey('decision-1', 'SendEmail'));
    expect(deriveKey('decision-1', 'SendEmail')).toMatch(UUID_SHAPE);
  });

  it('keep parts apart', () => {
    expect(deriveKey('ab', 'c')).not.toBe(deriveKey('a', 'bc'));
    expect(deriveEventId('e-1', 'soc.x.v1', 'k')).not.toBe(deriveEventId('e-1', 'soc.x.v1k'));
  });
});
