import type { Alert, Entity } from '../alert.ts';

/** Entities tests often need, canonical as ingestion would make them. */
export const SAMPLE_ENTITIES = {
  host: { id: 'host:web01.contoso.com', type: 'host', value: 'web01.contoso.com', origin: 'source' },
  user: { id: 'user:contoso\\jane.doe', type: 'user', value: 'contoso\\jane.doe', origin: 'source' },
  externalIp: { id: 'ip:185.220.101.4', type: 'ip', value: '185.220.101.4', isInternal: false, origin: 'source' },
  internalIp: { id: 'ip:10.0.0.7', type: 'ip', value: '10.0.0.7', isInternal: true, origin: 'source' },
} as const satisfies Record<string, Entity>;

/**
 * A valid normalised alert for tests: a high-severity generic alert with no entities unless given.
 * Override any field; the result is not re-validated, so a test can also build edge cases on purpose.
 */
export function sampleAlert(overrides: Partial<Alert> = {}): Alert {
  return {
    schemaVersion: 1,
    alertId: 'alt-test',
    tenantId: 'contoso',
    source: { name: 'generic', vendorAlertId: 'vendor-test' },
    title: 'Network communication with a malicious machine detected',
    description: '',
    severity: 'high',
    status: 'new',
    detectedAt: '2026-11-23T09:00:00.000Z',
    attack: [],
    entities: [],
    labels: [],
    ...overrides,
  };
}
