import { z } from 'zod';
import { Alert } from '../alert.ts';
import { defineEvent } from '../envelope.ts';
import { Enrichment, Triage } from '../triage.ts';

/** Emitted by triage for every alert it scores. Consumed by decision. */
export const AlertTriagedV1 = defineEvent(
  'soc.alert.triaged.v1',
  z.object({ alert: Alert, enrichment: Enrichment, triage: Triage }),
  'Emitted by triage for every alert it scores. Consumed by decision.',
);
