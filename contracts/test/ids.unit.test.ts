import { describe, expect, it } from 'vitest';
import { deriveAlertId, deriveEventId, deriveKey } from '../src/index.ts';

const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('deriveAlertId', () => {
  const vendorAlertId = '0ec0497d-d4bc-46f4-9339-d74656796b4e';

  it('is stable: the same tenant, source, sender and vendor id always give the same id', () => {
    expect(deriveAlertId('contoso', 'sentinel', vendorAlertId, 'sentinel-playbook')).toBe(
      deriveAlertId('contoso', 'sentinel', vendorAlertId, 'sentinel-playbook'),
    );
  });

  it('never changes across releases from here on (stored cases are keyed by it; ADR 0009 says why it changed once)', () => {
    expect(deriveAlertId('contoso', 'sentinel', vendorAlertId, 'sentinel-playbook')).toBe('alt-0c2c306d-26d5-faa2-516b-1de1ff15005c');
  });

  it('is alt- plus a UUID-shaped hash', () => {
    expect(deriveAlertId('contoso', 'splunk', 'notable-1', 'splunk')).toMatch(new RegExp(`^alt-${UUID_SHAPE.source.slice(1)}`));
  });

  it('differs when any part differs, the sender included, with no ambiguity between parts', () => {
    const ids = [
      deriveAlertId('contoso', 'sentinel', 'a', 's'),
      deriveAlertId('fabrikam', 'sentinel', 'a', 's'),
      deriveAlertId('contoso', 'defender', 'a', 's'),
      deriveAlertId('contoso', 'sentinel', 'b', 's'),
      deriveAlertId('contoso', 'sentinel', 'a', 't'),
      deriveAlertId('contosos', 'entinel', 'a', 's'),
      deriveAlertId('contoso', 'sentinel', 's\u0000a', ''),
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
