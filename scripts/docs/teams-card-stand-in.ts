import type { OutgoingChat } from '@soc/notification';

/**
 * STAND-IN, for the docs' picture only, until the Teams adapter's own `adaptiveCardOf` (services/notification,
 * adapters/teams) is merged: then the import in `notification-screenshots.ts` takes that one instead and this file
 * goes. It builds an Adaptive Card 1.5 from the same ChatCard facts the Slack card shows — header, title, verdict and
 * risk, top factors, entities of note, ATT&CK, one Approve / Deny (`Action.Execute`) per pending containment, the
 * case link — so the picture is Microsoft's renderer showing our facts, not the Teams adapter's exact layout.
 */
export function adaptiveCardOf(message: OutgoingChat): Record<string, unknown> {
  const card = message.card;
  const text = (value: string, extra: Record<string, unknown> = {}) => ({
    type: 'TextBlock',
    text: value,
    wrap: true,
    ...extra,
  });
  if (card === undefined)
    return {
      type: 'AdaptiveCard',
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
      version: '1.5',
      body: [text(message.title, { weight: 'Bolder' }), text(message.text)],
    };
  const urgent = card.severity === 'high' || card.severity === 'critical';
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    body: [
      text(`${card.verdict} · ${card.severity.toUpperCase()} ${card.score}`, {
        size: 'Large',
        weight: 'Bolder',
        color: urgent ? 'Attention' : 'Default',
      }),
      text(message.title),
      {
        type: 'FactSet',
        facts: [
          { title: 'Verdict', value: card.verdict },
          { title: 'Risk', value: `${card.severity} · ${card.score}/100` },
        ],
      },
      ...(card.factors.length > 0
        ? [
            text('Why this score', { weight: 'Bolder', spacing: 'Medium' }),
            {
              type: 'FactSet',
              facts: card.factors.map((f) => ({ title: `${f.points >= 0 ? '+' : ''}${f.points}`, value: f.name })),
            },
          ]
        : []),
      ...(card.entities.length > 0
        ? [
            text('Entities of note', { weight: 'Bolder', spacing: 'Medium' }),
            { type: 'FactSet', facts: card.entities.map((e) => ({ title: e.type, value: e.value })) },
          ]
        : []),
      ...(card.attack.length > 0 ? [text(`ATT&CK: ${card.attack.join(', ')}`, { spacing: 'Medium' })] : []),
      ...card.approvals.slice(0, 10).flatMap((a) => [
        text(`Containment awaiting approval: ${a.runbook} on ${a.target}`, { spacing: 'Medium', weight: 'Bolder' }),
        {
          type: 'ActionSet',
          actions: [
            {
              type: 'Action.Execute',
              title: 'Approve',
              verb: 'containment.approve',
              style: 'positive',
              data: { requestId: a.requestId, bindingHash: a.bindingHash },
            },
            {
              type: 'Action.Execute',
              title: 'Deny',
              verb: 'containment.deny',
              style: 'destructive',
              data: { requestId: a.requestId, bindingHash: a.bindingHash },
            },
          ],
        },
      ]),
      text(`Alert ${card.alertId} · SOC Copilot · raw payloads are never posted`, {
        size: 'Small',
        isSubtle: true,
        spacing: 'Medium',
      }),
    ],
    actions: [{ type: 'Action.OpenUrl', title: 'Open case', url: card.caseUrl }],
  };
}
