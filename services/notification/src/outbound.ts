import { defang, defangHtml } from '@soc/outbound';
import type { OutgoingChat, OutgoingEmail } from './ports.ts';

/**
 * The boundary every e-mail passes on its way to a transport: subject, plain text and HTML are defanged whole
 * (alert text reaches titles, summaries, next steps, evidence and copilot advice, not only the entity table), and
 * only `keep` — our own case link — stays a live link.
 */
export function defangEmail(email: OutgoingEmail, keep: readonly string[] = []): OutgoingEmail {
  return { ...email, subject: defang(email.subject, { keep }), text: defang(email.text, { keep }), html: defangHtml(email.html, { keep }) };
}

/** The same boundary for chat messages (Teams, Slack). */
export function defangChat(message: OutgoingChat, keep: readonly string[] = []): OutgoingChat {
  return { ...message, title: defang(message.title, { keep }), text: defang(message.text, { keep }) };
}
