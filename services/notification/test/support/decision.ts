import { readFileSync } from 'node:fs';
import type { DeliveryInfo } from '@soc/bus';
import { type EventByType, parseEvent } from '@soc/contracts';

/** The contract fixture's decision (SendEmail, PostChat and more), to vary field by field. */
export function decisionFixture(): EventByType<'soc.decision.made.v1'> {
  const parsed = parseEvent(JSON.parse(readFileSync(new URL('../../../../contracts/fixtures/soc.decision.made.v1.json', import.meta.url), 'utf8')));
  if (!parsed.ok) throw new Error(parsed.description);
  if (parsed.event.type !== 'soc.decision.made.v1') throw new Error('wrong fixture');
  return parsed.event;
}

export const delivery: DeliveryInfo = { subscription: 'notification', deliveryCount: 1, signal: new AbortController().signal };
