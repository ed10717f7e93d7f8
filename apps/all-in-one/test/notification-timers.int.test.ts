import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, describe, expect, it } from 'vitest';
import { AlertDispositionedV1, type EventByType, caseGroupKey, createEvent, parseEvent } from '@soc/contracts';
import { notificationService } from '@soc/notification';
import { runServices } from '@soc/platform';
import { OPERATOR_TOKEN, TOKEN, eventually } from './support.ts';

const fixture = (): EventByType<'soc.decision.made.v2'> => {
  const parsed = parseEvent(JSON.parse(readFileSync(new URL('../../../contracts/fixtures/soc.decision.made.v2.json', import.meta.url), 'utf8')));
  if (!parsed.ok || parsed.event.type !== 'soc.decision.made.v2') throw new Error('fixture');
  return parsed.event;
};

/** Decision `n` of case group `group` (its own host), decided `ago` ms before now, asking for an e-mail and a card. */
function decision(group: string, n: number, ago: number, change: (e: EventByType<'soc.decision.made.v2'>) => void = () => {}): EventByType<'soc.decision.made.v2'> {
  const event = fixture();
  const alertId = `alt-${group}-${n}`;
  event.id = randomUUID();
  event.time = new Date(Date.now() - ago).toISOString();
  event.subject = alertId;
  event.data.alert.alertId = alertId;
  event.data.alert.entities = event.data.alert.entities.map((e) => (e.type === 'host' ? { ...e, id: `host:ws-${group}`, value: `ws-${group}` } : e));
  event.data.triage.risk.level = 'high';
  event.data.triage.verdict.class = 'needs-more-information';
  event.data.actions = event.data.actions
    .filter((a) => a.kind === 'SendEmail' || a.kind === 'PostChat')
    .map((a) => ({ ...a, actionId: `${a.actionId.slice(0, 24)}-${group}-${n}`, ...(a.kind === 'SendEmail' ? { to: ['soc@example.org'], digestMinutes: 1 } : {}) }));
  change(event);
  return event;
}

/**
 * Issue 13 points 4 and 5 on the embedded default (SQLite bus with `deliverat`, outbox): a case group's digest at the
 * end of its window, and an unacknowledged critical case escalating to its next destination — while an acknowledged
 * one does not. The decisions are dated in the past so their timers fall due at once (or in a few seconds).
 */
describe('notification timers on the embedded default', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'soc-timers-'));
  const env = { SOC_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', SOC_SENDER_TOKEN: TOKEN, SOC_API_TOKEN: OPERATOR_TOKEN, LOG_LEVEL: 'silent' };
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const outbox = join(dataDir, 'outbox');
  const mails = async () => {
    let files: string[] = [];
    try {
      files = readdirSync(outbox).filter((f) => f.endsWith('.eml'));
    } catch {
      return [];
    }
    return Promise.all(files.map(async (f) => ({ file: f, mail: await simpleParser(readFileSync(join(outbox, f))) })));
  };
  const to = (m: Awaited<ReturnType<typeof mails>>[number]) => (Array.isArray(m.mail.to) ? m.mail.to : m.mail.to ? [m.mail.to] : []).flatMap((a) => a.value.map((v) => v.address));

  it('a digest sums up the alerts that sent no e-mail; an unacknowledged case escalates once; an acknowledged one does not', async () => {
    const system = await runServices([notificationService], { env, handleSignals: false });
    try {
      const { bus } = system.platform;
      // Digest: the first alert mails (its window of 1 minute already over), two more fold in silently.
      const first = decision('dg', 1, 5 * 60_000);
      await bus.publish([first]);
      await eventually(async () => ((await mails()).length === 1 ? true : undefined), 15_000, 'the first e-mail');
      await bus.publish([decision('dg', 2, 4 * 60_000)]);
      await bus.publish([decision('dg', 3, 4 * 60_000 - 1000)]);
      const digests = await eventually(
        async () => {
          const found = (await mails()).filter((m) => m.mail.subject?.startsWith('[SOC digest:'));
          const summed = found.reduce((sum, m) => sum + Number(/digest: (\d+) more/.exec(m.mail.subject ?? '')?.[1] ?? 0), 0);
          return summed === 2 ? found : undefined;
        },
        20_000,
        'the digest of the two silent alerts',
      );
      expect(digests.length).toBeGreaterThanOrEqual(1);
      expect(digests.length).toBeLessThanOrEqual(2);
      const digest = digests[0]!;
      expect(to(digest)).toEqual(['soc@example.org']);
      expect(digest.mail.text).toContain(`/#/case/alt-dg-`);
      expect(digest.mail.text).not.toMatch(/https?:\/\/(?!localhost|127\.0\.0\.1)[a-z0-9-]+\.[a-z]/i);

      // Escalation: a critical case whose policy escalates to on-call after 1 minute, decided 2 minutes ago.
      const escalation = (e: EventByType<'soc.decision.made.v2'>) => {
        e.data.triage.risk.level = 'critical';
        e.data.escalation = { actionId: `act-esc-${e.data.alert.alertId}`, kind: 'Escalate', reason: 'critical and unacknowledged', afterMinutes: 1, email: { to: ['oncall@example.org'] } };
      };
      await bus.publish([decision('esc', 1, 2 * 60_000, escalation)]);
      const unacked = await eventually(async () => (await mails()).find((m) => m.mail.subject?.startsWith('[SOC UNACKNOWLEDGED CRITICAL]')), 20_000, 'the escalation e-mail');
      expect(to(unacked)).toEqual(['oncall@example.org']);
      expect(unacked.mail.text).toContain('has not been acknowledged');

      // Acknowledged: the same plan, due in 4 s; the analyst's disposition arrives first.
      const acked = decision('ack', 1, 60_000 - 4_000, escalation);
      await bus.publish([acked]);
      await eventually(async () => ((await mails()).some((m) => m.mail.text?.includes('/#/case/alt-ack-1')) ? true : undefined), 10_000, 'the acknowledged case\'s first e-mail');
      const { alert } = acked.data;
      await bus.publish([
        createEvent(
          AlertDispositionedV1,
          {
            alertId: alert.alertId,
            tenantId: alert.tenantId,
            rule: { source: alert.source.name, ...(alert.rule?.id ? { id: alert.rule.id } : {}), title: alert.title },
            entityIds: alert.entities.filter((e) => e.origin !== 'extracted').map((e) => e.id),
            caseGroup: caseGroupKey(alert),
            disposition: 'true-positive',
            analyst: 'alice',
            at: new Date().toISOString(),
          },
          { id: randomUUID(), time: new Date(), source: '/soc/api', correlationid: acked.correlationid, tenantid: acked.tenantid, subject: alert.alertId },
        ),
      ]);
      await new Promise((r) => setTimeout(r, 7_000));
      const escalated = (await mails()).filter((m) => m.mail.subject?.startsWith('[SOC UNACKNOWLEDGED'));
      expect(escalated.map((m) => m.mail.text?.includes('alt-ack-1'))).toEqual([false]);
      expect(await bus.deadLetters.list()).toEqual([]);
    } finally {
      await system.close();
    }
  }, 90_000);
});
