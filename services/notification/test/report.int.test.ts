import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { parseEvent } from '@soc/contracts';
import { manualClock } from '@soc/runtime';
import { OutboxChatPoster, OutboxMailer } from '../src/adapters/outbox-mailer.ts';
import { StateCaseGroupStore } from '../src/adapters/state-group-store.ts';
import { MemoryStateStore } from '@soc/state';
import { makeNotificationHandler } from '../src/handler.ts';

const delivery = { subscription: 'notification', deliveryCount: 1, signal: new AbortController().signal };

describe('notification of soc.report.generated.v1', () => {
  it('emails the report (HTML and text) to its recipients once per report id', async () => {
    const parsed = parseEvent(JSON.parse(readFileSync(new URL('../../../contracts/fixtures/soc.report.generated.v1.json', import.meta.url), 'utf8')));
    if (!parsed.ok) throw new Error(parsed.description);
    const report = parsed.event;
    if (report.type !== 'soc.report.generated.v1') throw new Error('wrong fixture');
    const dir = mkdtempSync(join(tmpdir(), 'outbox-'));
    const handle = makeNotificationHandler({ groups: new StateCaseGroupStore(new MemoryStateStore()),
      mailer: new OutboxMailer({ dir, from: 'soc-copilot@contoso.com' }),
      chat: new OutboxChatPoster({ dir }),
      clock: manualClock(),
      publicUrl: 'http://localhost:8080',
    });
    expect(await handle(report, delivery)).toEqual({ emit: [] });
    expect(await handle(report, { ...delivery, deliveryCount: 2 })).toEqual({ emit: [] }); // a redelivery
    expect(readdirSync(dir)).toEqual(['report-daily_2025-03-18T00_00_00.000Z.eml']);
    const mail = await simpleParser(readFileSync(join(dir, readdirSync(dir)[0]!)));
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.text : '').toBe('soc-leads@contoso.com');
    expect(mail.subject).toBe(report.data.subject);
    expect(mail.html).toBe(report.data.html);
    expect(mail.text).toBe(report.data.text);
  });
});
