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

/** The same boundary for chat messages (Teams, Slack): title, text and every string of the card but its case link. */
export function defangChat(message: OutgoingChat, keep: readonly string[] = []): OutgoingChat {
  const d = (text: string) => defang(text, { keep });
  const { card } = message;
  return {
    ...message,
    title: d(message.title),
    text: d(message.text),
    ...(card
      ? {
          card: {
            ...card,
            verdict: d(card.verdict),
            severity: d(card.severity),
            factors: card.factors.map((f) => ({ name: d(f.name), points: f.points })),
            entities: card.entities.map((e) => ({ type: d(e.type), value: d(e.value) })),
            attack: card.attack.map(d),
            approvals: card.approvals.map((a) => ({ ...a, runbook: d(a.runbook), target: d(a.target) })),
          },
        }
      : {}),
  };
}
