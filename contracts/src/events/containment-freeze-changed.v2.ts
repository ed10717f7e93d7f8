import { ContainmentRunbook } from '../actions.ts';
import { defineEvent } from '../envelope.ts';
import { ContainmentFreezeChangedV1 } from './containment-freeze-changed.v1.ts';

/** Version 2 (issue 14): any runbook may be frozen on its own. */
export const ContainmentFreezeChangedV2 = defineEvent(
  'soc.containment.freeze-changed.v2',
  ContainmentFreezeChangedV1.data.extend({ runbook: ContainmentRunbook.optional() }),
  'Emitted by the analyst API when an administrator freezes or unfreezes containment (globally or for one runbook; version 2: any runbook). Consumed by containment, which voids the pending requests a freeze covers.',
);
