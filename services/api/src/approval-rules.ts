import { isSenderOf } from '@soc/containment-requests';
import type { CaseEventDoc } from './case-view.ts';

/** Whether a principal may approve a containment request, and why not. */
export type ApprovalVerdict = { ok: true } | { ok: false; reason: string };

/**
 * A principal that sent an alert can never approve its containment: whoever controls a sending credential must not
 * also be the human check on what it asked for. `alertSender` is the alert's recorded sender (`data.sender` of
 * `soc.alert.received.v1`): a credential's name, or `<credential>:<client id>` for Entra ID and
 * `eventhubs:<hub>/<partition>` for a stream, so the approver is refused when it is that name or the credential part
 * of it. Names compare without case: `Alice` and `alice` are one party to a reviewer, whatever the configuration.
 */
export function mayApprove(approver: string, alertSender: string): ApprovalVerdict {
  if (isSenderOf(approver, alertSender)) {
    return { ok: false, reason: `principal "${approver}" sent this alert (as "${alertSender}"): a sender can never approve the containment of its own alert` };
  }
  return { ok: true };
}

/** The senders of every revision of an alert, from its `soc.alert.received.v1` events. */
export function sendersOf(events: readonly CaseEventDoc[]): string[] {
  const senders = new Set<string>();
  for (const e of events) {
    if (e.type !== 'soc.alert.received.v1') continue;
    const sender = (e.data as { sender?: unknown } | null)?.sender;
    if (typeof sender === 'string') senders.add(sender);
  }
  return [...senders];
}
