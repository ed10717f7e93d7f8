import type { ChatCard, OutgoingChat } from '../../ports.ts';

/** The button ids Slack posts back to the api's interactions endpoint (`SLACK_ACTIONS` there). */
export const SLACK_CARD_ACTIONS = { approve: 'containment.approve', approveIrreversible: 'containment.approve-irreversible', deny: 'containment.deny', openCase: 'case.open' } as const;

/** A Block Kit block, as far as we build them. */
export type SlackBlock = Record<string, unknown>;

// Block Kit limits: header text 150 characters, section text 3,000, a field 2,000, 50 blocks a message.
const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);
/**
 * Alert-derived text goes in `plain_text` objects only: Slack parses no markup there, so alert text cannot write a
 * mention (`<!channel>`), a link (`<https://…|click>`) or formatting. It is defanged before it gets here, and `<` `>`
 * become `‹` `›` besides, so no Slack control sequence is sent at all, whatever a client does with plain text.
 */
const plain = (text: string, max = 3000) => ({ type: 'plain_text', text: clip(text.replace(/</g, '‹').replace(/>/g, '›'), max) || ' ', emoji: false });
const VERDICT_LABEL: Readonly<Record<string, string>> = {
  'true-positive': 'True positive',
  'benign-positive': 'Benign positive',
  'false-positive': 'False positive',
  'needs-more-information': 'Needs more information',
};

/** The blocks of a case card: header (verdict, severity), score, top factors, entities of note, ATT&CK, case link, Approve / Deny per pending request. */
function cardBlocks(title: string, card: ChatCard): SlackBlock[] {
  const verdict = VERDICT_LABEL[card.verdict] ?? card.verdict;
  const blocks: SlackBlock[] = [
    { type: 'header', text: plain(`${verdict} · ${card.severity.toUpperCase()} ${card.score}`, 150) },
    { type: 'section', text: plain(title) },
    {
      type: 'section',
      fields: [plain(`Verdict: ${verdict}`, 2000), plain(`Risk: ${card.severity} · ${card.score}/100`, 2000)],
    },
  ];
  if (card.factors.length > 0) {
    blocks.push({ type: 'section', text: plain(`Why this score:\n${card.factors.map((f) => `${f.points >= 0 ? '+' : ''}${f.points}  ${f.name}`).join('\n')}`) });
  }
  if (card.entities.length > 0) blocks.push({ type: 'section', text: plain(`Entities of note:\n${card.entities.map((e) => `${e.type}: ${e.value}`).join('\n')}`) });
  if (card.attack.length > 0) blocks.push({ type: 'section', text: plain(`ATT&CK: ${card.attack.join(', ')}`) });
  blocks.push({
    type: 'actions',
    block_id: 'case',
    elements: [{ type: 'button', action_id: SLACK_CARD_ACTIONS.openCase, text: plain('Open case', 75), url: card.caseUrl }],
  });
  // One block per request: action ids are unique within a block. At most 10, within Slack's 50 blocks.
  for (const [i, a] of card.approvals.slice(0, 10).entries()) {
    // The value names the request and the hash an approval must quote; the api checks everything else on its record.
    const value = JSON.stringify({ requestId: a.requestId, bindingHash: a.bindingHash });
    blocks.push({ type: 'section', text: plain(`Containment awaiting approval: ${a.runbook} on ${a.target}`) });
    blocks.push({
      type: 'actions',
      block_id: `containment-${i}`,
      elements: [
        {
          type: 'button',
          // An irreversible runbook's button says what cannot be undone in Slack's confirmation dialog, and its own
          // action id tells the API the approver confirmed it (Slack sends the click only after the dialog).
          action_id: a.cannotBeUndone !== undefined ? SLACK_CARD_ACTIONS.approveIrreversible : SLACK_CARD_ACTIONS.approve,
          style: 'primary',
          text: plain('Approve', 75),
          value,
          confirm: {
            title: plain(a.cannotBeUndone !== undefined ? 'Approve? This cannot be undone' : 'Approve containment?', 100),
            text: plain(a.cannotBeUndone !== undefined ? `${a.runbook} on ${a.target}. Cannot be undone: ${a.cannotBeUndone}` : `${a.runbook} on ${a.target}`, 300),
            confirm: plain('Approve', 30),
            deny: plain('Cancel', 30),
          },
        },
        { type: 'button', action_id: SLACK_CARD_ACTIONS.deny, style: 'danger', text: plain('Deny', 75), value },
      ],
    });
  }
  blocks.push({ type: 'context', elements: [plain(`Alert ${card.alertId} · SOC Copilot · raw payloads are never posted`, 2000)] });
  return blocks;
}

/**
 * A chat message as Slack Block Kit: the case card when the message has one, else its title and text. `text` is the
 * notification fallback (what a phone or screen reader shows), plain. Pure: the poster sends it.
 */
export function renderSlackMessage(message: OutgoingChat): { text: string; blocks: SlackBlock[] } {
  const text = clip(`${message.title}\n${message.text}`, 3000);
  if (message.card === undefined) return { text, blocks: [{ type: 'section', text: plain(message.title) }, { type: 'section', text: plain(message.text) }] };
  return { text, blocks: cardBlocks(message.title, message.card) };
}
