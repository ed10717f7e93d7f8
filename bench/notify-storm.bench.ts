/**
 * Noise-control storm benchmark (issue 13): the measured shape of a SOC storm — 60,000 decisions forming 3,000 case
 * groups (5 rules × 600 recurring hosts, each alert medium and undecided, asking for an e-mail, a Teams card and a
 * local ticket) — through the notification and ticketing services on the embedded default (SQLite bus and state,
 * outbox, local tickets), with one risk escalation per 100 groups. Prints e-mails, cards, tickets and the time.
 * Before noise control the same shape gave 40,019 e-mails and 19,947 tickets.
 *
 *   npm run bench:notify                     # 60,000 alerts in 3,000 groups
 *   BENCH_ALERTS=6000 BENCH_GROUPS=300 npm run bench:notify
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EventByType, parseEvent } from '@soc/contracts';
import { notificationService } from '@soc/notification';
import { runServices } from '@soc/platform';
import { ticketingService } from '@soc/ticketing';

const ALERTS = Number(process.env.BENCH_ALERTS ?? 60_000);
const GROUPS = Number(process.env.BENCH_GROUPS ?? 3_000);
const RULES = 5;

const parsed = parseEvent(JSON.parse(readFileSync(new URL('../contracts/fixtures/soc.decision.made.v2.json', import.meta.url), 'utf8')));
if (!parsed.ok || parsed.event.type !== 'soc.decision.made.v2') throw new Error('fixture');
const template = parsed.event;

function decision(n: number, level: 'medium' | 'high' = 'medium'): EventByType<'soc.decision.made.v2'> {
  const group = n % GROUPS;
  const event = structuredClone(template);
  event.id = randomUUID();
  event.subject = `alt-storm-${n}`;
  event.data.alert.alertId = `alt-storm-${n}`;
  event.data.alert.rule = { id: `RULE-${group % RULES}` };
  event.data.alert.entities = event.data.alert.entities.map((e) => (e.type === 'host' ? { ...e, id: `host:ws-${Math.floor(group / RULES)}`, value: `ws-${Math.floor(group / RULES)}` } : e));
  event.data.triage.risk.level = level;
  event.data.triage.verdict.class = 'needs-more-information';
  event.data.actions = event.data.actions
    .filter((a) => a.kind === 'SendEmail' || a.kind === 'PostChat' || a.kind === 'CreateTicket')
    .map((a) => ({ ...a, actionId: `${a.actionId.slice(0, 24)}-${n}`, ...(a.kind === 'CreateTicket' ? { system: 'local' as const } : {}) }));
  return event;
}

const dataDir = mkdtempSync(join(tmpdir(), 'soc-notify-bench-'));
const system = await runServices([notificationService, ticketingService], {
  env: { SOC_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', SOC_SENDER_TOKEN: 'bench-sender-token-0123456789abcdef', SOC_API_TOKEN: 'bench-api-token-0123456789abcdef01', LOG_LEVEL: 'silent' },
  handleSignals: false,
});
const escalations = Math.floor(GROUPS / 100);
const started = performance.now();
try {
  const { bus } = system.platform;
  // The case view's subscription, read here to count the tickets ticketing created (and drained like the others).
  const ticketIds = new Set<string>();
  const caseView = bus.subscribe({ subscription: 'case-view', maxConcurrency: 16 }, async (event) => {
    if (event.type === 'soc.ticket.created.v1') ticketIds.add(event.data.ticketId);
    return { emit: [] };
  });
  for (let i = 0; i < ALERTS; i += 500) await bus.publish(Array.from({ length: Math.min(500, ALERTS - i) }, (_, k) => decision(i + k)));
  await bus.publish(Array.from({ length: escalations }, (_, g) => decision(ALERTS + g * 100, 'high')));
  for (let idle = 0; idle < 2; ) {
    // Every subscription this process consumes (containment does not run here).
    const depth = (await bus.depth()).filter((d) => d.subscription !== 'containment');
    const active = depth.reduce((n, d) => n + d.active, 0);
    if (process.env.BENCH_DEBUG) console.error(JSON.stringify(depth.filter((d) => d.active > 0)));
    idle = active === 0 ? idle + 1 : 0;
    await new Promise((r) => setTimeout(r, 500));
  }
  const seconds = (performance.now() - started) / 1000;
  const outbox = readdirSync(join(dataDir, 'outbox'));
  await caseView.close();
  const deadLetters = (await bus.depth()).filter((d) => d.subscription !== 'containment').reduce((n, d) => n + d.deadLettered, 0);
  console.log(
    JSON.stringify({
      bench: 'notify-storm',
      alerts: ALERTS + escalations,
      groups: GROUPS,
      escalations,
      emails: outbox.filter((f) => f.endsWith('.eml')).length,
      cards: outbox.filter((f) => f.endsWith('.teams.json')).length,
      tickets: ticketIds.size,
      deadLetters,
      seconds: Math.round(seconds * 10) / 10,
      alertsPerSecond: Math.round((ALERTS + escalations) / seconds),
      cpus: cpus().length,
      target: { emails: `≤ ${GROUPS} + ${escalations}`, cards: `≤ ${GROUPS}`, tickets: `≤ ${GROUPS}` },
    }),
  );
} finally {
  await system.close();
  rmSync(dataDir, { recursive: true, force: true });
}
