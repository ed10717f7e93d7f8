import { apiService } from '@soc/api';
import { containmentService } from '@soc/containment';
import { decisionService } from '@soc/decision';
import { enrichmentService } from '@soc/enrichment';
import { ingestionService } from '@soc/ingestion';
import { notificationService } from '@soc/notification';
import type { ServiceModule } from '@soc/platform';
import { reportingService } from '@soc/reporting';
import { ticketingService } from '@soc/ticketing';
import { triageService } from '@soc/triage';

/** Every service, in flow order. */
export const ALL_SERVICES: readonly ServiceModule[] = [
  ingestionService,
  enrichmentService,
  triageService,
  decisionService,
  notificationService,
  ticketingService,
  containmentService,
  reportingService,
  apiService,
] as ServiceModule[];

/**
 * The services `SOC_SERVICE` selects: unset or `all` for every one, else a comma-separated list of names.
 * An unknown name stops start-up with the list of valid ones.
 */
export function selectServices(selector: string | undefined): readonly ServiceModule[] {
  if (!selector || selector === 'all') return ALL_SERVICES;
  const names = selector.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !ALL_SERVICES.some((s) => s.name === n));
  if (unknown.length > 0) {
    throw new Error(`SOC_SERVICE names unknown service(s) ${unknown.join(', ')}; valid: all, ${ALL_SERVICES.map((s) => s.name).join(', ')}`);
  }
  return ALL_SERVICES.filter((s) => names.includes(s.name));
}
