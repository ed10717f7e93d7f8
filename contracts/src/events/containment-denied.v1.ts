import { defineEvent } from '../envelope.ts';
import { ApprovalRecord } from './containment-approved.v1.ts';

/** Emitted by the analyst API when a human denies a containment request. Consumed by containment and the case view. */
export const ContainmentDeniedV1 = defineEvent(
  'soc.containment.denied.v1',
  ApprovalRecord,
  'Emitted by the analyst API when a human denies a containment request. Consumed by containment and the case view.',
);
