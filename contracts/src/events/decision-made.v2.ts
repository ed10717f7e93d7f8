import { z } from 'zod';
import { Action } from '../actions.ts';
import { defineEvent } from '../envelope.ts';
import { DecisionMadeV1 } from './decision-made.v1.ts';

/**
 * Version 2 (issue 14): RunContainment may order every runbook (`ContainmentRunbook`) with the policy's arguments.
 * A v1 decision upcasts unchanged (its runbooks are a subset; its actions have no arguments: `{}`).
 */
export const DecisionMadeV2 = defineEvent(
  'soc.decision.made.v2',
  DecisionMadeV1.data.extend({ actions: z.array(Action).max(32) }),
  'Emitted by decision with the actions the policy allowed (version 2: every runbook, with arguments). Consumed by notification, ticketing and containment.',
);
