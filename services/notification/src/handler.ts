import { NotificationSentV1, type EventByType, type SocEvent, causedBy } from '@soc/contracts';
import { dispatch, type EventHandler } from '@soc/bus';
import { caseLink } from '@soc/outbound';
import type { Clock } from '@soc/runtime';
import { defangChat, defangEmail } from './outbound.ts';
import type { ChatPoster, Mailer } from './ports.ts';
import { chatCardOf, renderAlertEmail, subjectOf } from './render.ts';

/** What the notification handler needs. */
export interface NotificationDeps {
  mailer: Mailer;
  chat: ChatPoster;
  clock: Clock;
  /** `SOC_PUBLIC_URL`: the base of the case link, the one URL an outbound text keeps live. */
  publicUrl: string;
}

/**
 * Sends the decision's SendEmail and PostChat actions. Each send is keyed by its action id, so a redelivered
 * decision sends nothing twice; the sent events derive their ids from the action ids too. Every message, alert
 * or report, is defanged whole on its way to the transport.
 */
export function makeNotificationHandler(deps: NotificationDeps): EventHandler {
  const handle = async (event: EventByType<'soc.decision.made.v1'>) => {
    const { alert, triage, actions } = event.data;
    const emit: SocEvent[] = [];
    const sent = (data: Parameters<typeof causedBy<typeof NotificationSentV1>>[2]) =>
      causedBy(event, NotificationSentV1, data, { source: '/soc/notification', time: deps.clock.now(), key: data.actionId });
    for (const action of actions) {
      if (action.kind === 'SendEmail') {
        const caseUrl = caseLink(deps.publicUrl, alert.alertId);
        const body = renderAlertEmail(alert, triage, { caseUrl });
        const email = defangEmail({ idempotencyKey: action.actionId, to: action.to, subject: subjectOf(alert, triage), ...body }, [caseUrl]);
        const deliveryId = await deps.mailer.send(email);
        emit.push(sent({ alertId: alert.alertId, actionId: action.actionId, channel: 'email', destinations: [...action.to], subject: email.subject, deliveryId }));
      } else if (action.kind === 'PostChat') {
        const caseUrl = caseLink(deps.publicUrl, alert.alertId);
        const message = defangChat(
          {
            idempotencyKey: action.actionId,
            channel: action.channel,
            destination: action.destination,
            title: subjectOf(alert, triage),
            text: triage.summary,
            card: chatCardOf(alert, triage, actions, { caseUrl }),
          },
          [caseUrl],
        );
        const deliveryId = await deps.chat.post(message);
        emit.push(sent({ alertId: alert.alertId, actionId: action.actionId, channel: action.channel, destinations: [action.destination], subject: message.title, deliveryId }));
      }
    }
    return { emit };
  };
  // A report goes to its recipients once per report id (the mailer's idempotency key). It belongs to no alert, so
  // no soc.notification.sent.v1 (an alert-journey event) follows.
  const sendReport = async (event: EventByType<'soc.report.generated.v1'>) => {
    const { reportId, recipients, subject, html, text } = event.data;
    await deps.mailer.send(defangEmail({ idempotencyKey: `report-${reportId}`, to: recipients, subject, html, text }));
    return { emit: [] };
  };
  return dispatch('notification', { 'soc.decision.made.v1': handle, 'soc.report.generated.v1': sendReport });
}
