import { NotificationSentV1, type EventByType, type SocEvent, caseGroupKey, causedBy } from '@soc/contracts';
import { dispatch, type EventHandler } from '@soc/bus';
import { caseLink } from '@soc/outbound';
import { AppError, ErrorCode, type Clock } from '@soc/runtime';
import { type Escalation, type GroupDecision, decide, evolve } from './case-noise.ts';
import { defangChat, defangEmail } from './outbound.ts';
import type { CaseGroupStore, ChatPoster, Mailer } from './ports.ts';
import { chatCardOf, renderAlertEmail, subjectOf } from './render.ts';

/** What the notification handler needs. */
export interface NotificationDeps {
  mailer: Mailer;
  chat: ChatPoster;
  /** The case groups' notification state (noise control: one e-mail and one card per case group). */
  groups: CaseGroupStore;
  clock: Clock;
  /** `SOC_PUBLIC_URL`: the base of the case link, the one URL an outbound text keeps live. */
  publicUrl: string;
}

/** Attempts at the group's conditional write before the bus redelivers the decision. */
const MAX_GROUP_ATTEMPTS = 10;

/** What the decider reads of a decision. */
export function groupDecisionOf(event: EventByType<'soc.decision.made.v1'>): GroupDecision {
  const { alert, triage, actions } = event.data;
  const email = actions.find((a) => a.kind === 'SendEmail');
  return {
    groupKey: caseGroupKey(alert),
    decisionKey: `${alert.alertId}:${alert.revision?.key ?? ''}`,
    at: event.time,
    level: triage.risk.level,
    verdict: triage.verdict.class,
    entities: alert.entities.filter((e) => e.origin === 'source').map((e) => `${e.type}:${e.id}`),
    ...(email ? { emailTo: [...new Set(actions.flatMap((a) => (a.kind === 'SendEmail' ? a.to : [])))] } : {}),
    chats: actions.flatMap((a) => (a.kind === 'PostChat' ? [{ channel: a.channel, destination: a.destination }] : [])),
  };
}

/**
 * Sends the decision's SendEmail and PostChat actions, once per case group (`decide` in case-noise.ts): the first
 * alert of a group mails and posts its card; a later one updates the card in place (count, last seen) and mails
 * again only on an escalation; a redelivered decision sends nothing. Sends are keyed by group and sequence, so a
 * lost race at the group's conditional write re-sends nothing. Every message is defanged whole on its way out.
 */
export function makeNotificationHandler(deps: NotificationDeps): EventHandler {
  const handle = async (event: EventByType<'soc.decision.made.v1'>) => {
    const { alert, triage, actions } = event.data;
    const decision = groupDecisionOf(event);
    const emit: SocEvent[] = [];
    const sent = (data: Parameters<typeof causedBy<typeof NotificationSentV1>>[2]) =>
      causedBy(event, NotificationSentV1, data, { source: '/soc/notification', time: deps.clock.now(), key: data.actionId });
    const caseUrl = caseLink(deps.publicUrl, alert.alertId);
    const actionOf = (kind: 'SendEmail' | 'PostChat', channel?: string, destination?: string) =>
      actions.find((a) => a.kind === kind && (a.kind !== 'PostChat' || (a.channel === channel && a.destination === destination)))?.actionId ?? kind;
    for (let attempt = 1; ; attempt++) {
      emit.length = 0;
      const current = await deps.groups.read(alert.tenantId, decision.groupKey);
      const effects = decide(current?.state, decision);
      if (effects.length === 0) return { emit };
      let state = current?.state;
      for (const effect of effects) state = evolve(state, effect);
      const group = state ? `${state.count} alert${state.count === 1 ? '' : 's'} in this case group, first seen ${state.firstSeen}, last seen ${state.lastSeen}.` : '';
      for (const effect of effects) {
        if (effect.kind === 'SendEmail') {
          const body = renderAlertEmail(alert, triage, { caseUrl });
          const why = effect.reason === 'escalation' ? `[Escalated: ${effect.escalations.map(describe).join('; ')}] ` : '';
          const email = defangEmail({ idempotencyKey: effect.key, to: effect.to, subject: `${why}${subjectOf(alert, triage)}`, html: body.html, text: `${body.text}\n\n${group}` }, [caseUrl]);
          const deliveryId = await deps.mailer.send(email);
          emit.push(sent({ alertId: alert.alertId, actionId: actionOf('SendEmail'), channel: 'email', destinations: [...effect.to], subject: email.subject, deliveryId }));
        } else if (effect.kind === 'PostCard' || effect.kind === 'UpdateCard') {
          const message = defangChat(
            {
              idempotencyKey: effect.kind === 'PostCard' ? effect.key : effect.ref,
              channel: effect.channel,
              destination: effect.destination,
              title: subjectOf(alert, triage),
              text: `${triage.summary}\n${group}`,
              card: chatCardOf(alert, triage, actions, { caseUrl }),
            },
            [caseUrl],
          );
          if (effect.kind === 'UpdateCard') {
            await deps.chat.update(effect.ref, message);
            continue;
          }
          const deliveryId = await deps.chat.post(message);
          state = evolve(state, { kind: 'CardPosted', channel: effect.channel, destination: effect.destination, ref: deliveryId });
          emit.push(sent({ alertId: alert.alertId, actionId: actionOf('PostChat', effect.channel, effect.destination), channel: effect.channel, destinations: [effect.destination], subject: message.title, deliveryId }));
        }
      }
      if (state && (await deps.groups.write(alert.tenantId, decision.groupKey, state, current?.version))) return { emit };
      if (attempt >= MAX_GROUP_ATTEMPTS) {
        throw new AppError(ErrorCode.PRECONDITION_FAILED, `case group ${decision.groupKey}: still contended after ${MAX_GROUP_ATTEMPTS} attempts`, { retryable: true });
      }
    }
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

/** An escalation as the subject says it. */
function describe(e: Escalation): string {
  if (e.kind === 'severity') return `risk ${e.from} to ${e.to}`;
  if (e.kind === 'verdict') return 'verdict true-positive';
  return `new ${e.entities.map((x) => x.slice(0, x.indexOf(':'))).join(', ')}`;
}
