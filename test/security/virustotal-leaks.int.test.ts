import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, SENDER_TOKEN, client, decidedCase, startSystem } from './support.ts';

const b64url = (s: string) => Buffer.from(s, 'utf8').toString('base64url');

// Point 4 of issue 11: VirusTotal (a third party; what it is sent, its subscribers may see) received URLs with their
// query string — an Azure SAS token is a bearer credential — and internal host names and addresses.
describe('VirusTotal is never sent query strings, credentials or internal names', () => {
  let vt: Server;
  let sys: Awaited<ReturnType<typeof startSystem>>;
  const received: string[] = [];

  beforeAll(async () => {
    // A stand-in for www.virustotal.com that records every request and has seen nothing (404).
    vt = createServer((req, res) => {
      received.push(req.url ?? '');
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'NotFoundError', message: 'Resource not found' } }));
    });
    await new Promise<void>((resolve) => vt.listen(0, '127.0.0.1', resolve));
    sys = await startSystem({
      VIRUSTOTAL_API_KEY: 'vt-test-key-0123456789',
      VIRUSTOTAL_BASE_URL: `http://127.0.0.1:${(vt.address() as AddressInfo).port}`,
      VIRUSTOTAL_MAX_INDICATORS: '20',
    });
  });
  afterAll(async () => {
    await sys.close();
    await new Promise<void>((resolve) => vt.close(() => resolve()));
  });

  it('looks up public URLs without query, fragment or userinfo, and skips internal hosts, domains and addresses', async () => {
    const sas = 'https://stprodbackups.blob.core.windows.net/backups/db.bak?sv=2022-11-02&ss=b&sp=r&se=2027-01-01&sig=c2VjcmV0LXNpZ25hdHVyZQ%3D%3D#part';
    const res = await client(sys.url, SENDER_TOKEN)('/api/v1/alerts/generic', {
      body: {
        id: 'vt-leak-1',
        title: 'Download from storage',
        severity: 'medium',
        entities: [
          { type: 'url', value: sas },
          { type: 'url', value: 'https://alice:hunter2@evil-downloads.example.com/payload.exe?token=abc' },
          { type: 'url', value: 'http://intranet/wiki/Passwords?edit=1' },
          { type: 'url', value: 'http://10.20.30.40:8080/admin' },
          { type: 'url', value: 'https://wiki.corp/spaces/SEC' },
          { type: 'domain', value: 'fileserver.contoso.local' },
          { type: 'domain', value: 'build.internal' },
          { type: 'domain', value: 'nas.lan' },
          { type: 'domain', value: 'printer.home.arpa' },
          { type: 'ip', value: '192.168.10.5' },
          { type: 'ip', value: '8.8.4.4' },
          { type: 'domain', value: 'evil-downloads.example.com' },
        ],
      },
    });
    expect(res.status).toBe(202);
    await decidedCase(client(sys.url, ADMIN_TOKEN), res.body.alertId, 15_000);
    expect([...received].sort()).toEqual(
      [
        `/api/v3/urls/${b64url('https://stprodbackups.blob.core.windows.net/backups/db.bak')}`,
        `/api/v3/urls/${b64url('https://evil-downloads.example.com/payload.exe')}`,
        '/api/v3/ip_addresses/8.8.4.4',
        '/api/v3/domains/evil-downloads.example.com',
      ].sort(),
    );
    const everything = received.map((p) => (p.startsWith('/api/v3/urls/') ? Buffer.from(p.slice('/api/v3/urls/'.length), 'base64url').toString('utf8') : p)).join('\n');
    for (const secret of ['sig=', 'sv=', 'token=', 'hunter2', 'alice', 'intranet', 'contoso.local', '10.20.30.40', '192.168.10.5', '.internal', '.lan', 'wiki.corp', 'home.arpa']) {
      expect(everything).not.toContain(secret);
    }
  });
});
