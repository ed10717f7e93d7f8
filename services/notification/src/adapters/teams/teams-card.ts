import type { CardApproval, ChatCard, OutgoingChat } from '../../ports.ts';

/** The `verb`s of our cards' `Action.Execute` buttons; the api's Teams bot endpoint acts on these (`TEAMS_VERBS` there). */
export const TEAMS_CARD_VERBS = { approve: 'containment.approve', approveIrreversible: 'containment.approve-irreversible', deny: 'containment.deny' } as const;

/**
 * The id of the toggle by which an approver confirms that a request's runbook cannot be (fully) undone: the bot
 * endpoint approves `containment.approve-irreversible` only when this input came back `true` (a wire convention the
 * api's bot route repeats).
 */
export const confirmInputId = (requestId: string): string => `confirmIrreversible:${requestId}`;

/** The content type of an Adaptive Card attachment (Bot Framework activities and Teams webhooks alike). */
export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

/** An Adaptive Card element or action, as far as we build them. */
export type AdaptiveElement = Record<string, unknown>;

/** An Adaptive Card 1.5 (the version Teams renders on desktop, web and mobile). */
export interface AdaptiveCard {
  type: 'AdaptiveCard';
  $schema: 'http://adaptivecards.io/schemas/adaptive-card.json';
  version: '1.5';
  body: AdaptiveElement[];
  actions: AdaptiveElement[];
  msteams: { width: 'Full' };
}

/**
 * How a card offers Approve / Deny: `execute` — `Action.Execute` buttons (Universal Actions) a bot receives as an
 * `adaptiveCard/action` invoke; `link` — where no bot receives clicks (a Workflows webhook), an `Action.OpenUrl` to
 * the request's approval page, where the approver decides with their own credentials.
 */
export type ApprovalMode = { kind: 'execute' } | { kind: 'link'; approvalUrl: (approval: CardApproval) => string };

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/**
 * Alert-derived text goes only into `TextRun`s of `RichTextBlock`s: unlike a `TextBlock`, a `TextRun` renders no
 * Markdown, so alert text cannot write a link (`[click](…)`), emphasis or a list. It is defanged before it gets here
 * (`defangChat`), and `<` `>` become `‹` `›` besides, so no Teams tag (`<at>…</at>`) is sent at all.
 */
const run = (text: string, style: Record<string, unknown> = {}, max = 2000): AdaptiveElement => ({
  type: 'RichTextBlock',
  inlines: [{ type: 'TextRun', text: clip(text.replace(/</g, '‹').replace(/>/g, '›'), max) || ' ', ...style }],
});

const VERDICT_LABEL: Readonly<Record<string, string>> = {
  'true-positive': 'True positive',
  'benign-positive': 'Benign positive',
  'false-positive': 'False positive',
  'needs-more-information': 'Needs more information',
};

/** The card shell around a body and card-level actions. */
const cardOf = (body: AdaptiveElement[], actions: AdaptiveElement[] = []): AdaptiveCard => ({
  type: 'AdaptiveCard',
  $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
  version: '1.5',
  body,
  actions,
  msteams: { width: 'Full' },
});

/**
 * The case card as an Adaptive Card 1.5: verdict, risk level and score; the alert title; the largest score factors,
 * entities of note and ATT&CK techniques; "Open case" (`Action.OpenUrl` to the case link, the one live link); and for
 * each pending containment request, Approve / Deny (see {@link ApprovalMode}). An `Action.Execute` carries the request
 * id and binding hash only: the api checks everything else on its record. Pure.
 */
export function adaptiveCardOf(title: string, card: ChatCard, approvals: ApprovalMode = { kind: 'execute' }): AdaptiveCard {
  const verdict = VERDICT_LABEL[card.verdict] ?? card.verdict;
  const body: AdaptiveElement[] = [
    run(`${verdict} · ${card.severity.toUpperCase()} ${card.score}`, { weight: 'Bolder', size: 'Medium' }, 150),
    run(title),
    run(`Verdict: ${verdict}`),
    run(`Risk: ${card.severity} · ${card.score}/100`),
  ];
  if (card.factors.length > 0) {
    body.push(run('Why this score:', { weight: 'Bolder' }));
    for (const f of card.factors) body.push(run(`${f.points >= 0 ? '+' : ''}${f.points}  ${f.name}`));
  }
  if (card.entities.length > 0) {
    body.push(run('Entities of note:', { weight: 'Bolder' }));
    for (const e of card.entities) body.push(run(`${e.type}: ${e.value}`));
  }
  if (card.attack.length > 0) body.push(run(`ATT&CK: ${card.attack.join(', ')}`));
  // At most 10 requests, as on the Slack card: a card stays well within Teams' 28 KB message limit.
  for (const a of card.approvals.slice(0, 10)) {
    body.push(run(`Containment awaiting approval: ${a.runbook} on ${a.target}`, { weight: 'Bolder' }));
    const data = { requestId: a.requestId, bindingHash: a.bindingHash };
    const irreversible = a.cannotBeUndone !== undefined && approvals.kind === 'execute';
    // A runbook that cannot be (fully) undone says so, and its Approve needs the toggle that confirms it.
    if (irreversible) {
      body.push(run(`Cannot be undone: ${a.cannotBeUndone ?? ''}`, { color: 'Attention' }));
      body.push({ type: 'Input.Toggle', id: confirmInputId(a.requestId), label: 'Confirm', title: 'I understand this cannot be undone', value: 'false', isRequired: true, errorMessage: 'Confirm that this cannot be undone to approve it' });
    }
    body.push({
      type: 'ActionSet',
      actions:
        approvals.kind === 'execute'
          ? [
              irreversible
                ? { type: 'Action.Execute', title: 'Approve', verb: TEAMS_CARD_VERBS.approveIrreversible, data, style: 'positive', associatedInputs: 'auto' }
                : { type: 'Action.Execute', title: 'Approve', verb: TEAMS_CARD_VERBS.approve, data, style: 'positive' },
              { type: 'Action.Execute', title: 'Deny', verb: TEAMS_CARD_VERBS.deny, data, style: 'destructive' },
            ]
          : [{ type: 'Action.OpenUrl', title: 'Review, approve or deny', url: approvals.approvalUrl(a) }],
    });
  }
  body.push(run(`Alert ${card.alertId} · SOC Copilot · raw payloads are never posted`, { isSubtle: true, size: 'Small' }));
  return cardOf(body, [{ type: 'Action.OpenUrl', title: 'Open case', url: card.caseUrl }]);
}

/** A chat message as an Adaptive Card: the case card when it has one, else its title and text. Pure. */
export function renderTeamsCard(message: OutgoingChat, approvals: ApprovalMode = { kind: 'execute' }): AdaptiveCard {
  if (message.card === undefined) return cardOf([run(message.title, { weight: 'Bolder' }), run(message.text, {}, 4000)]);
  return adaptiveCardOf(message.title, message.card, approvals);
}
