import { createHash } from 'node:crypto';
import { MAX_DELIVERY_DELAY_MS, NotificationDueV1, NotificationSentV1, type EventByType, type SocEvent, caseGroupKey, caseGroupKeyOfDisposition, causedBy } from '@soc/contracts';
import { dispatch, type EventHandler } from '@soc/bus';
import { caseLink } from '@soc/outbound';
import { AppError, ErrorCode, type Clock, describeError, isAppError, isRetryable } from '@soc/runtime';
import { type Escalation, type GroupCommand, type GroupDecision, type GroupState, type Intent, apply, decide, pendingOf } from './case-noise.ts';
import { defangChat, defangEmail } from './outbound.ts';
import type { CaseGroupStore, ChatPoster, Mailer, OutgoingChat, OutgoingEmail } from './ports.ts';
import { type GroupSummary, chatCardOf, groupSubjectOf, renderAlertEmail, renderGroupEmail, subjectOf } from './render.ts';

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
  /**
   * Publishes the group's timers (`soc.notification.due.v1` with `deliverat`) and each send's
   * `soc.notification.sent.v1` before the send is completed in the group's state (so no stop between the two loses
   * it). The service passes the bus's publish; without it (handler tests) both are returned with the outcome.
   */
  publish?: (events: readonly SocEvent[]) => Promise<void>;
}

/** What the decider reads of a decision. */
export function groupDecisionOf(event: EventByType<'soc.decision.made.v2'>): GroupDecision {
  const { alert, triage, actions } = event.data;
  const email = actions.find((a) => a.kind === 'SendEmail');
  return {
    groupKey: caseGroupKey(alert),
    // Short and fixed-length: the group's document keeps the last 500 of them, read and written per decision.
    decisionKey: createHash('sha256').update(`${alert.alertId}:${alert.revision?.key ?? ''}`).digest('base64url').slice(0, 16),
    at: event.time,
    level: triage.risk.level,
    verdict: triage.verdict.class,
    entities: alert.entities.filter((e) => e.origin === 'source').map((e) => `${e.type}:${e.id}`),
    ...(email ? { emailTo: [...new Set(actions.flatMap((a) => (a.kind === 'SendEmail' ? a.to : [])))] } : {}),
    chats: actions.flatMap((a) => (a.kind === 'PostChat' ? [{ channel: a.channel, destination: a.destination }] : [])),
    alertId: alert.alertId,
    title: alert.title,
    ...(email?.kind === 'SendEmail' && email.digestMinutes !== undefined ? { digestMinutes: email.digestMinutes } : {}),
    ...(event.data.escalation
      ? {
          escalation: {
            afterMinutes: event.data.escalation.afterMinutes,
            ...(event.data.escalation.email ? { to: event.data.escalation.email.to } : {}),
            ...(event.data.escalation.chat ? { chats: event.data.escalation.chat.map((c) => ({ channel: c.channel, destination: c.destination })) } : {}),
          },
        }
      : {}),
  };
}

/** What an owner of pending intents renders them with: a decision has its alert; a timer only the group's state. */
interface Renderer {
  email(intent: Extract<Intent, { kind: 'email' }>, state: GroupState | undefined): OutgoingEmail;
  chat(key: string, channel: 'teams' | 'slack', destination: string, state: GroupState | undefined): OutgoingChat;
  /** The alert and action a `soc.notification.sent.v1` names. */
  alertId(state: GroupState | undefined): string;
  actionId(intent: Intent): string;
}

const groupLine = (state: GroupState | undefined) =>
  state ? `${state.count} alert${state.count === 1 ? '' : 's'} in this case group, first seen ${state.firstSeen}, last seen ${state.lastSeen}.` : '';

/**
 * Sends the decision's SendEmail and PostChat actions, once per case group (`decide` in case-noise.ts): the first
 * alert of a group mails and posts its card; a later one updates the card in place (count, last seen) and mails
 * again only on an escalation; a redelivered decision sends nothing new. Intent first: the sends are reserved in the
 * group's state by a conditional write, then performed by their owner only, then completed — so an e-mail always
 * describes the alert that reserved it, a lost race has sent nothing, and a crash between the write and the send is
 * finished by the redelivery. The group's timers (`soc.notification.due.v1`, published with `deliverat`) send its
 * digest at the end of the policy's window and escalate a case nobody acknowledged (an analyst's disposition
 * acknowledges it). Every message is defanged whole on its way out.
 */
export function makeNotificationHandler(deps: NotificationDeps): EventHandler {
  /**
   * Runs `command` on the group, then performs the pending intents `owner` holds, oldest first (a completed card post
   * may reserve one refresh). A failing channel does not hold up the others: each intent is tried once per delivery
   * and the failures are thrown together at the end (see failureOf), leaving only them pending for a retry or replay.
   */
  const settle = async (cause: SocEvent, tenantId: string, groupKey: string, owner: string, command: GroupCommand, render: Renderer): Promise<{ emit: SocEvent[] }> => {
    const emit: SocEvent[] = [];
    const run = (c: GroupCommand) =>
      deps.groups.update(tenantId, groupKey, (current) => {
        const events = decide(current, c);
        return events.length > 0 ? apply(current, events) : undefined;
      });
    const sent = (intent: Intent, state: GroupState | undefined, data: Omit<Parameters<typeof causedBy<typeof NotificationSentV1>>[2], 'alertId' | 'actionId'>) =>
      emit.push(causedBy(cause, NotificationSentV1, { alertId: render.alertId(state), actionId: render.actionId(intent), ...data }, { source: '/soc/notification', time: deps.clock.now(), key: intent.key }));
    let state = await run(command);
    const tried = new Set<string>();
    const nextOf = (current: GroupState | undefined) => pendingOf(current, owner).find((i) => !tried.has(i.key));
    const failures: { target: string; error: unknown }[] = [];
    for (let intent = nextOf(state); intent; intent = nextOf(state)) {
      tried.add(intent.key);
      const [channel, destination] = intent.kind === 'email' ? ['email', 'email'] : intent.kind === 'schedule' ? ['timer', intent.due] : [intent.channel, intent.destination];
      try {
        let ref: string | undefined;
        if (intent.kind === 'email') {
          const email = render.email(intent, state);
          const deliveryId = await deps.mailer.send(email);
          sent(intent, state, { channel: 'email', destinations: [...intent.to], subject: email.subject, deliveryId });
        } else if (intent.kind === 'post-card') {
          const message = render.chat(intent.key, intent.channel, intent.destination, state);
          ref = await deps.chat.post(message);
          sent(intent, state, { channel: intent.channel, destinations: [intent.destination], subject: message.title, deliveryId: ref });
        } else if (intent.kind === 'update-card') {
          await deps.chat.update(intent.ref, render.chat(intent.ref, intent.channel, intent.destination, state));
        } else {
          const timer = causedBy(cause, NotificationDueV1, { tenantId, groupKey, due: intent.due, at: intent.at, alertId: render.alertId(state) }, { source: '/soc/notification', time: deps.clock.now(), key: intent.key, deliverAt: deliverAtOf(intent.at, deps.clock.now()) });
          if (deps.publish) await deps.publish([timer]);
          else emit.push(timer);
        }
        if (intent.kind !== 'schedule') deps.count?.(channel, destination, 'delivered');
        // What went out is on record before the send is completed: a process that stops after the completion and
        // before its outcome reaches the bus would otherwise lose the sent event (the redelivery finds nothing pending).
        // Published again by a redelivery, it carries the same event id, which the bus and the case view dedupe.
        if (deps.publish && emit.length > 0) await deps.publish(emit.splice(0));
        state = await run({ kind: 'Complete', key: intent.key, ...(ref !== undefined ? { ref } : {}) });
      } catch (error) {
        deps.count?.(channel, destination, isRetryable(error) ? 'failed' : 'rejected');
        failures.push({ target: intent.kind === 'email' ? 'email' : `${channel}/${destination}`, error });
      }
    }
    if (failures.length > 0) {
      // What did go out is on record before the error: the redelivery will not send (nor report) it again.
      if (deps.publish && emit.length > 0) await deps.publish(emit);
      throw failureOf(failures);
    }
    return { emit };
  };

  const onDecision = async (event: EventByType<'soc.decision.made.v2'>) => {
    const { alert, triage, actions } = event.data;
    const decision = groupDecisionOf(event);
    const caseUrl = caseLink(deps.publicUrl, alert.alertId);
    const actionOf = (kind: 'SendEmail' | 'PostChat', channel?: string, destination?: string) =>
      actions.find((a) => a.kind === kind && (a.kind !== 'PostChat' || (a.channel === channel && a.destination === destination)))?.actionId;
    const chat = (key: string, channel: 'teams' | 'slack', destination: string, state: GroupState | undefined) =>
      defangChat(
        { idempotencyKey: key, channel, destination, title: subjectOf(alert, triage), text: `${triage.summary}\n${groupLine(state)}`, card: chatCardOf(alert, triage, actions, { caseUrl }) },
        [caseUrl],
      );
    return settle(event, alert.tenantId, decision.groupKey, decision.decisionKey, { kind: 'Notify', decision }, {
      email: (intent, state) => {
        const body = renderAlertEmail(alert, triage, { caseUrl });
        const why = intent.reason === 'escalation' ? `[Escalated: ${intent.escalations.map(describe).join('; ')}] ` : '';
        return defangEmail({ idempotencyKey: intent.key, to: intent.to, subject: `${why}${subjectOf(alert, triage)}`, html: body.html, text: `${body.text}\n\n${groupLine(state)}` }, [caseUrl]);
      },
      chat,
      alertId: () => alert.alertId,
      actionId: (intent) => (intent.kind === 'email' ? actionOf('SendEmail') : intent.kind === 'schedule' ? undefined : actionOf('PostChat', intent.channel, intent.destination)) ?? intent.key,
    });
  };

  const onDue = async (event: EventByType<'soc.notification.due.v1'>) => {
    const { tenantId, groupKey, due, at } = event.data;
    const owner = `${groupKey}:due:${due}:${at}`;
    const summary = (state: GroupState | undefined, reason: GroupSummary['reason']): GroupSummary => ({
      reason,
      title: state?.title ?? groupKey,
      count: state?.count ?? 0,
      since: state?.sinceEmail ?? 0,
      level: state?.level ?? 'unknown',
      firstSeen: state?.firstSeen ?? at,
      lastSeen: state?.lastSeen ?? at,
      entities: state?.entities ?? [],
      caseUrl: caseLink(deps.publicUrl, state?.lastAlertId ?? event.data.alertId),
      ...(state?.escalation ? { afterMinutes: state.escalation.afterMinutes } : {}),
    });
    return settle(event, tenantId, groupKey, owner, { kind: 'Due', due, at, key: owner }, {
      email: (intent, state) => {
        // The digest counts what the reservation summed up: the state after it has `sinceEmail` back at 0.
        const g = summary(state, intent.reason === 'unacknowledged' ? 'unacknowledged' : 'digest');
        const body = renderGroupEmail({ ...g, since: intent.since ?? g.since });
        return defangEmail({ idempotencyKey: intent.key, to: intent.to, subject: groupSubjectOf({ ...g, since: intent.since ?? g.since }), html: body.html, text: body.text }, [g.caseUrl]);
      },
      chat: (key, channel, destination, state) => {
        const g = summary(state, 'unacknowledged');
        return defangChat({ idempotencyKey: key, channel, destination, title: groupSubjectOf(g), text: `${renderGroupEmail(g).text}` }, [g.caseUrl]);
      },
      alertId: (state) => state?.lastAlertId ?? event.data.alertId,
      actionId: (intent) => intent.key,
    });
  };

  // An analyst's disposition acknowledges the alert's case group: its escalation timer, when due, does nothing.
  const onDisposition = async (event: EventByType<'soc.alert.dispositioned.v1'>) => {
    const d = event.data;
    const groupKey = d.caseGroup ?? caseGroupKeyOfDisposition(d);
    await deps.groups.update(d.tenantId, groupKey, (current) => {
      const events = decide(current, { kind: 'Acknowledge', by: d.analyst, at: d.at });
      return events.length > 0 ? apply(current, events) : undefined;
    });
    return { emit: [] };
  };

  // A report goes to its recipients once per report id (the mailer's idempotency key). It belongs to no alert, so
  // no soc.notification.sent.v1 (an alert-journey event) follows.
  const sendReport = async (event: EventByType<'soc.report.generated.v1'>) => {
    const { reportId, recipients, subject, html, text } = event.data;
    await deps.mailer.send(defangEmail({ idempotencyKey: `report-${reportId}`, to: recipients, subject, html, text }));
    return { emit: [] };
  };
  return dispatch('notification', { 'soc.decision.made.v2': onDecision, 'soc.report.generated.v1': sendReport, 'soc.notification.due.v1': onDue, 'soc.alert.dispositioned.v1': onDisposition });
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

/**
 * When the bus is to deliver a timer due at `at`: then, but never further ahead than the bus accepts (7 days,
 * `MAX_DELIVERY_DELAY_MS`) less a minute — a policy's longest escalation is exactly 7 days after the decision, and
 * another pod's clock may run ahead. A timer delivered early still carries its `at`, which the decider checks.
 */
export function deliverAtOf(at: string, now: Date): Date {
  return new Date(Math.min(Date.parse(at), now.getTime() + MAX_DELIVERY_DELAY_MS - 60_000));
}
