import { describe, expect, it } from 'vitest';
import { RUNBOOKS } from '@soc/containment-requests';
import { SLACK_CARD_ACTIONS, renderSlackMessage } from '../src/adapters/slack/slack-card.ts';
import type { ChatCard } from '../src/ports.ts';

const card = (approvals: ChatCard['approvals']): ChatCard => ({
  verdict: 'true-positive',
  severity: 'critical',
  score: 92,
  factors: [],
  entities: [],
  attack: [],
  caseUrl: 'https://soc.example.org/api/v1/alerts/alt-1',
  alertId: 'alt-1',
  approvals,
});

type Button = { action_id: string; confirm?: { title: { text: string }; text: { text: string } } };
const buttons = (c: ChatCard): Button[] =>
  renderSlackMessage({ idempotencyKey: 'k', channel: 'slack', destination: 'soc', title: 't', text: 'x', card: c }).blocks.flatMap((b) => ((b as { elements?: Button[] }).elements ?? []).filter((e) => e.action_id?.startsWith('containment.')));

describe('the Slack card of a runbook that cannot be undone (issue 14)', () => {
  it('asks in the confirmation dialog, and its Approve button says the approver confirmed it', () => {
    const [approve, deny] = buttons(card([{ requestId: 'cr-1', bindingHash: 'a'.repeat(64), runbook: 'revoke-sessions', target: 'user alice@contoso.com', cannotBeUndone: RUNBOOKS['revoke-sessions'].cannotBeUndone! }]));
    expect(approve?.action_id).toBe(SLACK_CARD_ACTIONS.approveIrreversible);
    expect(approve?.confirm?.title.text).toBe('Approve? This cannot be undone');
    expect(approve?.confirm?.text.text).toContain('Cannot be undone: revoked sessions stay revoked');
    expect(deny?.action_id).toBe(SLACK_CARD_ACTIONS.deny);
  });

  it('a reversible runbook keeps the plain Approve', () => {
    const [approve] = buttons(card([{ requestId: 'cr-2', bindingHash: 'b'.repeat(64), runbook: 'isolate-host', target: 'host ws-1' }]));
    expect(approve?.action_id).toBe(SLACK_CARD_ACTIONS.approve);
    expect(approve?.confirm?.title.text).toBe('Approve containment?');
  });
});
