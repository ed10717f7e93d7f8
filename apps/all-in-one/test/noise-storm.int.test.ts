import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, describe, expect, it } from 'vitest';
import { type EventByType, caseGroupKey, parseEvent } from '@soc/contracts';
import { notificationService } from '@soc/notification';
import { runServices } from '@soc/platform';
import { ticketingService } from '@soc/ticketing';
import { OPERATOR_TOKEN, TOKEN, eventually } from './support.ts';

const ALERTS = 2_000;
const GROUPS = 100;

const fixture = (): EventByType<'soc.decision.made.v2'> => {
  const parsed = parseEvent(JSON.parse(readFileSync(new URL('../../../contracts/fixtures/soc.decision.made.v2.json', import.meta.url), 'utf8')));
  if (!parsed.ok || parsed.event.type !== 'soc.decision.made.v2') throw new Error('fixture');
  return parsed.event;
};

/**
 * Decision `n` of a storm: alert n of case group `n % GROUPS` (its own host), a medium, undecided case that asks for
 * an e-mail, a Teams card and a local ticket, as the decision service's policy does for it.
 */
function stormDecision(n: number, change: (e: EventByType<'soc.decision.made.v2'>) => void = () => {}): EventByType<'soc.decision.made.v2'> {
  const event = fixture();
  const alertId = `alt-storm-${n}`;
  event.id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  event.subject = alertId;
  event.data.alert.alertId = alertId;
  event.data.alert.entities = event.data.alert.entities.map((e) => (e.type === 'host' ? { ...e, id: `host:ws-storm-${n % GROUPS}`, value: `ws-storm-${n % GROUPS}` } : e));
  event.data.triage.risk.level = 'medium';
  event.data.triage.verdict.class = 'needs-more-information';
  event.data.actions = event.data.actions
    .filter((a) => a.kind === 'SendEmail' || a.kind === 'PostChat' || a.kind === 'CreateTicket')
    .map((a) => ({ ...a, actionId: `${a.actionId.slice(0, 24)}-${n}`, ...(a.kind === 'CreateTicket' ? { system: 'local' as const } : {}) }));
  change(event);
  return event;
}

interface LocalTicket {
  idempotencyKey: string;
  notes?: { note: string }[];
}

/**
 * Issue 13's done-when for noise control, at the size it names: a storm of 2,000 alerts in 100 case groups gives one e-mail,
 * one card and one ticket per group, the ticket's notes carry the count; one escalation inside a group sends exactly
 * one more e-mail. Notification and ticketing run on the embedded default (SQLite bus and state, outbox, local
 * tickets), each decision delivered with the bus's concurrency, so groups race at their conditional writes.
 */
describe('noise control on the embedded default', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'soc-noise-'));
  const env = { SOC_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', SOC_SENDER_TOKEN: TOKEN, SOC_API_TOKEN: OPERATOR_TOKEN, LOG_LEVEL: 'silent' };
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it(`${ALERTS} alerts in ${GROUPS} case groups: one e-mail, card and ticket per group; an escalation mails once more`, async () => {
    const system = await runServices([notificationService, ticketingService], { env, handleSignals: false });
    const outbox = join(dataDir, 'outbox');
    const files = (suffix: string) => {
      try {
        return readdirSync(outbox).filter((f) => f.endsWith(suffix));
      } catch {
        return [];
      }
    };
    const tickets = async () => (await system.platform.state.query<LocalTicket>('tickets', { limit: 1000 })).map((t) => t.value);
    const notes = (all: readonly LocalTicket[]) => all.reduce((sum, t) => sum + (t.notes?.length ?? 0), 0);
    try {
      const storm = Array.from({ length: ALERTS }, (_, n) => stormDecision(n));
      for (let i = 0; i < storm.length; i += 100) await system.platform.bus.publish(storm.slice(i, i + 100));
      // Every decision handled: each group's ticket has a note at 2, 4, 8 and 16 alerts (not one per alert).
      const milestones = [2, 4, 8, 16, 32, 64].filter((n) => n <= ALERTS / GROUPS);
      await eventually(async () => ((await tickets()).length === GROUPS && notes(await tickets()) === GROUPS * milestones.length ? true : undefined), 60_000, 'the storm to be handled');
      const cardsDone = () => files('.teams.json').every((f) => readFileSync(join(outbox, f), 'utf8').includes(`${ALERTS / GROUPS} alerts in this case group`));
      await eventually(async () => (files('.teams.json').length === GROUPS && cardsDone() ? true : undefined), 30_000, 'every card to show its count');

      expect(files('.eml')).toHaveLength(GROUPS);
      expect(files('.teams.json')).toHaveLength(GROUPS);
      const all = await tickets();
      expect(all).toHaveLength(GROUPS);
      expect(new Set(all.map((t) => t.idempotencyKey))).toEqual(new Set(storm.slice(0, GROUPS).map((d) => `${caseGroupKey(d.data.alert)}:ticket`)));
      for (const ticket of all) {
        expect(ticket.notes).toHaveLength(milestones.length);
        const counts = (ticket.notes ?? []).map((n) => Number(/Case group: (\d+) alerts/.exec(n.note)?.[1]));
        expect(counts.sort((a, b) => a - b)).toEqual(milestones);
      }

      // One escalation inside group 0 (risk medium → high), delivered twice: exactly one more e-mail.
      const escalation = stormDecision(ALERTS, (e) => {
        e.data.triage.risk.level = 'high';
      });
      await system.platform.bus.publish([escalation]);
      await system.platform.bus.publish([{ ...escalation, id: '00000000-0000-4000-8000-999999999999' }]);
      const mails = await eventually(async () => (files('.eml').length > GROUPS ? files('.eml') : undefined), 10_000, 'the escalation e-mail');
      expect(mails).toHaveLength(GROUPS + 1);
      const escalated = mails.find((f) => f.endsWith('_email_2.eml'));
      expect(escalated).toBeDefined();
      expect((await simpleParser(readFileSync(join(outbox, escalated!)))).subject).toMatch(/^\[Escalated: risk medium to high\] /);
      expect(files('.teams.json')).toHaveLength(GROUPS);
      expect(await tickets()).toHaveLength(GROUPS);
    } finally {
      await system.close();
    }
  }, 120_000);
});
