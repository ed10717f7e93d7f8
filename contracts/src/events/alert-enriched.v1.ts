import { z } from 'zod';
import { Alert } from '../alert.ts';
import { defineEvent } from '../envelope.ts';
import { Enrichment } from '../triage.ts';

/** Emitted by enrichment with the deterministic facts found for an alert. Consumed by triage. */
export const AlertEnrichedV1 = defineEvent(
  'soc.alert.enriched.v1',
  z.object({ alert: Alert, enrichment: Enrichment }),
  'Emitted by enrichment with the deterministic facts found for an alert. Consumed by triage.',
);
