import { readFileSync } from 'node:fs';
import type { DeliveryInfo } from '@soc/bus';
import { type EventByType, caseGroupKey, parseEvent } from '@soc/contracts';

/** The contract fixture's decision (SendEmail, PostChat and more), to vary field by field. */
export function decisionFixture(): EventByType<'soc.decision.made.v2'> {
  const parsed = parseEvent(JSON.parse(readFileSync(new URL('../../../../contracts/fixtures/soc.decision.made.v2.json', import.meta.url), 'utf8')));
  if (!parsed.ok) throw new Error(parsed.description);
  if (parsed.event.type !== 'soc.decision.made.v2') throw new Error('wrong fixture');
  return parsed.event;
}

export const delivery: DeliveryInfo = { subscription: 'notification', deliveryCount: 1, signal: new AbortController().signal };

/** The outbox file of a decision's case-group card (one per case group and destination, see case-noise.ts). */
export function cardFile(event: EventByType<'soc.decision.made.v2'>, channel: 'teams' | 'slack', destination: string): string {
  return `${caseGroupKey(event.data.alert)}:card:${channel}/${destination}`.replace(/[^A-Za-z0-9._-]/g, '_') + `.${channel}.json`;
}

/** Another alert of the same case group: a new alert id (and event id), the same rule and key entities. */
export function sameGroupAlert(event: EventByType<'soc.decision.made.v2'>, n: number): EventByType<'soc.decision.made.v2'> {
  const next = structuredClone(event);
  next.id = `${event.id}-${n}`;
  next.data.alert.alertId = `${event.data.alert.alertId}-${n}`;
  next.data.actions = next.data.actions.map((a) => ({ ...a, actionId: `${a.actionId}-${n}` }));
  return next;
}
