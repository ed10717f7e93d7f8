import type { EventView } from './event.ts';

/** A compiled detection: true when the event matches the rule's condition. */
export type Matcher = (event: EventView) => boolean;

/** Why a rule could not be compiled; the engine reports the message and goes on with the other rules. */
export class NotCompilable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotCompilable';
  }
}
