import type { Alert } from '@soc/contracts';
import type { DeliveryInfo } from '@soc/bus';

// Modelled on the msticpy sample's "Detected suspicious credentials in commandline" alert on msticalertswin1.
export const delivery: DeliveryInfo = { subscription: 'enrichment', deliveryCount: 1, signal: new AbortController().signal };
export const host = { id: 'host:msticalertswin1', type: 'host' as const, value: 'msticalertswin1', origin: 'source' as const };
export const user = { id: 'user:msticadmin', type: 'user' as const, value: 'msticadmin', origin: 'source' as const };

/** Alert `n` of the same rule with the given entities. */
export const alertOf = (n: number, entities: Alert['entities'], tenantId = 'contoso'): Alert => ({
  schemaVersion: 1,
  alertId: `alt-${n}`,
  tenantId,
  source: { name: 'generic', vendorAlertId: `v-${n}` },
  title: 'Detected suspicious credentials in commandline',
  description: '',
  severity: 'medium',
  status: 'new',
  detectedAt: '2026-11-23T09:00:00.000Z',
  rule: { id: 'ASC-CRED-CMDLINE' },
  attack: [],
  entities,
  labels: [],
});
