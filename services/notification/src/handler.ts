import { NotificationSentV1, type EventByType, type SocEvent, caseGroupKey, causedBy } from '@soc/contracts';
import { dispatch, type EventHandler } from '@soc/bus';
import { caseLink } from '@soc/outbound';
import { AppError, ErrorCode, type Clock, describeError, isAppError, isRetryable } from '@soc/runtime';
import { type Escalation, type GroupCommand, type GroupDecision, type GroupState, apply, decide, pendingOf } from './case-noise.ts';
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
  /** Counts each delivery attempt by channel, destination and outcome (`delivered`; `failed`, to be retried; `rejected`, for good), as `soc_outbound_deliveries_total`: the metric that reports a failing channel. */
  count?: (channel: string, destination: string, outcome: 'delivered' | 'failed' | 'rejected') => void;
}

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
 * again only on an escalation; a redelivered decision sends nothing new. Intent first: the sends are reserved in the
 * group's state by a conditional write, then performed by this decision only, then completed — so an e-mail always
 * describes the alert that reserved it, a lost race has sent nothing, and a crash between the write and the send is
 * finished by the redelivery. Every message is defanged whole on its way out.
 */
export function makeNotificationHandler(deps: NotificationDeps): EventHandler {
  const handle = async (event: EventByType<'soc.decision.made.v1'>) => {
    const { alert, triage, actions } = event.data;
    const decision = groupDecisionOf(event);
    const { tenantId } = alert;
    const emit: SocEvent[] = [];
    const sent = (data: Parameters<typeof causedBy<typeof NotificationSentV1>>[2]) =>
      causedBy(event, NotificationSentV1, data, { source: '/soc/notification', time: deps.clock.now(), key: data.actionId });
    const caseUrl = caseLink(deps.publicUrl, alert.alertId);
    const actionOf = (kind: 'SendEmail' | 'PostChat', channel?: string, destination?: string) =>
      actions.find((a) => a.kind === kind && (a.kind !== 'PostChat' || (a.channel === channel && a.destination === destination)))?.actionId ?? kind;
    const groupLine = (state: GroupState | undefined) =>
      state ? `${state.count} alert${state.count === 1 ? '' : 's'} in this case group, first seen ${state.firstSeen}, last seen ${state.lastSeen}.` : '';
    const chatOf = (key: string, channel: 'teams' | 'slack', destination: string, state: GroupState | undefined) =>
      defangChat(
        { idempotencyKey: key, channel, destination, title: subjectOf(alert, triage), text: `${triage.summary}\n${groupLine(state)}`, card: chatCardOf(alert, triage, actions, { caseUrl }) },
        [caseUrl],
      );

    const run = (command: GroupCommand) => deps.groups.update(tenantId, decision.groupKey, (current) => {
      const events = decide(current, command);
      return events.length > 0 ? apply(current, events) : undefined;
    });
    let state = await run({ kind: 'Notify', decision });
    const tried = new Set<string>();
    const nextOf = (current: GroupState | undefined) => pendingOf(current, decision.decisionKey).find((i) => !tried.has(i.key));
    // Performs this decision's pending intents, oldest first; a completed card post may reserve one refresh. A failing
    // channel does not hold up the others: each intent is tried once per delivery, and the failures are thrown
    // together at the end (see failureOf), leaving only the failed intents pending for the bus's retry or a replay.
    const failures: { target: string; error: unknown }[] = [];
    for (let intent = nextOf(state); intent; intent = nextOf(state)) {
      tried.add(intent.key);
      const target = intent.kind === 'email' ? 'email' : `${intent.channel}/${intent.destination}`;
      try {
        let ref: string | undefined;
        if (intent.kind === 'email') {
          const body = renderAlertEmail(alert, triage, { caseUrl });
          const why = intent.reason === 'escalation' ? `[Escalated: ${intent.escalations.map(describe).join('; ')}] ` : '';
          const email = defangEmail({ idempotencyKey: intent.key, to: intent.to, subject: `${why}${subjectOf(alert, triage)}`, html: body.html, text: `${body.text}\n\n${groupLine(state)}` }, [caseUrl]);
          const deliveryId = await deps.mailer.send(email);
          emit.push(sent({ alertId: alert.alertId, actionId: actionOf('SendEmail'), channel: 'email', destinations: [...intent.to], subject: email.subject, deliveryId }));
        } else if (intent.kind === 'post-card') {
          const message = chatOf(intent.key, intent.channel, intent.destination, state);
          ref = await deps.chat.post(message);
          emit.push(sent({ alertId: alert.alertId, actionId: actionOf('PostChat', intent.channel, intent.destination), channel: intent.channel, destinations: [intent.destination], subject: message.title, deliveryId: ref }));
        } else {
          await deps.chat.update(intent.ref, chatOf(intent.ref, intent.channel, intent.destination, state));
        }
        deps.count?.(intent.kind === 'email' ? 'email' : intent.channel, intent.kind === 'email' ? 'email' : intent.destination, 'delivered');
        state = await run({ kind: 'Complete', key: intent.key, ...(ref !== undefined ? { ref } : {}) });
      } catch (error) {
        deps.count?.(intent.kind === 'email' ? 'email' : intent.channel, intent.kind === 'email' ? 'email' : intent.destination, isRetryable(error) ? 'failed' : 'rejected');
        failures.push({ target, error });
      }
    }
    if (failures.length > 0) throw failureOf(failures);
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

/** An escalation as the subject says it. */
function describe(e: Escalation): string {
  if (e.kind === 'severity') return `risk ${e.from} to ${e.to}`;
  if (e.kind === 'verdict') return 'verdict true-positive';
  return `new ${e.entities.map((x) => x.slice(0, x.indexOf(':'))).join(', ')}`;
}

/**
 * One error for the failed intents of a delivery, naming each channel and destination (adapters keep secrets out of
 * their messages). Retryable when any failure is, with the longest Retry-After asked for: the bus redelivers and
 * only the failed intents are tried again. Otherwise not retryable: the decision is dead-lettered with this reason
 * (and the case shows `soc.processing.failed.v1`), and a replay once the channel is fixed sends what is still pending.
 */
export function failureOf(failures: readonly { target: string; error: unknown }[]): AppError {
  const retryable = failures.some((f) => isRetryable(f.error));
  const waits = failures.map((f) => (isAppError(f.error) ? Number(f.error.details?.retryAfterSeconds) : Number.NaN)).filter((n) => Number.isFinite(n) && n > 0);
  const first = failures.find((f) => isRetryable(f.error) === retryable)?.error;
  const code = isAppError(first) ? first.code : ErrorCode.DEPENDENCY_UNAVAILABLE;
  const message = `notification failed for ${failures.map((f) => `${f.target}: ${describeError(f.error)}`).join('; ')}`.slice(0, 2000);
  return new AppError(code, message, { retryable, cause: first, ...(waits.length > 0 ? { details: { retryAfterSeconds: Math.max(...waits) } } : {}) });
}
