import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EventByType, parseEvent } from '@soc/contracts';
import { MemoryStateStore } from '@soc/state';
import {
  StateCaseGroupStore,
  type OutgoingChat,
  type OutgoingEmail,
  OutboxMailer,
  makeNotificationHandler,
} from '@soc/notification';

/** The fixed clock of every sample: the same bytes on every run. */
export const SAMPLE_TIME = new Date('2026-11-23T09:00:00.000Z');
/** The `SOC_PUBLIC_URL` of the samples. */
export const SAMPLE_PUBLIC_URL = 'https://soc.contoso.com';
/** The Slack destination the sample decision posts to. */
export const SAMPLE_SLACK_DESTINATION = 'soc-alerts';

/**
 * What an attacker wrote into the alert: markup, a live-looking link and an "approve here" lure. The samples show
 * it arrives escaped and defanged in every channel.
 */
export const ATTACKER_TITLE =
  'Suspicious PowerShell command line <img src=x onerror=alert(1)> — urgent: approve at https://login-micros0ft.example/approve';
export const ATTACKER_STEP =
  'Verify the payload at https://evil.example/stage2.ps1 and <a href="https://evil.example/reset">reset the password here</a>.';

/** The notification samples of one decision, as the notification service sends them. */
export interface NotificationSamples {
  decision: EventByType<'soc.decision.made.v2'>;
  /** The e-mail as the handler handed it to its transport (escaped, defanged). */
  email: OutgoingEmail;
  /** The RFC 5322 message the outbox transport composed from it (nodemailer's MailComposer). */
  eml: Buffer;
  teams: OutgoingChat;
  slack: OutgoingChat;
}

/**
 * The contract fixture's decision (a Microsoft Sentinel alert: encoded PowerShell from a macro, score 88, three
 * containments awaiting approval) with attacker text in its title and next steps, and a Slack destination besides
 * its Teams one.
 */
export function sampleDecision(): EventByType<'soc.decision.made.v2'> {
  const parsed = parseEvent(
    JSON.parse(readFileSync(new URL('../../contracts/fixtures/soc.decision.made.v2.json', import.meta.url), 'utf8')),
  );
  if (!parsed.ok) throw new Error(`contract fixture: ${parsed.description}`);
  if (parsed.event.type !== 'soc.decision.made.v2') throw new Error('contract fixture: not a decision');
  const event = structuredClone(parsed.event);
  event.time = SAMPLE_TIME.toISOString();
  event.data.alert.title = ATTACKER_TITLE;
  event.data.triage.nextSteps = [...event.data.triage.nextSteps, ATTACKER_STEP];
  event.data.actions = [
    ...event.data.actions,
    {
      actionId: '0c1f7a52-5d7e-4c1b-9a3e-2b6f8e4d7a10',
      kind: 'PostChat',
      reason: 'Critical risk: post to the SOC channel',
      channel: 'slack',
      destination: SAMPLE_SLACK_DESTINATION,
    },
  ];
  return event;
}

/**
 * Runs the decision through the notification service's own handler (noise control, rendering, escalation and
 * defanging as in production) with the outbox e-mail transport, and keeps what it sends.
 */
export async function notificationSamples(decision = sampleDecision()): Promise<NotificationSamples> {
  const dir = await mkdtemp(join(tmpdir(), 'soc-docs-outbox-'));
  try {
    const outbox = new OutboxMailer({ dir, from: 'soc-copilot@contoso.com', now: () => SAMPLE_TIME });
    const emails: OutgoingEmail[] = [];
    const chats: OutgoingChat[] = [];
    const handle = makeNotificationHandler({
      mailer: { send: (email) => (emails.push(email), outbox.send(email)) },
      chat: { post: async (m) => (chats.push(m), `docs:${m.idempotencyKey}`), update: async (ref) => ref },
      groups: new StateCaseGroupStore(new MemoryStateStore()),
      clock: { now: () => SAMPLE_TIME },
      publicUrl: SAMPLE_PUBLIC_URL,
    });
    await handle(decision, { subscription: 'notification', deliveryCount: 1, signal: new AbortController().signal });
    const [email] = emails;
    const teams = chats.find((m) => m.channel === 'teams');
    const slack = chats.find((m) => m.channel === 'slack');
    if (!email || !teams || !slack)
      throw new Error(
        `the handler sent ${emails.length} e-mail(s) and ${chats.map((m) => m.channel).join(', ') || 'no'} card(s); the samples need one e-mail, a Teams and a Slack card`,
      );
    const [file] = (await readdir(dir)).filter((f) => f.endsWith('.eml'));
    if (!file) throw new Error('the outbox wrote no .eml');
    return { decision, email, eml: await readFile(join(dir, file)), teams, slack };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
