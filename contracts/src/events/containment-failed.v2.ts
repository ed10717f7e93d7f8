import { ContainmentRunbook } from '../actions.ts';
import { defineEvent } from '../envelope.ts';
import { ContainmentFailedV1 } from './containment-failed.v1.ts';

/** Version 2 (issue 14): every runbook. */
export const ContainmentFailedV2 = defineEvent(
  'soc.containment.failed.v2',
  ContainmentFailedV1.data.extend({ runbook: ContainmentRunbook }),
  'Emitted by containment when an approved runbook could not complete, did not take effect, or was refused, voided or expired (version 2: every runbook).',
);
