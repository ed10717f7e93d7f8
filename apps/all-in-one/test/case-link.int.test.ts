import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPROVER_TOKEN, TOKEN, client, eventually, startSystem } from './support.ts';

const PUBLIC_URL = 'https://soc.test:8443';

describe('the alert e-mail links to a case the running api serves', () => {
  let system: Awaited<ReturnType<typeof startSystem>>;
  let api: ReturnType<typeof client>;
  beforeAll(async () => {
    system = await startSystem({ SOC_PUBLIC_URL: PUBLIC_URL });
    api = client(system.url);
  });
  afterAll(async () => {
    await system.close();
  });

  it('"Open the case" resolves to this alert, and the e-mail holds no live indicator and no secret', async () => {
    const posted = await api('/api/v1/alerts/generic', {
      body: {
        id: 'case-link-1',
        title: 'Beacon to https://bad-site.example/payload',
        severity: 'critical',
        entities: [{ type: 'host', value: 'web01.contoso.com' }, { type: 'ip', value: '185.220.101.4' }],
      },
    });
    expect(posted.status).toBe(202);
    const { alertId } = posted.body as { alertId: string };
    const view = await eventually(async () => {
      const v = (await api(`/api/v1/alerts/${alertId}`)).body;
      return v?.notifications?.length === 1 ? v : undefined;
    }, 10_000, 'the e-mail');
    const raw = readFileSync(join(system.dataDir, 'outbox', view.notifications[0].deliveryId.slice('outbox:'.length)));
    const mail = await simpleParser(raw);

    const href = /<a href="([^"]+)">Open the case in SOC Copilot<\/a>/.exec(mail.html || '')?.[1];
    const textLink = /^Case: (\S+)$/m.exec(mail.text ?? '')?.[1];
    expect(href).toBeDefined();
    expect(textLink).toBe(href);
    const link = new URL(href!);
    expect(`${link.origin}`).toBe(PUBLIC_URL);
    // The public URL is the proxy's; the path is the console the running process serves, the hash its case page,
    // which reads the case from the API with the analyst's token.
    expect(link.pathname).toBe('/');
    const page = await fetch(new URL(link.pathname, system.url));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const caseId = /^#\/case\/([^/]+)$/.exec(link.hash)?.[1];
    expect(caseId && decodeURIComponent(caseId)).toBe(alertId);
    const opened = await api(`/api/v1/alerts/${caseId}`);
    expect(opened.status).toBe(200);
    expect(opened.body.alertId).toBe(alertId);

    for (const part of [mail.subject ?? '', mail.text ?? '', mail.html || '']) {
      for (const live of ['https://bad-site.example', 'bad-site.example', '185.220.101.4', 'web01.contoso.com', TOKEN, APPROVER_TOKEN]) expect(part).not.toContain(live);
    }
    expect(raw.toString('latin1')).not.toContain(TOKEN);
  });
});
