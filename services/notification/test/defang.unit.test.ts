import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { manualClock } from '@soc/runtime';
import { StateCaseGroupStore } from '../src/adapters/state-group-store.ts';
import { MemoryStateStore } from '@soc/state';
import { makeNotificationHandler } from '../src/handler.ts';
import { decisionFixture, delivery } from './support/decision.ts';
import { MemoryChatPoster, MemoryMailer } from './support/memory-transports.ts';

const PUBLIC_URL = 'http://localhost:8080'; // no dotted name a generated indicator could be part of

function harness() {
  const mailer = new MemoryMailer();
  const chat = new MemoryChatPoster();
  const handle = makeNotificationHandler({ groups: new StateCaseGroupStore(new MemoryStateStore()), mailer, chat, clock: manualClock(), publicUrl: PUBLIC_URL });
  /** Every outbound text: subject, HTML with its character references read, plain text; chat title and text. */
  const outbound = () => [
    ...mailer.sent.flatMap((m) => [m.subject, m.text, m.html, m.html.replace(/&#(\d+);/g, (_r, c: string) => String.fromCharCode(Number(c)))]),
    ...chat.posted.flatMap((c) => [c.title, c.text, JSON.stringify(c.card ?? null)]),
  ];
  return { handle, outbound };
}

describe('every outbound text is defanged, not only the entity table', () => {
  it('the issue 10 sample: a URL in the next steps, and indicators in title, summary, evidence and entities', async () => {
    const event = decisionFixture();
    const { triage, alert } = event.data;
    triage.nextSteps = ['Check who else accessed https://bad-site.example/payload'];
    triage.summary = 'Beacon to evil-c2.com from 198.51.100.7; phish sent by attacker@phish.example';
    triage.risk.factors[0]!.evidence = 'seen at http://203.0.113.9:8080/x and 2001:db8::7';
    alert.title = 'Download from invoice-portal.com';
    alert.entities.push({ id: 'domain:a.evil.net', type: 'domain', value: 'a.evil.net', origin: 'source' });
    const { handle, outbound } = harness();
    await handle(event, delivery);
    const texts = outbound();
    expect(texts.length).toBeGreaterThanOrEqual(6);
    for (const live of ['https://bad-site.example', 'bad-site.example', 'evil-c2.com', '198.51.100.7', 'attacker@phish.example', 'http://203.0.113.9', '2001:db8::7', 'invoice-portal.com', 'a.evil.net', '203.0.113.45']) {
      for (const text of texts) expect(text).not.toContain(live);
    }
    expect(texts.join('\n')).toContain('hxxps://bad-site[.]example/payload');
  });
});

// Indicators of every kind, as alert text might carry them.
const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/);
const domain = fc.tuple(label, fc.constantFrom('com', 'net', 'ru', 'zip', 'example', 'xn--p1ai', 'рф', 'click')).map(([l, t]) => `${l}.${t}`);
const indicator = fc.oneof(
  fc.tuple(fc.constantFrom('http', 'https', 'ftp', 'ws'), domain, fc.webPath()).map(([s, d, p]) => `${s}://${d}${p}`),
  domain,
  fc.ipV4(),
  fc.ipV6(),
  fc.tuple(label, domain).map(([l, d]) => `${l}@${d}`),
);
const field = fc.constantFrom('title', 'summary', 'nextStep', 'evidence', 'entity', 'copilotSummary', 'copilotStep');

describe('defang property', () => {
  it('for any alert text carrying a URL, domain, IP or e-mail address, no outbound part carries it live', async () => {
    await fc.assert(
      fc.asyncProperty(indicator, field, fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }), async (ioc, where, before, after) => {
        const event = decisionFixture();
        const { alert, triage } = event.data;
        const text = `${before} ${ioc} ${after}`;
        if (where === 'title') alert.title = text;
        if (where === 'summary') triage.summary = text;
        if (where === 'nextStep') triage.nextSteps.push(text);
        if (where === 'evidence') triage.risk.factors[0]!.evidence = text;
        if (where === 'entity') alert.entities.push({ id: `url:${ioc}`, type: 'url', value: ioc, origin: 'source' });
        if (where === 'copilotSummary' || where === 'copilotStep') {
          triage.copilot = {
            status: 'advised',
            summary: where === 'copilotSummary' ? text : 'advice',
            evidence: [],
            investigationSteps: where === 'copilotStep' ? [text] : [],
            recommendedActions: [],
            huntQueries: [],
            removed: [],
          };
        }
        const { handle, outbound } = harness();
        await handle(event, delivery);
        for (const part of outbound()) expect(part).not.toContain(ioc);
      }),
      { numRuns: 300 },
    );
  });
});
