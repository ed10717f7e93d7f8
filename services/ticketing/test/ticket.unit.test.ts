import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type EventByType, parseEvent } from '@soc/contracts';
import { defang } from '@soc/outbound';
import { MAX_TITLE_CHARS, revisionNote, ticketFor } from '../src/handler.ts';

function decision(): EventByType<'soc.decision.made.v2'> {
  const parsed = parseEvent(JSON.parse(readFileSync(new URL('../../../contracts/fixtures/soc.decision.made.v2.json', import.meta.url), 'utf8')));
  if (!parsed.ok || parsed.event.type !== 'soc.decision.made.v2') throw new Error('fixture');
  return parsed.event;
}

describe('ticket text (it leaves for ServiceNow)', () => {
  it('defangs every URL, domain, IP and e-mail address in title and description', () => {
    const event = decision();
    event.data.alert.title = 'Download from https://invoice-portal.com/a.zip';
    event.data.triage.summary = 'Beacon to evil-c2.com from 198.51.100.7, mail from attacker@phish.example';
    event.data.triage.nextSteps = ['Check who else accessed https://bad-site.example/payload'];
    event.data.triage.risk.factors[0]!.evidence = 'seen with 2001:db8::7';
    const ticket = ticketFor(event, 'act-1', 2);
    for (const live of ['https://invoice-portal.com', 'invoice-portal.com', 'evil-c2.com', '198.51.100.7', 'attacker@phish.example', 'bad-site.example', '2001:db8::7', '203.0.113.45']) {
      expect(ticket.title).not.toContain(live);
      expect(ticket.description).not.toContain(live);
    }
    expect(ticket.title).toBe('[CRITICAL] Download from hxxps://invoice-portal[.]com/a[.]zip');
    expect(ticket.description).toContain('1. Check who else accessed hxxps://bad-site[.]example/payload');
  });

  it('fits a long title in 160 characters, marked as cut, with nothing left live at the cut', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.constantFrom('evil.com', 'System.Net.corporate', '10.0.0.1', 'a@b.co'), fc.nat(200), (text, ioc, at) => {
        const event = decision();
        event.data.alert.title = `${text.slice(0, at)} ${ioc} ${text.slice(at)}`;
        const { title } = ticketFor(event, 'act-1', 2);
        expect(title.length).toBeLessThanOrEqual(MAX_TITLE_CHARS);
        expect(title).not.toMatch(/evil\.com|10\.0\.0\.1|a@b|b\.co\b/);
        expect(defang(title)).toBe(title); // nothing live, also where the cut fell
        if (event.data.alert.title.length + 11 > MAX_TITLE_CHARS + 20) expect(title.endsWith('…')).toBe(true);
      }),
    );
  });

  it('defangs the work note a later revision adds (its summary quotes the alert), within the contract\'s 8192', () => {
    const event = decision();
    event.data.alert.revision = { key: `rev-${'a'.repeat(32)}`, receivedAt: '2026-11-23T10:00:00.000Z' };
    event.data.triage.summary = `Beacon to evil-c2.com from 198.51.100.7, mail from attacker@phish.example ${'x '.repeat(5000)} https://tail.example/end`;
    const note = revisionNote(event, { count: 3, lastSeen: '2026-11-23T10:00:00.000Z', revision: true });
    for (const live of ['evil-c2.com', '198.51.100.7', 'attacker@phish.example']) expect(note).not.toContain(live);
    expect(defang(note)).toBe(note);
    expect(note.length).toBeLessThanOrEqual(8192);
    expect(note.endsWith('…')).toBe(true);
  });
});
