import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OPERATOR_TOKEN, TOKEN, client, eventually } from './support.ts';

const ROOT = new URL('../../../', import.meta.url).pathname;
const realAlerts = (await import('node:fs'))
  .readFileSync(join(ROOT, 'test/fixtures/generic-alerts.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Record<string, unknown>);

/** Starts `npm start`'s entry point as a real process and waits until it answers. */
async function startProcess(dataDir: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(ROOT, 'apps/all-in-one/src/main.ts')], {
    env: { ...process.env, SOC_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', SOC_SENDER_TOKEN: TOKEN, SOC_API_TOKEN: OPERATOR_TOKEN, LOG_LEVEL: 'error' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await eventually(async () => {
    try {
      return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok ? true : undefined;
    } catch {
      return undefined;
    }
  }, 15_000, 'the process to listen');
  return child;
}

let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill('SIGKILL');
});

describe('crash recovery (real child process, kill -9)', () => {
  it('every alert that got a 202 reaches one decision, with no duplicated email or ticket', async () => {
    expect(process.version.startsWith('v24')).toBe(true);
    const dataDir = mkdtempSync(join(tmpdir(), 'soc-crash-'));
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const base = `http://127.0.0.1:${port}`;
    child = await startProcess(dataDir, port);
    const api = client(base);

    // A burst of 1,000 single-alert POSTs, 32 in flight; the process is killed once 400 were accepted.
    const accepted = new Map<string, string>();
    let next = 0;
    let killed = false;
    const sender = async (): Promise<void> => {
      while (next < 1000) {
        const i = next++;
        const alert = { ...realAlerts[i % realAlerts.length], id: `crash-${i}` };
        try {
          const res = await api('/api/v1/alerts/generic', { body: alert });
          if (res.status === 202) accepted.set(res.body.alertId, res.body.correlationId);
        } catch {
          // Connection reset by the kill: this alert was never acknowledged, so it may be lost.
        }
        if (!killed && accepted.size >= 400) {
          killed = true;
          child?.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 32 }, sender));
    expect(killed).toBe(true);
    expect(accepted.size).toBeGreaterThanOrEqual(400);

    child = await startProcess(dataDir, port);
    const settled = (alertId: string) =>
      eventually(async () => {
        const v = (await api(`/api/v1/alerts/${alertId}`)).body;
        if (!v || v.stage !== 'decided') return undefined;
        // The events the killed process held are redelivered after the restart (at once on this host, else when
        // their locks expire), concurrently with new ones: the case view may project a decision before the
        // received event that was in flight, so wait for the whole journey.
        if (!v.timeline.some((t: { type: string }) => t.type === 'soc.alert.received.v1')) return undefined;
        // Noise control: e-mail and ticket are per case group, so an alert's case shows the group's e-mail only when
        // it was the group's first (or an escalation), and a later alert of the group notes the group's ticket only at
        // a count milestone or an escalation (ticketing's worthANote): neither can be waited for per alert.
        const wantEmail = v.decision.actions.filter((a: { kind: string }) => a.kind === 'SendEmail').length;
        return v.notifications.length <= wantEmail ? v : undefined;
      }, 60_000, `the case of ${alertId}`);
    for (const alertId of accepted.keys()) {
      const view = await settled(alertId);
      expect(view.correlationId).toBe(accepted.get(alertId));
      expect(view.timeline.filter((t: { type: string }) => t.type === 'soc.decision.made.v2')).toHaveLength(1);
      expect(view.timeline.filter((t: { type: string }) => t.type === 'soc.alert.received.v1')).toHaveLength(1);
      expect(new Set(view.timeline.map((t: { id: string }) => t.id)).size).toBe(view.timeline.length);
    }
    // The kill can also land after an alert was durably published but before its 202 went out: the sender saw a
    // reset and may resend, and the pipeline still processes it (at least once). So emails are counted over every
    // case on record, accepted-and-answered or not; each sent e-mail (one per case group, plus escalations) must have
    // exactly one .eml.
    const emlFiles = () => readdirSync(join(dataDir, 'outbox')).filter((f) => f.endsWith('.eml'));
    let last = { files: [] as string[], deliveries: [] as string[] };
    const counts = await eventually(async () => {
      const all: string[] = (await api('/api/v1/alerts?limit=500')).body.items.map((c: { alertId: string }) => c.alertId);
      const deliveries: string[] = [];
      for (const alertId of all) {
        for (const n of (await settled(alertId)).notifications as { deliveryId: string }[]) deliveries.push(n.deliveryId);
      }
      const files = emlFiles();
      last = { files, deliveries };
      // Converges once the backlog is drained: every case listed, every email on its case.
      return files.length === deliveries.length ? { all, emails: deliveries.length, files: files.length } : undefined;
    }, 30_000, 'one .eml per e-mail sent over every case (a duplicate never converges)').catch((error: Error) => {
      // Say which: an .eml no case shows, or an e-mail shown on two cases.
      const shown = new Set(last.deliveries.map((d) => d.replace(/^outbox:/, '')));
      const unshown = last.files.filter((f) => !shown.has(f));
      const twice = last.deliveries.filter((d, i) => last.deliveries.indexOf(d) !== i);
      throw new Error(`${error.message}: ${last.files.length} .eml files, ${last.deliveries.length} e-mails on cases; on no case: ${unshown.slice(0, 5).join(', ')}; shown twice: ${twice.slice(0, 5).join(', ')}`);
    });
    expect(counts.all.length).toBeLessThan(500);
    expect(counts.all).toEqual(expect.arrayContaining([...accepted.keys()]));
    // One .eml per e-mail sent, never two.
    expect(counts.files).toBe(counts.emails);
  }, 180_000);
});
