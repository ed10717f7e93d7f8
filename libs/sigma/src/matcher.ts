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

/**
 * A test any match of a matcher must pass: the field holds one of these literals exactly, as a suffix, as a prefix
 * or anywhere (lower-cased; `contains` literals have at least 4 characters). The engine indexes rules by it so that most rules are never evaluated for an event that cannot match.
 */
export interface NeedKey {
  readonly field: string;
  readonly kind: 'eq' | 'ends' | 'starts' | 'contains';
  readonly lit: string;
}

/** One of these keys must hold for the matcher to match; `undefined` when no such set is known (always evaluate). */
export type Need = readonly NeedKey[] | undefined;

/** Length of the substrings `contains` literals are indexed by. */
export const GRAM = 4;

const NEEDS = new WeakMap<Matcher, readonly NeedKey[]>();

/** Records what a matcher needs, and returns it. */
export function withNeed(matcher: Matcher, need: Need): Matcher {
  if (need !== undefined) NEEDS.set(matcher, need);
  return matcher;
}

/** What a matcher needs, if known. */
export function needOf(matcher: Matcher): Need {
  return NEEDS.get(matcher);
}

/** All of the parts must match: the smallest known need of any part is a need of the whole. */
export function needAll(parts: readonly Matcher[]): Need {
  let best: Need;
  let bestCost = Infinity;
  for (const p of parts) {
    const n = needOf(p);
    if (n === undefined) continue;
    // A contains key finds more candidates than an exact, prefix or suffix one: prefer the others.
    const cost = n.reduce((sum, k) => sum + (k.kind === 'contains' ? 3 : 1), 0);
    if (cost < bestCost) {
      best = n;
      bestCost = cost;
    }
  }
  return best;
}

/** Any part may match: the union of their needs, known only when every part's is. */
export function needAny(parts: readonly Matcher[]): Need {
  const keys: NeedKey[] = [];
  for (const p of parts) {
    const n = needOf(p);
    if (n === undefined) return undefined;
    keys.push(...n);
  }
  return keys;
}
